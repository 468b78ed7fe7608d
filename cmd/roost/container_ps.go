package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
)

// psHeaders are Podman's column titles where they are not the field's
// name split into words.
var psHeaders = map[string]string{
	"ID": "CONTAINER ID", "CreatedHuman": "CREATED", "Pod": "POD ID", "PodName": "PODNAME",
	"Cgroup": "CGROUPNS", "User": "USERNS", "IPC": "IPC", "MNT": "MNT", "NET": "NET",
	"PIDNS": "PIDNS", "UTS": "UTS", "Networks": "NETWORKS",
}

const (
	psDefault   = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
	psNamespace = "table {{.ID}}\t{{.Names}}\t{{.Pid}}\t{{.Cgroup}}\t{{.IPC}}\t{{.MNT}}\t{{.NET}}\t{{.PIDNS}}\t{{.User}}\t{{.UTS}}"
)

type psFlags struct {
	all, quiet, latest, noTrunc, size, noHeading bool
	external, ns, pod, sync                      bool
	last                                         int
	watch                                        uint
	format, sort                                 string
	filters                                      []string
}

// check refuses the combinations Podman refuses, with its words.
func (f *psFlags) check() error {
	switch {
	case f.last >= 0 && f.latest:
		return errors.New("last and latest are mutually exclusive")
	case f.quiet && (f.size || f.ns):
		return errors.New("quiet conflicts with size and namespace")
	case f.size && f.ns:
		return errors.New("size and namespace options conflict")
	case f.watch > 0 && f.latest:
		return errors.New("the watch and latest flags cannot be used together")
	case f.sort != "" && !container.ValidSortKey(f.sort):
		return fmt.Errorf("invalid argument %q for \"--sort\" flag: %q is not a valid value.  Choose from: %q", f.sort, f.sort, strings.Join(container.SortKeys, ", "))
	}
	return nil
}

// table is the default table for the flags given.
func (f *psFlags) table() string {
	if f.ns {
		return psNamespace
	}
	t := psDefault
	if f.pod {
		t += "\t{{.Pod}}\t{{.PodName}}"
	}
	if f.size {
		t += "\t{{.Size}}"
	}
	return t
}

func newPsCommand(a *app) *cobra.Command {
	var f psFlags
	cmd := &cobra.Command{
		Use:   "ps [options]",
		Short: "List containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if f.watch == 0 {
				return a.ps(cmd, &f)
			}
			for {
				fmt.Fprint(a.out, "\033[2J\033[H") // clear the screen, as Podman's --watch
				if err := a.ps(cmd, &f); err != nil {
					return err
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(time.Duration(f.watch) * time.Second):
				}
			}
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.all, "all", "a", false, "show all containers, not only running ones")
	fl.BoolVar(&f.external, "external", false, "also show containers in storage that Roost does not manage (Buildah's, half-made ones)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only ids")
	fl.BoolVarP(&f.latest, "latest", "l", false, "show the latest container created")
	fl.IntVarP(&f.last, "last", "n", -1, "show the n latest containers (all states)")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "do not truncate output")
	fl.BoolVar(&f.ns, "ns", false, "show the namespaces of each container")
	fl.BoolVarP(&f.pod, "pod", "p", false, "show the id and name of each container's pod")
	fl.BoolVarP(&f.size, "size", "s", false, "show sizes")
	fl.BoolVar(&f.sync, "sync", false, "accepted for Podman; the state shown is always read live")
	fl.BoolVar(&f.noHeading, "noheading", false, "do not print the header")
	fl.UintVarP(&f.watch, "watch", "w", 0, "print again every N seconds")
	fl.StringVar(&f.sort, "sort", "", "sort by "+strings.Join(container.SortKeys, ", "))
	fl.StringVar(&f.format, "format", "", "json, or a Go template (table ...)")
	stringArrayP(fl, &f.filters, "filter", "f", nil, "filter KEY=VALUE (repeatable): ancestor, before, exited, health, id, label (label!=), name, network, pod, restart-policy, since, status, until, volume")
	return cmd
}

// ps lists once.
func (a *app) ps(cmd *cobra.Command, f *psFlags) error {
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
		ListOptions: container.ListOptions{All: f.all, Filters: f.filters},
		Last:        last, Size: f.size, Namespaces: f.ns || strings.Contains(f.format, "Namespaces") || psNSFields(f.format),
		External: f.external,
	})
	if err != nil {
		return err
	}
	if f.sort != "" {
		if err := container.SortListings(rows, f.sort); err != nil {
			return err
		}
	}
	if format.IsJSON(f.format) {
		return format.JSONIndent(a.out, rows, "  ")
	}
	views := container.Rows(rows, f.noTrunc, time.Now())
	if f.quiet && f.format == "" {
		return format.Each(a.out, "{{.ID}}", views)
	}
	// Podman reads {{.Namespaces.NET}} as {{.NET}}: the row's own field.
	tmpl := strings.ReplaceAll(f.format, ".Namespaces.", ".")
	return format.List(a.out, tmpl, f.table(), psHeaders, views, f.noHeading)
}

// psNSFields: a template that shows namespaces needs them read.
func psNSFields(t string) bool {
	for _, k := range []string{".Cgroup", ".CGROUPNS", ".IPC", ".MNT", ".NET", ".PIDNS", ".User", ".USERNS", ".UTS"} {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}
