package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
)

func newVolumeRmCommand(a *app) *cobra.Command {
	var all, force bool
	var timeout int
	cmd := &cobra.Command{
		Use:     "rm [options] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove volumes",
		Long: "Remove volumes. A volume a container uses is refused (exit 2) unless --force, which removes those containers first.\n" +
			"Exit 1: a volume did not exist (--force ignores those).",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("give volume names or --all, not both and not neither")
			}
			if cmd.Flags().Changed("time") && !force {
				return errors.New("--time needs --force (it is the grace period of the containers --force stops)")
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if all {
				list, err := eng.Volumes.List()
				if err != nil {
					return err
				}
				for _, v := range list {
					args = append(args, v.Name)
				}
			}
			o := container.VolumeRemoveOptions{Force: force}
			if timeout >= 0 {
				t := uint(timeout)
				o.Timeout = &t
			}
			var last error
			for _, ref := range args {
				name, err := eng.RemoveVolume(cmd.Context(), ref, o)
				if force && errors.Is(err, state.ErrNotFound) {
					continue // Podman: --force ignores volumes that do not exist
				}
				if err != nil {
					if last != nil {
						fmt.Fprintln(a.errOut, "Error: "+last.Error())
					}
					last = err
					continue
				}
				fmt.Fprintln(a.out, name)
			}
			return volumeExit(last)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove every volume")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove the containers using the volume first")
	cmd.Flags().IntVarP(&timeout, "time", "t", -1, "with --force, seconds before running containers are killed")
	return cmd
}

// volumeExit gives Podman's exit codes: 1 for a volume that does not exist,
// 2 for one in use, 125 otherwise.
func volumeExit(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, state.ErrNotFound):
		return &exitError{code: 1, err: err}
	case errors.Is(err, volume.ErrInUse):
		return &exitError{code: 2, err: err}
	}
	return err
}

func newVolumePruneCommand(a *app) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove every volume no container uses",
		Long:  "Remove every volume no container uses (named and anonymous).\nWithout --force it asks first, reading the answer from standard input.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := volume.ParseFilter(filters, volume.PruneFilterKeys)
			if err != nil {
				return err
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if !force {
				names, err := eng.PrunableVolumes(f)
				if err != nil {
					return err
				}
				if len(names) == 0 {
					fmt.Fprintln(a.out, "No dangling volumes found")
					return nil
				}
				warning := "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n" + strings.Join(names, "\n")
				ok, err := confirm(a, os.Stdin, warning)
				if err != nil || !ok {
					return err
				}
			}
			names, err := eng.PruneVolumes(cmd.Context(), f)
			for _, n := range names {
				fmt.Fprintln(a.out, n)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	stringArray(cmd.Flags(), &filters, "filter", nil, "only prune volumes matching: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME (repeatable)")
	return cmd
}
