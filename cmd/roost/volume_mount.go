package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/volume"
	"github.com/roost-containers/roost/userns"
)

// outsideUnshare refuses a rootless command whose result (a mount) exists
// only inside Roost's user namespace, in Podman's words.
func (a *app) outsideUnshare(cmd *cobra.Command) error {
	if a.cfg.Rootless && !userns.StartedInside() {
		return fmt.Errorf("cannot run command %q in rootless mode, must execute `roost unshare` first", cmd.CommandPath())
	}
	return nil
}

func newVolumeMountCommand(a *app) *cobra.Command {
	return a.volumeMountVerb(&cobra.Command{
		Use:   "mount VOLUME",
		Short: "Mount a volume and print where its files are",
		Long: "Mount a volume and print where its files are. Rootless, the mount exists only in\n" +
			"Roost's user namespace: run it inside `roost unshare`.",
	}, func(v *volume.Manager, name string) (string, error) { return v.Mount(name) })
}

func newVolumeUnmountCommand(a *app) *cobra.Command {
	return a.volumeMountVerb(&cobra.Command{
		Use:     "unmount VOLUME",
		Aliases: []string{"umount"},
		Short:   "Release a volume mounted with `volume mount`",
		Long: "Release a volume mounted with `volume mount` and print its name. A tmpfs or bind\n" +
			"volume stays mounted until `volume rm`, since containers may use it.",
	}, func(v *volume.Manager, name string) (string, error) { return v.Unmount(name) })
}

// volumeMountVerb runs mount or unmount on one volume, only inside
// `roost unshare`, and prints what the engine answers.
func (a *app) volumeMountVerb(cmd *cobra.Command, do func(*volume.Manager, string) (string, error)) *cobra.Command {
	cmd.Args = cobra.ExactArgs(1)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := a.outsideUnshare(cmd); err != nil {
			return err
		}
		eng, err := a.Engine()
		if err != nil {
			return err
		}
		out, err := do(eng.Volumes, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(a.out, out)
		return nil
	}
	return cmd
}
