package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
)

// addImageCommands adds the image commands at the top level (pull, images,
// rmi, tag, untag, login, logout) and under `image` with Podman's names.
func addImageCommands(a *app, root *cobra.Command) {
	root.AddCommand(
		newPullCommand(a), newImagesCommand(a, "images"), newRmiCommand(a, "rmi"),
		newTagCommand(a), newUntagCommand(a), newLoginCommand(a), newLogoutCommand(a),
	)
	group := &cobra.Command{
		Use:         "image",
		Short:       "Manage images",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noNamespace: "true"},
		RunE: func(c *cobra.Command, _ []string) error {
			return fmt.Errorf("missing command: see `%s --help`", c.CommandPath())
		},
	}
	group.AddCommand(
		newPullCommand(a), newImagesCommand(a, "list", "ls"), newRmiCommand(a, "rm"),
		newTagCommand(a), newUntagCommand(a), newImageInspectCommand(a),
		newImageExistsCommand(a), newImagePruneCommand(a),
	)
	root.AddCommand(group)
}

type imagesFlags struct {
	all, quiet, noTrunc, digests, noHeading bool
	filters                                 []string
	format, sort                            string
}

var imageSortKeys = []string{"created", "id", "repository", "size", "tag"}

func newImagesCommand(a *app, use string, aliases ...string) *cobra.Command {
	var f imagesFlags
	cmd := &cobra.Command{
		Use:     use + " [options] [IMAGE]",
		Aliases: aliases,
		Short:   "List images in local storage",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.images(c, f, args)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.all, "all", "a", false, "show all images (default hides intermediate images)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "show only image IDs")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "do not truncate image IDs")
	fl.BoolVar(&f.digests, "digests", false, "show digests")
	fl.BoolVarP(&f.noHeading, "noheading", "n", false, "do not print column headings")
	fl.StringSliceVarP(&f.filters, "filter", "f", nil, "filter: dangling=, reference=, label=, before=, since=, until=, id=, digest= (repeatable)")
	fl.StringVar(&f.format, "format", "", "json or a Go template (e.g. {{.Repository}}:{{.Tag}})")
	fl.StringVar(&f.sort, "sort", "created", "sort by "+strings.Join(imageSortKeys, ", "))
	return cmd
}

func (a *app) images(c *cobra.Command, f imagesFlags, args []string) error {
	if !slices.Contains(imageSortKeys, f.sort) {
		return fmt.Errorf("%q is not a valid field for sorting: choose from %s", f.sort, strings.Join(imageSortKeys, ", "))
	}
	if len(args) > 0 {
		if len(f.filters) > 0 {
			return fmt.Errorf("give either an IMAGE or --filter, not both")
		}
		f.filters = []string{"reference=" + args[0]}
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	list, err := image.List(c.Context(), store, image.ListOptions{All: f.all, Filters: f.filters})
	if err != nil {
		return err
	}
	if format.IsJSON(f.format) {
		if list == nil {
			list = []image.Summary{}
		}
		return format.JSON(a.out, list)
	}
	rows := imageRows(list, f.noTrunc, time.Now())
	sortRows(rows, f.sort)
	if f.quiet {
		return printIDs(a, rows)
	}
	return format.List(a.out, f.format, imagesTable(f.digests), imageHeaders, rows, f.noHeading)
}

func imagesTable(digests bool) string {
	cols := []string{"{{.Repository}}", "{{.Tag}}"}
	if digests {
		cols = append(cols, "{{.Digest}}")
	}
	cols = append(cols, "{{.ID}}", "{{.Created}}", "{{.Size}}")
	return "table " + strings.Join(cols, "\t")
}

var imageHeaders = map[string]string{
	"ID":           "IMAGE ID",
	"CreatedAt":    "CREATED AT",
	"CreatedSince": "CREATED",
	"SharedSize":   "SHARED SIZE",
	"VirtualSize":  "VIRTUAL SIZE",
}

func printIDs(a *app, rows []imageRow) error {
	seen := map[string]bool{}
	for _, r := range rows {
		if id := r.ID(); !seen[id] {
			seen[id] = true
			fmt.Fprintln(a.out, id)
		}
	}
	return nil
}

// imageRow is one line of `images`: an image under one of its names. Its
// methods are what --format templates call ({{.ID}}, {{.Size}}, ...).
type imageRow struct {
	Repository, Tag string
	s               image.Summary
	noTrunc         bool
	now             time.Time
}

// imageRows gives each image one row per tagged name, or a single row
// (<none> <none> when it has no name).
func imageRows(list []image.Summary, noTrunc bool, now time.Time) []imageRow {
	var rows []imageRow
	for _, s := range list {
		base := imageRow{s: s, noTrunc: noTrunc, now: now, Repository: "<none>", Tag: "<none>"}
		var tagged []imageRow
		for _, n := range s.Names {
			r := base
			r.Repository, r.Tag = image.SplitName(n)
			if r.Tag != "<none>" {
				tagged = append(tagged, r)
			} else if base.Repository == "<none>" {
				base.Repository = r.Repository
			}
		}
		if len(tagged) == 0 {
			tagged = []imageRow{base}
		}
		rows = append(rows, tagged...)
	}
	return rows
}

func sortRows(rows []imageRow, key string) {
	less := map[string]func(a, b imageRow) bool{
		"created":    func(a, b imageRow) bool { return a.s.CreatedTime.After(b.s.CreatedTime) },
		"id":         func(a, b imageRow) bool { return a.s.ID < b.s.ID },
		"repository": func(a, b imageRow) bool { return a.Repository < b.Repository },
		"size":       func(a, b imageRow) bool { return a.s.Size < b.s.Size },
		"tag":        func(a, b imageRow) bool { return a.Tag < b.Tag },
	}[key]
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
}

func (r imageRow) ID() string {
	if r.noTrunc {
		return "sha256:" + r.s.ID
	}
	return r.s.ID[:12]
}

func (r imageRow) Digest() string            { return r.s.Digest }
func (r imageRow) Created() string           { return image.HumanAgo(r.s.CreatedTime, r.now) }
func (r imageRow) CreatedSince() string      { return r.Created() }
func (r imageRow) CreatedAt() string         { return r.s.CreatedTime.String() }
func (r imageRow) Size() string              { return image.HumanSize(r.s.Size) }
func (r imageRow) VirtualSize() string       { return image.HumanSize(r.s.VirtualSize) }
func (r imageRow) SharedSize() string        { return image.HumanSize(r.s.SharedSize) }
func (r imageRow) Names() []string           { return r.s.Names }
func (r imageRow) RepoDigests() []string     { return r.s.RepoDigests }
func (r imageRow) Labels() map[string]string { return r.s.Labels }
func (r imageRow) Containers() int           { return r.s.Containers }
func (r imageRow) Dangling() bool            { return r.s.Dangling }
func (r imageRow) History() string           { return strings.Join(r.s.History, ", ") }
