package main

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
)

type historyFlags struct {
	noTrunc, human, quiet bool
	format                string
}

func newHistoryCommand(a *app) *cobra.Command {
	var f historyFlags
	cmd := &cobra.Command{
		Use:   "history [options] IMAGE",
		Short: "Show history of a specified image",
		Long:  "Show the steps an image was built in, newest first.",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.history(c, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "do not truncate the output")
	fl.BoolVarP(&f.human, "human", "H", true, "display sizes and dates in human readable format")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "display the numeric IDs only")
	fl.StringVar(&f.format, "format", "", "json or a Go template (e.g. {{.ID}} {{.CreatedBy}})")
	return cmd
}

// historyRow is one line of history; its fields are the --format names
// Podman's history takes.
type historyRow struct {
	ID, Created, CreatedAt, CreatedSince, CreatedBy, Size, Comment string
	Tags                                                           []string
}

const historyTable = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

var historyHeaders = map[string]string{"CreatedBy": "CREATED BY", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED"}

func (a *app) history(c *cobra.Command, f historyFlags, name string) error {
	store, err := a.Store()
	if err != nil {
		return err
	}
	entries, err := image.History(c.Context(), store, name)
	if err != nil {
		return err
	}
	if format.IsJSON(f.format) {
		return format.JSON(a.out, entries)
	}
	now := time.Now()
	rows := make([]historyRow, len(entries))
	for i, e := range entries {
		rows[i] = newHistoryRow(e, f, now)
	}
	tmpl := f.format
	if f.quiet {
		tmpl = "{{.ID}}"
	}
	return format.List(a.out, tmpl, historyTable, historyHeaders, rows, false)
}

func newHistoryRow(e image.HistoryEntry, f historyFlags, now time.Time) historyRow {
	r := historyRow{ID: e.ID, CreatedBy: e.CreatedBy, Comment: e.Comment, Tags: e.Tags,
		CreatedAt: e.Created.String(), CreatedSince: image.HumanAgo(e.Created, now)}
	if !f.noTrunc {
		if len(r.ID) > 12 {
			r.ID = r.ID[:12]
		}
		if len(r.CreatedBy) > 45 {
			r.CreatedBy = r.CreatedBy[:42] + "..."
		}
	}
	if f.human {
		r.Created, r.Size = r.CreatedSince, image.HumanSize(e.Size)
	} else {
		r.Created, r.Size = e.Created.Format(time.RFC3339), strconv.FormatInt(e.Size, 10)
	}
	return r
}
