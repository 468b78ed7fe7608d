package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/state"
)

// newContainerInspectCommand is `inspect` (containers, then images, as Podman
// looks) and `container inspect` (containers only).
func newContainerInspectCommand(a *app) *cobra.Command {
	var f string
	var kind string
	cmd := &cobra.Command{
		Use:   "inspect [options] NAME [NAME...]",
		Short: "Show details of containers or images as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			containersOnly := cmd.Parent() != nil && cmd.Parent().Name() == "container"
			var out []any
			for _, ref := range args {
				if kind != "image" {
					in, err := eng.Inspect(ref)
					if err == nil {
						out = append(out, in)
						continue
					}
					if !errors.Is(err, state.ErrNotFound) || containersOnly || kind == "container" {
						return err
					}
				}
				details, err := image.Inspect(cmd.Context(), eng.Store, []string{ref})
				if err != nil {
					return err
				}
				out = append(out, details[0])
			}
			if f == "" || format.IsJSON(f) {
				return format.JSON(a.out, out)
			}
			return format.Each(a.out, f, out)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "json or a Go template applied to each item")
	cmd.Flags().StringVarP(&kind, "type", "t", "all", "what to inspect: container, image or all")
	return cmd
}
