package spec

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// NamespaceOptions says which namespaces the container gets. For Network,
// IPC, UTS, PID and Cgroup the values are:
//
//	"" or "private"  a new namespace (Cgroup: new only when Options.Cgroups)
//	"host"           stay in Roost's, which for these is the host's
//	"path:/x"        join the namespace at /x (e.g. /proc/PID/ns/net)
//
// Network also takes "none": a new namespace that the caller leaves without
// interfaces other than lo.
type NamespaceOptions struct {
	Network string
	IPC     string
	UTS     string
	PID     string
	Cgroup  string
	// UserNS is "" (or "host") to run in Roost's user namespace, where
	// container uid 0 is the user, or a nested one: keep-id (the user keeps
	// their own uid and gid, IDs says which), nomap, auto, ns:PATH
	// (ParseUserNS).
	UserNS string
	// UIDMap and GIDMap are --uidmap/--gidmap as given (CONTAINER:HOST:SIZE).
	UIDMap []string `json:",omitempty"`
	GIDMap []string `json:",omitempty"`
	// UIDMappings and GIDMappings are the container's mappings into Roost's
	// namespace, recorded at create (auto's are chosen by storage then).
	UIDMappings []specs.LinuxIDMapping `json:",omitempty"`
	GIDMappings []specs.LinuxIDMapping `json:",omitempty"`
}

// IDs are the user's ids on the host and the size of Roost's namespace:
// Roost's namespace maps the user to 0 and SubUIDSize subordinate uids to
// 1..SubUIDSize (gids likewise). keep-id's mappings come from them, and
// /dev/pts is owned by the tty group (gid 5) only when SubGIDSize >= 5.
type IDs struct {
	HostUID, HostGID       int
	SubUIDSize, SubGIDSize int
	// UserName names the synthesized /etc/passwd and /etc/group entries when
	// the image has none for HostUID or HostGID; "user" when empty.
	UserName string
	// HomeDir is the user's home on the host: under keep-id it is HOME in the
	// container when it is mounted there, else the working directory is.
	HomeDir string
}

// KeepID is NamespaceOptions.UserNS for a nested namespace that keeps the
// user's uid and gid.
const KeepID = "keep-id"

// CheckUserNS accepts the --userns values Roost supports (ParseUserNS). The
// CLI, the engine (for requests from any front end) and pods check with it.
func CheckUserNS(v string) error {
	_, err := ParseUserNS(v)
	return err
}

type nsKind int

const (
	nsPrivate nsKind = iota
	nsHost
	nsPath
)

type nsMode struct {
	kind nsKind
	path string
}

func (m nsMode) private() bool { return m.kind == nsPrivate }
func (m nsMode) host() bool    { return m.kind == nsHost }

// namespaces is NamespaceOptions checked and resolved.
type namespaces struct {
	net, ipc, uts, pid, cgroup nsMode
	user                       UserNSMode
	// keepID is user.Kind == UserNSKeepID, which the user's defaults follow.
	keepID bool
}

func parseNS(flag, value string, extra ...string) (nsMode, error) {
	switch {
	case value == "" || value == "private":
		return nsMode{kind: nsPrivate}, nil
	case value == "host":
		return nsMode{kind: nsHost}, nil
	case strings.HasPrefix(value, "path:"):
		p := strings.TrimPrefix(value, "path:")
		if !strings.HasPrefix(p, "/") {
			return nsMode{}, fmt.Errorf("invalid --%s %q: the namespace path must be absolute", flag, value)
		}
		return nsMode{kind: nsPath, path: p}, nil
	}
	for _, e := range extra {
		if value == e {
			return nsMode{kind: nsPrivate}, nil
		}
	}
	want := append([]string{"private", "host", "path:/..."}, extra...)
	return nsMode{}, fmt.Errorf("invalid --%s %q: use one of %s", flag, value, strings.Join(want, ", "))
}

func (o NamespaceOptions) resolve(cgroups bool) (namespaces, error) {
	var (
		n   namespaces
		err error
	)
	if n.net, err = parseNS("network", o.Network, "none"); err != nil {
		return n, err
	}
	if n.ipc, err = parseNS("ipc", o.IPC); err != nil {
		return n, err
	}
	if n.uts, err = parseNS("uts", o.UTS); err != nil {
		return n, err
	}
	if n.pid, err = parseNS("pid", o.PID); err != nil {
		return n, err
	}
	if n.cgroup, err = parseNS("cgroupns", o.Cgroup); err != nil {
		return n, err
	}
	if o.Cgroup == "" && !cgroups {
		n.cgroup = nsMode{kind: nsHost}
	}
	if n.user, err = o.UserNSMode(); err != nil {
		return n, err
	}
	n.keepID = n.user.Kind == UserNSKeepID
	return n, nil
}

// specNamespaces lists the namespaces to create or join; a namespace shared
// with Roost is left out.
func (n namespaces) specNamespaces() []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	switch {
	case n.user.Kind == UserNSPath:
		out = append(out, specs.LinuxNamespace{Type: specs.UserNamespace, Path: n.user.Path})
	case n.user.Nested():
		out = append(out, specs.LinuxNamespace{Type: specs.UserNamespace})
	}
	add := func(t specs.LinuxNamespaceType, m nsMode) {
		switch m.kind {
		case nsPrivate:
			out = append(out, specs.LinuxNamespace{Type: t})
		case nsPath:
			out = append(out, specs.LinuxNamespace{Type: t, Path: m.path})
		}
	}
	add(specs.PIDNamespace, n.pid)
	add(specs.NetworkNamespace, n.net)
	add(specs.IPCNamespace, n.ipc)
	add(specs.UTSNamespace, n.uts)
	out = append(out, specs.LinuxNamespace{Type: specs.MountNamespace})
	add(specs.CgroupNamespace, n.cgroup)
	return out
}

// canMountSysfs says whether the container may mount a sysfs of its own: the
// kernel allows it only to a holder of CAP_SYS_ADMIN in the user namespace
// that owns the container's network namespace. The host's network namespace
// is not owned by Roost's user namespace; a joined one is not owned by a
// nested (keep-id) one. Podman draws the same line (canMountSys).
func (n namespaces) canMountSysfs() bool {
	if n.net.host() {
		return false
	}
	if n.user.Nested() && n.net.kind == nsPath {
		return false
	}
	return true
}

// keepIDMappings maps the user's id (0 in Roost's namespace) to id in the
// container, and the subordinate ids around it: container ids below id to
// 1..id, container ids above it to themselves, up to size.
func keepIDMappings(id, size int) []specs.LinuxIDMapping {
	var out []specs.LinuxIDMapping
	if below := min(id, size); below > 0 {
		out = append(out, specs.LinuxIDMapping{ContainerID: 0, HostID: 1, Size: uint32(below)})
	}
	out = append(out, specs.LinuxIDMapping{ContainerID: uint32(id), HostID: 0, Size: 1})
	if size > id {
		out = append(out, specs.LinuxIDMapping{ContainerID: uint32(id) + 1, HostID: uint32(id) + 1, Size: uint32(size - id)})
	}
	return out
}

// gidMapped reports whether container gid g exists in the container.
func (o Options) gidMapped(g int, n namespaces) bool {
	if n.user.Nested() {
		_, gids, err := o.UserMappings()
		return err == nil && mappedIn(g, gids)
	}
	return g == 0 || g <= o.IDs.SubGIDSize
}
