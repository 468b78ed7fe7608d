package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
)

var psHeaders = map[string]string{"ID": "CONTAINER ID", "RunningFor": "CREATED", "Names": "NAMES"}

const psDefault = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

type psFlags struct {
	all, quiet, latest, noTrunc, size, noHeading bool
	last                                         int
	format                                       string
	filters                                      []string
}

func newPsCommand(a *app) *cobra.Command {
	var f psFlags
	cmd := &cobra.Command{
		Use:   "ps [options]",
		Short: "List containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			for _, id := range eng.Reconcile(cmd.Context()) {
				fmt.Fprintf(a.errOut, "WARNING: removed container %s, left half-made by a command that was killed or a request that failed\n", id[:12])
			}
			last := f.last
			if f.latest {
				last = 1
			}
			rows, err := eng.Listings(cmd.Context(), container.ListingOptions{
				ListOptions: container.ListOptions{All: f.all || last > 0, Filters: f.filters},
				Last:        last, Full: f.noTrunc || format.IsJSON(f.format), Size: f.size,
			})
			if err != nil {
				return err
			}
			if f.quiet {
				return format.Each(a.out, "{{.ID}}", rows)
			}
			def := psDefault
			if f.size {
				def += "\t{{.Size}}"
			}
			return format.List(a.out, f.format, def, psHeaders, rows, f.noHeading)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.all, "all", "a", false, "show all containers, not only running ones")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only ids")
	fl.BoolVarP(&f.latest, "latest", "l", false, "show the latest container created")
	fl.IntVarP(&f.last, "last", "n", -1, "show the n latest containers")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "do not truncate output")
	fl.BoolVarP(&f.size, "size", "s", false, "show sizes")
	fl.BoolVar(&f.noHeading, "noheading", false, "do not print the header")
	fl.StringVar(&f.format, "format", "", "json, or a Go template (table ...)")
	fl.StringArrayVarP(&f.filters, "filter", "f", nil, "filter KEY=VALUE (repeatable): ancestor, before, exited, health, id, label (label!=), name, network, pod, since, status, until, volume")
	return cmd
}
