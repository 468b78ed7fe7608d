package container

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/image"
)

// Listing is one container as ps shows it. Its fields are what --format
// templates use, with Podman's names; the CLI prints it and an API server
// can serve it as is.
type Listing struct {
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
	Size       *Size // with --size
}

// ListingOptions shape ps's rows.
type ListingOptions struct {
	ListOptions
	Last int  // only the Last newest containers; 0: all
	Full bool // ids and commands uncut
	Size bool // measure each container's layers (costly: only when asked)
}

// Listings returns containers as ps shows them, newest first.
func (e *Engine) Listings(ctx context.Context, o ListingOptions) ([]Listing, error) {
	list, err := e.List(ctx, o.ListOptions)
	if err != nil {
		return nil, err
	}
	if o.Last > 0 && len(list) > o.Last {
		list = list[:o.Last]
	}
	now := time.Now()
	rows := make([]Listing, 0, len(list))
	for i := range list {
		r := NewListing(list[i], now, o.Full)
		if o.Size {
			r.Size = e.listingSize(&list[i])
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// listingSize measures c for ps --size; one removed meanwhile has none.
func (e *Engine) listingSize(c *Container) *Size {
	s, err := e.Size(c)
	if err != nil {
		return nil
	}
	return &s
}

// NewListing projects c as ps shows it at time now; unless full, ids and
// commands are cut to ps's widths.
func NewListing(c Container, now time.Time, full bool) Listing {
	r := Listing{
		ID: c.ID, Image: c.ImageName, ImageID: c.ImageID, Command: strings.Join(c.Command, " "),
		Created: c.Created.Unix(), CreatedAt: c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: image.HumanAgo(c.Created, now), State: statusOf(&c),
		ExitCode: c.State.ExitCode, Names: c.Name, Labels: c.Labels, Pid: c.State.Pid,
		Restarts: c.State.RestartCount, StartedAt: c.State.StartedAt.Unix(),
		Exited: c.State.Status == StatusExited, Ports: PortsText(c.Ports), Status: StatusText(c, now),
	}
	if !full {
		r.ID = r.ID[:12]
		if len(r.Command) > 20 {
			r.Command = r.Command[:17] + "..."
		}
	}
	return r
}

// StatusText is ps's STATUS column, in Podman's words.
func StatusText(c Container, now time.Time) string {
	if c.Paused() {
		return "Paused"
	}
	switch c.State.Status {
	case StatusRunning:
		up := "Up " + strings.TrimSuffix(image.HumanAgo(c.State.StartedAt, now), " ago")
		if c.State.Health != "" {
			up += " (" + c.State.Health + ")"
		}
		return up
	case StatusExited:
		return fmt.Sprintf("Exited (%d) %s", c.State.ExitCode, image.HumanAgo(c.State.FinishedAt, now))
	case StatusCreated:
		return "Created"
	case StatusUnknown:
		return "Up (monitor lost)"
	}
	return strings.ToUpper(string(c.State.Status[:1])) + string(c.State.Status[1:])
}

// PortsText is the PORTS column as Podman prints it: 0.0.0.0:8080->80/tcp, ...
func PortsText(ports []PortMapping) string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%s->%d/%s", p.HostAddr(), p.ContainerPort, p.Proto()))
	}
	return strings.Join(out, ", ")
}
