package main

import (
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
)

type searchFlags struct {
	registry          registryFlags
	limit             int
	filters           []string
	format            string
	listTags, noTrunc bool
}

func newSearchCommand(a *app) *cobra.Command {
	var f searchFlags
	cmd := &cobra.Command{
		Use:   "search [options] TERM",
		Short: "Search a registry for an image",
		Long:  "Search registries for repositories: the registry in TERM (REGISTRY/TERM), else each unqualified-search registry.",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.search(c, f, args[0])
		},
	}
	fl := cmd.Flags()
	f.registry.add(fl)
	fl.IntVar(&f.limit, "limit", 0, "at most this many results per registry")
	fl.StringSliceVarP(&f.filters, "filter", "f", nil, "stars=N, is-official=BOOL, is-automated=BOOL (repeatable)")
	fl.StringVar(&f.format, "format", "", "json or a Go template (e.g. {{.Name}})")
	fl.BoolVar(&f.listTags, "list-tags", false, "list the tags of the repository TERM")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "do not truncate descriptions")
	return cmd
}

func (a *app) search(c *cobra.Command, f searchFlags, term string) error {
	o := image.SearchOptions{RegistryOptions: f.registry.options(c), Limit: f.limit, Filters: f.filters, ListTags: f.listTags}
	found, err := image.Search(c.Context(), a.cfg, term, o)
	if err != nil {
		return err
	}
	if !f.noTrunc {
		for i := range found {
			if d := found[i].Description; len(d) > 44 {
				found[i].Description = d[:44] + "..."
			}
		}
	}
	table := "table {{.Name}}\t{{.Description}}"
	if f.listTags {
		table = "table {{.Name}}\t{{.Tag}}"
	}
	return format.List(a.out, f.format, table, nil, found, false)
}
