package main

import (
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/image"
)

func newImageInspectCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:   "inspect [options] IMAGE [IMAGE...]",
		Short: "Show the details of images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.inspect(c, engine.InspectRequest{Kind: engine.KindImage, Refs: args}, f)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "json", "json or a Go template applied to each image (e.g. {{.Architecture}})")
	return cmd
}

// newImageExistsCommand answers with its exit code only: 0 the image exists,
// 1 it does not, as scripts use Podman's.
func newImageExistsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exists IMAGE",
		Short: "Check whether an image exists in local storage",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			if !image.Exists(store, args[0]) {
				return &exitError{code: 1}
			}
			return nil
		},
	}
}
