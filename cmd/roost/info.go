package main

import (
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
)

// newInfoCommand makes `info` (and `system info`): Podman's report, as YAML,
// JSON or a Go template over Podman's field names.
func newInfoCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:   "info [options]",
		Short: "Display Roost system information",
		Long:  "Display information about the host, the user's namespace, storage, the OCI runtime and networking.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := a.Core().Info(cmd.Context())
			switch {
			case f == "":
				return format.YAML(a.out, in)
			case format.IsJSON(f):
				return format.JSON(a.out, in)
			}
			return format.One(a.out, f, in)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "Change the output format to JSON or a Go template")
	cmd.Flags().BoolP("debug", "D", false, "Display additional debug information")
	_ = cmd.Flags().MarkHidden("debug")
	return cmd
}
