package main

import (
	"fmt"
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
		newBuildCommand(a),
		newSaveCommand(a), newLoadCommand(a), newHistoryCommand(a), newImportCommand(a), newPushCommand(a),
	)
	group := newGroup("image", "Manage images",
		newPullCommand(a), newImagesCommand(a, "list", "ls"), newRmiCommand(a, "rm"),
		newTagCommand(a), newUntagCommand(a), newImageInspectCommand(a),
		newImageExistsCommand(a), newImagePruneCommand(a), newBuildCommand(a), newImageMountCommand(a), newImageUnmountCommand(a),
		newSaveCommand(a), newLoadCommand(a), newHistoryCommand(a), newImportCommand(a), newPushCommand(a),
	)
	root.AddCommand(group, newManifestCommand(a), newSearchCommand(a))
}

type imagesFlags struct {
	all, quiet, noTrunc, digests, noHeading bool
	filters                                 []string
	format, sort                            string
}

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
	fl.StringVar(&f.sort, "sort", "created", "sort by "+strings.Join(image.SortKeys, ", "))
	return cmd
}

func (a *app) images(c *cobra.Command, f imagesFlags, args []string) error {
	if err := image.SortRows(nil, f.sort); err != nil { // bad input fails before any work
		return err
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
	rows := image.Rows(list, f.noTrunc, time.Now())
	if err := image.SortRows(rows, f.sort); err != nil {
		return err
	}
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

func printIDs(a *app, rows []image.Row) error {
	seen := map[string]bool{}
	for _, r := range rows {
		if id := r.ID; !seen[id] {
			seen[id] = true
			fmt.Fprintln(a.out, id)
		}
	}
	return nil
}
