package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/spec"
)

// newUpdateCommand is `update [options] CONTAINER`: new cgroup limits for a
// container, with run's resource flags; it prints the container's id.
func newUpdateCommand(a *app) *cobra.Command {
	var res spec.ResourceFlags
	var kernelMemory string
	cmd := &cobra.Command{
		Use:   "update [options] CONTAINER",
		Short: "Update the cgroup limits of a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := res.Parse()
			if err != nil {
				return err
			}
			c, warnings, err := a.Core().UpdateContainer(cmd.Context(), args[0], r)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("kernel-memory") {
				warnings = append(warnings, warnKernelMemory)
			}
			for _, w := range warnings {
				fmt.Fprintln(a.errOut, w)
			}
			fmt.Fprintln(a.out, c.ID)
			return nil
		},
	}
	addResourceFlags(cmd.Flags(), &res, &kernelMemory)
	return cmd
}
