package main

import (
	"fmt"
	"time"

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
				fmt.Fprintf(a.errOut, "WARNING: removed container %s, left half-made by a command that was killed\n", id[:12])
			}
			list, err := eng.List(cmd.Context(), container.ListOptions{All: f.all || f.latest || f.last > 0, Filters: f.filters})
			if err != nil {
				return err
			}
			if f.latest && len(list) > 1 {
				list = list[:1]
			}
			if f.last > 0 && len(list) > f.last {
				list = list[:f.last]
			}
			rows := make([]container.Listing, 0, len(list))
			now := time.Now()
			for _, c := range list {
				rows = append(rows, container.NewListing(c, now, f.noTrunc || format.IsJSON(f.format)))
				if f.size {
					rows[len(rows)-1].Size = psSize(eng, &c)
				}
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

// psSize measures a container for --size; one removed meanwhile has none.
func psSize(eng *container.Engine, c *container.Container) *container.Size {
	s, err := eng.Size(c)
	if err != nil {
		return nil
	}
	return &s
}
