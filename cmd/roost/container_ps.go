package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
)

// psRow is one line of ps; its fields are what --format templates use, with
// Podman's names.
type psRow struct {
	ID         string `json:"Id"`
	Image      string
	ImageID    string
	Command    string
	Created    int64
	CreatedAt  string
	RunningFor string
	Status     string
	State      string
	ExitCode   int
	Exited     bool
	Names      string
	Ports      string
	Labels     map[string]string
	Pid        int
	Restarts   int
	StartedAt  int64
	Size       *container.Size // with --size
}

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
			filter, err := parsePsFilters(f.filters)
			if err != nil {
				return err
			}
			list, err := eng.List(cmd.Context(), container.ListOptions{All: f.all || f.latest || f.last > 0 || filter.needsAll()})
			if err != nil {
				return err
			}
			list = filter.apply(list)
			if f.latest && len(list) > 1 {
				list = list[:1]
			}
			if f.last > 0 && len(list) > f.last {
				list = list[:f.last]
			}
			rows := make([]psRow, 0, len(list))
			now := time.Now()
			for _, c := range list {
				rows = append(rows, newPsRow(c, now, f.noTrunc || format.IsJSON(f.format)))
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
	fl.StringArrayVarP(&f.filters, "filter", "f", nil, "filter: id=, name=, label=, status=, ancestor=, exited=")
	return cmd
}

func newPsRow(c container.Container, now time.Time, full bool) psRow {
	r := psRow{
		ID: c.ID, Image: c.ImageName, ImageID: c.ImageID, Command: strings.Join(c.Command, " "),
		Created: c.Created.Unix(), CreatedAt: c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: image.HumanAgo(c.Created, now), State: string(c.State.Status),
		ExitCode: c.State.ExitCode, Names: c.Name, Labels: c.Labels, Pid: c.State.Pid,
		Restarts: c.State.RestartCount, StartedAt: c.State.StartedAt.Unix(),
	}
	r.Exited = c.State.Status == container.StatusExited
	r.Ports = psPorts(c.Ports)
	r.Status = statusText(c, now)
	if c.Paused() {
		r.State, r.Status = "paused", "Paused"
	}
	if !full {
		r.ID = r.ID[:12]
		if len(r.Command) > 20 {
			r.Command = r.Command[:17] + "..."
		}
	}
	return r
}

// statusText is ps's STATUS column, in Podman's words.
func statusText(c container.Container, now time.Time) string {
	switch c.State.Status {
	case container.StatusRunning:
		up := "Up " + strings.TrimSuffix(image.HumanAgo(c.State.StartedAt, now), " ago")
		if c.State.Health != "" {
			up += " (" + c.State.Health + ")"
		}
		return up
	case container.StatusExited:
		return fmt.Sprintf("Exited (%d) %s", c.State.ExitCode, image.HumanAgo(c.State.FinishedAt, now))
	case container.StatusCreated:
		return "Created"
	case container.StatusUnknown:
		return "Up (monitor lost)"
	}
	return strings.ToUpper(string(c.State.Status[:1])) + string(c.State.Status[1:])
}

// psFilter holds --filter values: AND across keys, OR within a key.
type psFilter map[string][]string

func parsePsFilters(list []string) (psFilter, error) {
	f := psFilter{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		switch k {
		case "id", "name", "label", "status", "ancestor", "exited":
		default:
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("invalid --filter %q: use id=, name=, label=, status=, ancestor= or exited=", kv)
		}
		if k == "status" && !validStatus(v) {
			return nil, fmt.Errorf("invalid --filter %q: status is created, running, exited, stopping or unknown", kv)
		}
		if k == "exited" {
			if _, err := strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("invalid --filter %q: exited takes an exit code", kv)
			}
		}
		f[k] = append(f[k], v)
	}
	return f, nil
}

func validStatus(s string) bool {
	switch s {
	case "created", "running", "exited", "stopping", "unknown", "paused", "removing":
		return true
	}
	return false
}

// needsAll: filters on stopped states look at every container.
func (f psFilter) needsAll() bool { return len(f["status"]) > 0 || len(f["exited"]) > 0 }

func (f psFilter) apply(in []container.Container) []container.Container {
	var out []container.Container
	for _, c := range in {
		if f.match(c) {
			out = append(out, c)
		}
	}
	return out
}

func (f psFilter) match(c container.Container) bool {
	tests := map[string]func(v string) bool{
		"id":     func(v string) bool { return strings.HasPrefix(c.ID, v) },
		"name":   func(v string) bool { return strings.Contains(c.Name, v) },
		"status": func(v string) bool { return string(c.State.Status) == v },
		"ancestor": func(v string) bool {
			return c.ImageName == v || strings.HasPrefix(c.ImageID, v) || strings.HasPrefix(c.ImageName, v+":") || strings.HasSuffix(c.ImageName, "/"+v) || strings.Contains(c.ImageName, "/"+v+":")
		},
		"exited": func(v string) bool {
			n, _ := strconv.Atoi(v)
			return c.State.Status == container.StatusExited && c.State.ExitCode == n
		},
		"label": func(v string) bool {
			k, val, hasVal := strings.Cut(v, "=")
			got, ok := c.Labels[k]
			return ok && (!hasVal || got == val)
		},
	}
	for key, values := range f {
		any := false
		for _, v := range values {
			if tests[key](v) {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	return true
}

// psSize measures a container for --size; one removed meanwhile has none.
func psSize(eng *container.Engine, c *container.Container) *container.Size {
	s, err := eng.Size(c)
	if err != nil {
		return nil
	}
	return &s
}

// psPorts is the PORTS column as Podman prints it: 0.0.0.0:8080->80/tcp, ...
func psPorts(ports []container.PortMapping) string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%s->%d/%s", p.HostAddr(), p.ContainerPort, p.Proto()))
	}
	return strings.Join(out, ", ")
}
