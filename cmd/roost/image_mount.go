package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/userns"
)

func newImageMountCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "mount IMAGE [IMAGE...]",
		Short: "Mount an image's root filesystem and print where",
		Long:  "Mount an image's root filesystem and print where. Rootless, the mount exists only in\nRoost's user namespace, so run it inside `roost unshare`.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if a.cfg.Rootless && !userns.StartedInside() {
				return fmt.Errorf("rootless mount only works inside `roost unshare`: run `roost unshare roost image mount %s`", strings.Join(args, " "))
			}
			store, err := a.Store()
			if err != nil {
				return err
			}
			var errs []error
			for _, n := range args {
				path, err := image.Mount(store, n)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(a.out, path)
			}
			return errors.Join(errs...)
		},
	}
}

func newImageUnmountCommand(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "unmount [options] IMAGE [IMAGE...]",
		Aliases: []string{"umount"},
		Short:   "Unmount an image's root filesystem",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			var errs []error
			for _, n := range args {
				id, err := image.Unmount(store, n, force)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(a.out, id)
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "release every mount of the image")
	return cmd
}
