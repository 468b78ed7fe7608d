package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/format"
)

// eventsFlags are `roost events`' flags as the user typed them.
type eventsFlags struct {
	filters      []string
	format       string
	since, until string
	stream       bool
	noTrunc      bool
}

func newEventsCommand(a *app) *cobra.Command {
	var f eventsFlags
	cmd := &cobra.Command{
		Use:   "events [options]",
		Short: "Show events",
		Long:  "Show what happened to containers, pods, images, volumes and networks.\nBy default new events are streamed as they occur; --since and --until show past ones.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%q accepts no arguments", cmd.CommandPath())
			}
			return nil
		},
		// The log lives in the run directory: no namespace needed to read it.
		Annotations: map[string]string{noNamespace: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.events(cmd, f)
		},
	}
	fl := cmd.Flags()
	stringArrayP(fl, &f.filters, "filter", "f", nil, "show only events that match (KEY=VALUE: container, event, image, label, network, pod, type, volume)")
	fl.StringVar(&f.format, "format", "", "print each event with a Go template, or as JSON lines (json)")
	fl.StringVar(&f.since, "since", "", "show events since a time (RFC 3339, Unix timestamp, or duration such as 5m)")
	fl.StringVar(&f.until, "until", "", "show events until a time (RFC 3339, Unix timestamp, or duration such as 5m)")
	fl.BoolVar(&f.stream, "stream", true, "keep printing new events; --stream=false prints what is logged and exits")
	fl.BoolVar(&f.noTrunc, "no-trunc", true, "do not shorten ids")
	return cmd
}

func (a *app) events(cmd *cobra.Command, f eventsFlags) error {
	opts, err := f.readOptions(time.Now())
	if err != nil {
		return err
	}
	print, err := f.printer(a)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for e, err := range events.Read(ctx, a.cfg.Events, opts) {
		if err != nil {
			return err
		}
		if err := print(e); err != nil {
			return err
		}
	}
	return nil
}

func (f eventsFlags) readOptions(now time.Time) (events.ReadOptions, error) {
	filter, err := events.CompileFilters(f.filters)
	if err != nil {
		return events.ReadOptions{}, fmt.Errorf("failed to parse event filters: %w", err)
	}
	o := events.ReadOptions{Filter: filter, Stream: f.stream}
	if f.since != "" {
		if o.Since, err = events.ParseTime(f.since, now, true); err != nil {
			return o, fmt.Errorf("invalid --since %q: %w", f.since, err)
		}
	}
	if f.until != "" {
		if o.Until, err = events.ParseTime(f.until, now, false); err != nil {
			return o, fmt.Errorf("invalid --until %q: %w", f.until, err)
		}
	}
	return o, nil
}

// printer picks how each event is printed: Podman's line, a JSON line, or
// the user's template (checked before anything is read).
func (f eventsFlags) printer(a *app) (func(events.Event) error, error) {
	switch {
	case f.format == "":
		return func(e events.Event) error {
			_, err := fmt.Fprintln(a.out, e.Human(!f.noTrunc))
			return err
		}, nil
	case format.IsJSON(f.format):
		return func(e events.Event) error {
			b, err := e.MarshalLine()
			if err == nil {
				_, err = fmt.Fprintf(a.out, "%s\n", b)
			}
			return err
		}, nil
	}
	t, err := format.Template(f.format)
	if err != nil {
		return nil, err
	}
	return func(e events.Event) error { return printTemplate(a, t, e) }, nil
}

func printTemplate(a *app, t *template.Template, e events.Event) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, e); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	s := buf.String()
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	_, err := fmt.Fprint(a.out, s)
	return err
}
