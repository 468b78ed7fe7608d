package spec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// UserNSKind says what user namespace a container runs in.
type UserNSKind int

const (
	// UserNSShared is Roost's own namespace ("" or "host"): container uid 0
	// is the user.
	UserNSShared UserNSKind = iota
	// UserNSKeepID nests a namespace in which the user keeps an id.
	UserNSKeepID
	// UserNSNoMap nests a namespace made of the subordinate ids only.
	UserNSNoMap
	// UserNSAuto nests a namespace whose ids storage picks so that no two
	// auto containers share any.
	UserNSAuto
	// UserNSPath joins the namespace at a path.
	UserNSPath
	// UserNSMapped nests a namespace made of --uidmap/--gidmap.
	UserNSMapped
)

// UserNSMode is a --userns value parsed: keep-id[:uid=U,gid=G], nomap,
// auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S], ns:PATH, host or "".
type UserNSMode struct {
	Kind UserNSKind
	// UID and GID are keep-id's ids in the container; -1: the user's own.
	UID, GID int
	// Size is auto's namespace size; 0 lets storage size it from the image.
	Size int
	// UIDMapping and GIDMapping are auto's extra mappings (HOST in Roost's
	// namespace).
	UIDMapping, GIDMapping []specs.LinuxIDMapping
	// Path is ns:'s namespace file.
	Path string
}

// Nested says whether the container gets a user namespace of its own.
func (m UserNSMode) Nested() bool { return m.Kind != UserNSShared }

// ParseUserNS reads a --userns value.
func ParseUserNS(v string) (UserNSMode, error) {
	m := UserNSMode{UID: -1, GID: -1}
	name, args, hasArgs := strings.Cut(v, ":")
	bad := func(why string) (UserNSMode, error) {
		return UserNSMode{}, fmt.Errorf("invalid --userns %q: %s", v, why)
	}
	switch name {
	case "", "host":
		if hasArgs {
			return bad("host takes no options")
		}
		return m, nil
	case "ns":
		if !strings.HasPrefix(args, "/") {
			return bad("ns: needs an absolute path to a user namespace file")
		}
		m.Kind, m.Path = UserNSPath, args
		return m, nil
	case "nomap":
		if hasArgs {
			return bad("nomap takes no options")
		}
		m.Kind = UserNSNoMap
		return m, nil
	case KeepID:
		m.Kind = UserNSKeepID
	case "auto":
		m.Kind = UserNSAuto
	case "private":
		return bad("private is Roost's default user namespace here: leave --userns out, or use --uidmap")
	default:
		return bad("use host, keep-id[:uid=U,gid=G], nomap, auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S] or ns:PATH")
	}
	if hasArgs {
		for _, opt := range strings.Split(args, ",") {
			if err := m.setOption(opt); err != nil {
				return bad(err.Error())
			}
		}
	}
	return m, nil
}

// setOption applies one keep-id or auto option.
func (m *UserNSMode) setOption(opt string) error {
	k, val, _ := strings.Cut(opt, "=")
	num := func() (int, error) {
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%s needs a number, not %q", k, val)
		}
		return int(n), nil
	}
	var err error
	switch {
	case m.Kind == UserNSKeepID && k == "uid":
		m.UID, err = num()
	case m.Kind == UserNSKeepID && k == "gid":
		m.GID, err = num()
	case m.Kind == UserNSAuto && k == "size":
		m.Size, err = num()
		if err == nil && m.Size == 0 {
			err = errors.New("size must be at least 1")
		}
	case m.Kind == UserNSAuto && k == "uidmapping":
		err = addMapping(&m.UIDMapping, val)
	case m.Kind == UserNSAuto && k == "gidmapping":
		err = addMapping(&m.GIDMapping, val)
	default:
		return fmt.Errorf("unknown option %q", opt)
	}
	return err
}

// addMapping appends one CONTAINER:HOST:SIZE to list.
func addMapping(list *[]specs.LinuxIDMapping, v string) error {
	m, err := ParseIDMaps([]string{v})
	*list = append(*list, m...)
	return err
}

// ParseIDMaps reads --uidmap/--gidmap values, CONTAINER:HOST:SIZE each,
// where HOST is an id in Roost's namespace (0 is the user, 1.. the
// subordinate ids), as in rootless Podman.
func ParseIDMaps(list []string) ([]specs.LinuxIDMapping, error) {
	var out []specs.LinuxIDMapping
	for _, v := range list {
		parts := strings.Split(v, ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("invalid id mapping %q: use CONTAINER:HOST:SIZE", v)
		}
		var n [3]uint32
		for i, p := range parts {
			x, err := strconv.ParseUint(p, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("invalid id mapping %q: %q is not a number", v, p)
			}
			n[i] = uint32(x)
		}
		if n[2] == 0 {
			return nil, fmt.Errorf("invalid id mapping %q: the size must be at least 1", v)
		}
		out = append(out, specs.LinuxIDMapping{ContainerID: n[0], HostID: n[1], Size: n[2]})
	}
	return out, nil
}

// UserNSMode is the container's user namespace mode: --userns, or a mapped one
// when --uidmap/--gidmap are given.
func (o NamespaceOptions) UserNSMode() (UserNSMode, error) {
	m, err := ParseUserNS(o.UserNS)
	if err != nil {
		return m, err
	}
	if len(o.UIDMap) == 0 && len(o.GIDMap) == 0 {
		return m, nil
	}
	if m.Kind != UserNSShared {
		return m, fmt.Errorf("--userns %s and --uidmap/--gidmap conflict: give one or the other", o.UserNS)
	}
	m.Kind = UserNSMapped
	return m, nil
}

// CheckUserNamespace checks --userns with --uidmap/--gidmap.
func (o NamespaceOptions) CheckUserNamespace() error {
	if _, err := o.UserNSMode(); err != nil {
		return err
	}
	if _, err := ParseIDMaps(o.UIDMap); err != nil {
		return err
	}
	_, err := ParseIDMaps(o.GIDMap)
	return err
}

// UserMappings are the container's uid and gid mappings into Roost's
// namespace: the ones recorded at create (auto's come from storage), else
// the ones its mode implies. Nil for Roost's own or a joined namespace.
func (o Options) UserMappings() (uids, gids []specs.LinuxIDMapping, err error) {
	ns := o.Namespaces
	if len(ns.UIDMappings) > 0 {
		return ns.UIDMappings, ns.GIDMappings, nil
	}
	m, err := ns.UserNSMode()
	if err != nil {
		return nil, nil, err
	}
	switch m.Kind {
	case UserNSKeepID:
		uid, gid := m.keepIDs(o.IDs)
		return keepIDMappings(uid, o.IDs.SubUIDSize), keepIDMappings(gid, o.IDs.SubGIDSize), nil
	case UserNSNoMap:
		return subordinate(o.IDs.SubUIDSize), subordinate(o.IDs.SubGIDSize), nil
	case UserNSMapped:
		return o.explicitMappings()
	}
	return nil, nil, nil
}

// keepIDs are the ids the user has in a keep-id container.
func (m UserNSMode) keepIDs(ids IDs) (uid, gid int) {
	uid, gid = ids.HostUID, ids.HostGID
	if m.UID >= 0 {
		uid = m.UID
	}
	if m.GID >= 0 {
		gid = m.GID
	}
	return uid, gid
}

// subordinate maps container ids from 0 onto Roost's subordinate ids,
// leaving the user's own id out (nomap).
func subordinate(size int) []specs.LinuxIDMapping {
	if size == 0 {
		return nil
	}
	return []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: uint32(size)}}
}

// explicitMappings are --uidmap and --gidmap, each standing in for the
// other when alone (as in Podman), checked against Roost's namespace.
func (o Options) explicitMappings() (uids, gids []specs.LinuxIDMapping, err error) {
	ns := o.Namespaces
	uidArgs, gidArgs := ns.UIDMap, ns.GIDMap
	if len(uidArgs) == 0 {
		uidArgs = gidArgs
	}
	if len(gidArgs) == 0 {
		gidArgs = uidArgs
	}
	if uids, err = ParseIDMaps(uidArgs); err != nil {
		return nil, nil, err
	}
	if gids, err = ParseIDMaps(gidArgs); err != nil {
		return nil, nil, err
	}
	if err := fitsNamespace("uid", uids, o.IDs.SubUIDSize); err != nil {
		return nil, nil, err
	}
	return uids, gids, fitsNamespace("gid", gids, o.IDs.SubGIDSize)
}

// fitsNamespace checks that mappings name only ids Roost's namespace has
// (0..size); the kernel would refuse the others at start.
func fitsNamespace(kind string, maps []specs.LinuxIDMapping, size int) error {
	if size == 0 {
		return nil // unknown (no holder yet): the runtime judges
	}
	for _, m := range maps {
		if uint64(m.HostID)+uint64(m.Size) > uint64(size)+1 {
			return fmt.Errorf("invalid --%smap %d:%d:%d: the user's namespace has %ss 0 to %d only", kind, m.ContainerID, m.HostID, m.Size, kind, size)
		}
	}
	return nil
}

// mappedIn reports whether container id is in maps.
func mappedIn(id int, maps []specs.LinuxIDMapping) bool {
	for _, m := range maps {
		if uint32(id) >= m.ContainerID && uint64(id) < uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}
