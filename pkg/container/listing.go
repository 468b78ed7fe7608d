package container

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/state"
)

// Listing is one container as ps lists it, in the shape of Podman's
// `ps --format json` (its field names, types and JSON keys), so scripts
// written against Podman read Roost's the same. Templates see it through
// Row, which adds Podman's computed fields.
type Listing struct {
	AutoRemove bool
	Command    []string
	Created    int64  // unix seconds
	CreatedAt  string // how long ago, as Podman's JSON has it
	Exited     bool
	ExitedAt   int64
	ExitCode   int32
	ID         string `json:"Id"`
	Image      string
	ImageID    string
	IsInfra    bool
	Labels     map[string]string
	Mounts     []string
	Names      []string
	Namespaces Namespaces
	Networks   []string
	Pid        int
	Pod        string
	PodName    string
	Ports      []ListingPort
	Restarts   int
	Size       *Size
	StartedAt  int64
	State      string
	Status     string // ps's STATUS column ("Up 2 minutes ago (healthy)")

	created, started, exited time.Time
	unknown                  bool // the monitor is gone: "Up (monitor lost)"
}

// Namespaces are the container's namespace inode numbers (ps --ns), empty
// unless asked for or when the container does not run.
type Namespaces struct {
	MNT    string `json:"Mnt,omitempty"`
	Cgroup string `json:"Cgroup,omitempty"`
	IPC    string `json:"Ipc,omitempty"`
	NET    string `json:"Net,omitempty"`
	PIDNS  string `json:"Pidns,omitempty"`
	UTS    string `json:"Uts,omitempty"`
	User   string `json:"User,omitempty"`
}

// ListingPort is a published port (or a run of them) in Podman's JSON shape.
type ListingPort struct {
	HostIP        string `json:"host_ip"`
	ContainerPort uint16 `json:"container_port"`
	HostPort      uint16 `json:"host_port"`
	Range         uint16 `json:"range"`
	Protocol      string `json:"protocol"`
}

// ListingOptions shape ps's rows.
type ListingOptions struct {
	ListOptions
	Last       int  // only the Last newest containers; 0: all
	Size       bool // measure each container's layers (costly: only when asked)
	Namespaces bool // read each running container's namespaces
	External   bool // add the containers only storage knows (another tool's)
}

// Listings returns containers as ps lists them, newest first.
func (e *Engine) Listings(ctx context.Context, o ListingOptions) ([]Listing, error) {
	if o.Last > 0 {
		o.All = true
	}
	list, err := e.List(ctx, o.ListOptions)
	if err != nil {
		return nil, err
	}
	if o.Last > 0 && len(list) > o.Last {
		list = list[:o.Last]
	}
	now := time.Now()
	pods := e.podNames()
	rows := make([]Listing, 0, len(list))
	for i := range list {
		r := NewListing(list[i], now)
		if list[i].Pod != nil {
			r.PodName = pods[list[i].Pod.ID]
		}
		if o.Size {
			r.Size = e.listingSize(&list[i])
		}
		if o.Namespaces {
			r.Namespaces = namespacesOf(r.Pid)
		}
		rows = append(rows, r)
	}
	if o.External {
		ext, err := e.externalListings(now)
		if err != nil {
			return nil, err
		}
		rows = append(rows, ext...)
	}
	return rows, nil
}

// podNames maps pod ids to names for ps --pod; unreadable state gives none.
func (e *Engine) podNames() map[string]string {
	names := map[string]string{}
	_ = e.DB.View(func(tx *state.Tx) error {
		pods, err := state.List[struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}](tx, state.Pods)
		for _, p := range pods {
			names[p.ID] = p.Name
		}
		return err
	})
	return names
}

// listingSize measures c for ps --size; one removed meanwhile has none.
func (e *Engine) listingSize(c *Container) *Size {
	s, err := e.Size(c)
	if err != nil {
		return nil
	}
	return &s
}

// NewListing projects c as ps lists it at time now.
func NewListing(c Container, now time.Time) Listing {
	r := Listing{
		AutoRemove: c.Run.Remove, Command: c.Command, Created: c.Created.Unix(),
		CreatedAt: image.HumanAgo(c.Created, now), ID: c.ID, Image: c.ImageName, ImageID: c.ImageID,
		Labels: c.Labels, Mounts: userMounts(c), Names: []string{c.Name}, Networks: networkNames(c),
		Pid: c.State.Pid, Ports: listingPorts(c.Ports), Restarts: c.State.RestartCount,
		State: statusOf(&c), Exited: c.State.Status == StatusExited, ExitCode: int32(c.State.ExitCode),
		created: c.Created, started: c.State.StartedAt, exited: c.State.FinishedAt,
		unknown: c.State.Status == StatusUnknown,
	}
	if r.Command == nil {
		r.Command = []string{}
	}
	if !c.State.StartedAt.IsZero() {
		r.StartedAt = c.State.StartedAt.Unix()
	}
	if !c.State.FinishedAt.IsZero() {
		r.ExitedAt = c.State.FinishedAt.Unix()
	}
	if c.Pod != nil {
		r.Pod, r.IsInfra = c.Pod.ID, c.Pod.IsInfra
	}
	r.Status = r.statusAt(now, c.State.Health)
	return r
}

// statusAt is ps's STATUS: Podman's words for the state, with how long,
// and the health in parentheses when there is a healthcheck.
func (l Listing) statusAt(now time.Time, health string) string {
	var s string
	switch {
	case l.unknown:
		return "Up (monitor lost)"
	case l.State == "running":
		s = "Up " + image.HumanAgo(l.started, now)
	case l.State == "exited":
		s = fmt.Sprintf("Exited (%d) %s", l.ExitCode, image.HumanAgo(l.exited, now))
	case l.State == "":
		return ""
	default:
		s = strings.ToUpper(l.State[:1]) + l.State[1:]
	}
	if health != "" {
		s += " (" + health + ")"
	}
	return s
}

// userMounts are the destinations of the mounts the user asked for.
func userMounts(c Container) []string {
	out := []string{}
	for _, m := range c.Spec.Mounts {
		out = append(out, m.Destination)
	}
	return out
}

// networkNames are the networks the container joins (none outside bridge mode).
func networkNames(c Container) []string {
	out := []string{}
	if c.Net.Mode == NetBridge {
		for _, r := range c.Net.Networks {
			out = append(out, r.Network)
		}
	}
	return out
}

// listingPorts folds runs of consecutive mappings (8080-8082:80-82) into
// one entry with a Range, as Podman keeps them.
func listingPorts(ports []PortMapping) []ListingPort {
	out := []ListingPort{}
	for _, p := range ports {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.HostIP == p.HostIP && last.Protocol == p.Proto() && p.HostPort != 0 &&
				last.HostPort+last.Range == p.HostPort && last.ContainerPort+last.Range == p.ContainerPort {
				last.Range++
				continue
			}
		}
		out = append(out, ListingPort{HostIP: p.HostIP, ContainerPort: p.ContainerPort, HostPort: p.HostPort, Range: 1, Protocol: p.Proto()})
	}
	return out
}

// StatusText is the status compose ps shows, in Docker's words ("Up 2
// minutes", no "ago").
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
	return listingPortsText(listingPorts(ports))
}

func listingPortsText(ports []ListingPort) string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		if p.Range > 1 {
			out = append(out, fmt.Sprintf("%s-%d->%d-%d/%s", net.JoinHostPort(ip, strconv.Itoa(int(p.HostPort))),
				p.HostPort+p.Range-1, p.ContainerPort, p.ContainerPort+p.Range-1, p.Protocol))
			continue
		}
		out = append(out, fmt.Sprintf("%s->%d/%s", net.JoinHostPort(ip, strconv.Itoa(int(p.HostPort))), p.ContainerPort, p.Protocol))
	}
	return strings.Join(out, ", ")
}
