package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/format"
)

type inspectFlags struct {
	format, kind string
	size, latest bool
}

// newContainerInspectCommand is `inspect` (any object: containers, then
// images, volumes, networks and pods, as Podman looks) and `container
// inspect` (containers only).
func newContainerInspectCommand(a *app) *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect [options] NAME [NAME...]",
		Short: "Show details of containers, images, volumes, networks or pods as JSON",
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := f.kind
			if cmd.Parent() != nil && cmd.Parent().Name() == "container" {
				kind = engine.KindContainer
			}
			return a.inspect(cmd, engine.InspectRequest{Kind: kind, Refs: args, Latest: f.latest, Size: f.size}, f.format)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", "json", "json or a Go template applied to each object")
	fl.StringVarP(&f.kind, "type", "t", engine.KindAll, "what to inspect: container, image, volume, network, pod or all")
	fl.BoolVarP(&f.size, "size", "s", false, "show the container's sizes (SizeRw, SizeRootFs)")
	fl.BoolVarP(&f.latest, "latest", "l", false, "inspect the latest container created")
	return cmd
}

// inspect prints what was found, then fails for what was not, as Podman:
// the first miss is the error, the others are printed before it.
func (a *app) inspect(cmd *cobra.Command, r engine.InspectRequest, tmpl string) error {
	res, err := a.Core().Inspect(cmd.Context(), r)
	if err != nil {
		return err
	}
	objs := res.Objects
	if objs == nil {
		objs = []any{}
	}
	if tmpl == "" || format.IsJSON(tmpl) {
		err = format.JSON(a.out, objs)
	} else {
		err = format.Each(a.out, format.InspectTemplate(tmpl), objs)
	}
	if err != nil {
		return err
	}
	if len(res.Errors) == 0 {
		return nil
	}
	for _, e := range res.Errors[1:] {
		fmt.Fprintf(a.errOut, "error inspecting object: %v\n", e)
	}
	return fmt.Errorf("inspecting object: %w", res.Errors[0])
}
