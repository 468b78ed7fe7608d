package container

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/image"
)

// Row is a Listing as ps's --format templates see it: Podman's computed
// fields ({{.Names}} is one name, {{.Command}} one line, {{.Ports}} text,
// ids cut to 12 unless Full) shadow the JSON-shaped ones of the Listing.
type Row struct {
	Listing
	Full bool
	Now  time.Time
}

// Rows wraps listings for templates.
func Rows(ls []Listing, full bool, now time.Time) []Row {
	out := make([]Row, len(ls))
	for i := range ls {
		out[i] = Row{Listing: ls[i], Full: full, Now: now}
	}
	return out
}

func (r Row) cut(id string) string {
	if r.Full || len(id) <= 12 {
		return id
	}
	return id[:12]
}

// ID is the container id, cut to 12 unless Full.
func (r Row) ID() string { return r.cut(r.Listing.ID) }

// ImageID is the image id, cut to 12 unless Full.
func (r Row) ImageID() string { return r.cut(r.Listing.ImageID) }

// Pod is the pod's id, cut to 12 unless Full.
func (r Row) Pod() string { return r.cut(r.Listing.Pod) }

// Command is the command line, cut to 17 characters and "..." unless Full.
func (r Row) Command() string {
	c := strings.Join(r.Listing.Command, " ")
	if !r.Full && len(c) > 17 {
		return c[:17] + "..."
	}
	return c
}

// Names is the container's name.
func (r Row) Names() string {
	if len(r.Listing.Names) == 0 {
		return ""
	}
	return r.Listing.Names[0]
}

// Networks are the network names, comma-separated.
func (r Row) Networks() string { return strings.Join(r.Listing.Networks, ",") }

// Ports is the PORTS column: 0.0.0.0:8080->80/tcp, ...
func (r Row) Ports() string { return listingPortsText(r.Listing.Ports) }

// Mounts are the mount destinations, comma-separated.
func (r Row) Mounts() string { return strings.Join(r.Listing.Mounts, ",") }

// Size is "RW (virtual ROOTFS)", empty without --size.
func (r Row) Size() string {
	if r.Listing.Size == nil {
		return ""
	}
	return r.Listing.Size.String()
}

// Created is the creation time.
func (r Row) Created() time.Time { return r.created }

// CreatedAt is the creation time as a timestamp, as Podman's template shows it.
func (r Row) CreatedAt() string { return r.created.Local().String() }

// CreatedHuman is how long ago the container was created.
func (r Row) CreatedHuman() string { return image.HumanAgo(r.created, r.Now) }

// RunningFor is CreatedHuman, Docker's name for it.
func (r Row) RunningFor() string { return r.CreatedHuman() }

// Label is the value of one label ({{.Label "app"}}).
func (r Row) Label(key string) string { return r.Labels[key] }

// The namespace columns of ps --ns; {{.Namespaces.NET}} is read as {{.NET}}.
func (r Row) Cgroup() string   { return r.Namespaces.Cgroup }
func (r Row) CGROUPNS() string { return r.Namespaces.Cgroup }
func (r Row) IPC() string      { return r.Namespaces.IPC }
func (r Row) MNT() string      { return r.Namespaces.MNT }
func (r Row) NET() string      { return r.Namespaces.NET }
func (r Row) PIDNS() string    { return r.Namespaces.PIDNS }
func (r Row) User() string     { return r.Namespaces.User }
func (r Row) USERNS() string   { return r.Namespaces.User }
func (r Row) UTS() string      { return r.Namespaces.UTS }

// namespacesOf reads a running process's namespace inodes; a process that
// is gone (or none) gives none.
func namespacesOf(pid int) Namespaces {
	if pid <= 0 {
		return Namespaces{}
	}
	read := func(ns string) string {
		link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "ns", ns))
		if err != nil {
			return ""
		}
		// "net:[4026531840]" -> "4026531840"
		_, v, _ := strings.Cut(link, "[")
		return strings.TrimSuffix(v, "]")
	}
	return Namespaces{
		Cgroup: read("cgroup"), IPC: read("ipc"), MNT: read("mnt"), NET: read("net"),
		PIDNS: read("pid"), User: read("user"), UTS: read("uts"),
	}
}
