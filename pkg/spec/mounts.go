package spec

import (
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Mount is a mount the user asked for: a bind mount of a host path or a
// tmpfs. Options are the user's; Generate adds the defaults.
type Mount struct {
	// Type is "bind" or "tmpfs"; ParseVolume and ParseMount also return
	// "volume" for a named (or anonymous) volume, with ErrNamedVolume.
	Type        string
	Source      string
	Destination string
	Options     []string
}

// ErrNamedVolume is returned (wrapped) by ParseVolume and ParseMount for a
// volume rather than a host path; the Mount returned with it holds the
// volume's name (empty for an anonymous volume), destination and options.
var ErrNamedVolume = errors.New("named volume")

// Mount types.
const (
	TypeBind   = "bind"
	TypeTmpfs  = "tmpfs"
	TypeVolume = "volume"
	TypeDevpts = "devpts"
	// TypeImage is an image's filesystem (--mount type=image): read-only,
	// or with rw a throw-away overlay over it. The caller resolves Source
	// (the image) and turns it into a bind mount before the spec is made.
	TypeImage = "image"
)

var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ParseVolume parses a -v/--volume value, "src:dst[:opts]". An absolute src
// is a bind mount; another src, or a lone dst, is a volume (ErrNamedVolume).
// opts is a comma-separated list of ro, rw, z, Z (accepted, ignored:
// rootless Roost does no SELinux relabelling), [r]private, [r]shared,
// [r]slave, [r]unbindable, bind, rbind, [no]suid, [no]dev, [no]exec, and for
// volumes copy and nocopy.
func ParseVolume(spec string) (Mount, error) {
	bad := func(why string, a ...any) (Mount, error) {
		return Mount{}, fmt.Errorf("invalid volume %q: %s", spec, fmt.Sprintf(why, a...))
	}
	parts := strings.Split(spec, ":")
	var src, dst, opts string
	switch len(parts) {
	case 1:
		dst = parts[0]
	case 2:
		src, dst = parts[0], parts[1]
	case 3:
		src, dst, opts = parts[0], parts[1], parts[2]
	default:
		return bad("too many ':' (use host-path:container-path[:options])")
	}
	if dst == "" {
		return bad("no container path")
	}
	d, ok := cleanAbs(dst)
	if !ok {
		return bad("the container path %q must be absolute", dst)
	}
	if d == "/" {
		return bad("cannot mount over the container's root")
	}
	var options []string
	if opts != "" {
		options = strings.Split(opts, ",")
	}
	m := Mount{Type: TypeBind, Source: src, Destination: d, Options: options}
	switch {
	case len(parts) == 1:
		m.Type, m.Source = TypeVolume, ""
	case src == "":
		return bad("no host path or volume name before ':'")
	case strings.HasPrefix(src, "/"):
		m.Source = path.Clean(src)
	case strings.HasPrefix(src, ".") || strings.HasPrefix(src, "~"):
		return bad("the host path %q must be absolute", src)
	case !volumeName.MatchString(src):
		return bad("%q is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", src)
	default:
		m.Type = TypeVolume
	}
	if _, err := bindOptions(m.Options, m.Type == TypeVolume); err != nil {
		return bad("%v", err)
	}
	if err := checkChownSource(m); err != nil {
		return bad("%v", err)
	}
	if m.Type == TypeVolume {
		return m, fmt.Errorf("volume %q at %s: %w", m.Source, m.Destination, ErrNamedVolume)
	}
	return m, nil
}

// ParseTmpfs parses a --tmpfs value, "dst[:opts]", e.g.
// "/x:size=10m,mode=1777".
func ParseTmpfs(spec string) (Mount, error) {
	dst, opts, _ := strings.Cut(spec, ":")
	d, ok := cleanAbs(dst)
	if !ok {
		return Mount{}, fmt.Errorf("invalid tmpfs %q: the container path %q must be absolute", spec, dst)
	}
	if d == "/" {
		return Mount{}, fmt.Errorf("invalid tmpfs %q: cannot mount over the container's root", spec)
	}
	var options []string
	if opts != "" {
		options = strings.Split(opts, ",")
	}
	if _, err := tmpfsOptions(options); err != nil {
		return Mount{}, fmt.Errorf("invalid tmpfs %q: %w", spec, err)
	}
	return Mount{Type: TypeTmpfs, Source: "tmpfs", Destination: d, Options: options}, nil
}

// ParseMount parses a --mount value: comma-separated key[=value] with
// type=bind|tmpfs|volume, src|source, dst|destination|target, ro|readonly
// [=true|false], rw, bind-propagation=, bind-nonrecursive, relabel=
// (ignored), tmpfs-size= or size=, tmpfs-mode= or mode=, and the flags
// [no]suid, [no]dev, [no]exec, [no]tmpcopyup, z, Z.
func ParseMount(spec string) (Mount, error) {
	bad := func(why string, a ...any) (Mount, error) {
		return Mount{}, fmt.Errorf("invalid mount %q: %s", spec, fmt.Sprintf(why, a...))
	}
	var m Mount
	for _, field := range strings.Split(spec, ",") {
		key, val, hasVal := strings.Cut(field, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		flag := func(name string) error {
			if !hasVal {
				m.Options = append(m.Options, name)
				return nil
			}
			switch strings.ToLower(val) {
			case "true", "1":
				m.Options = append(m.Options, name)
			case "false", "0":
			default:
				return fmt.Errorf("%s=%s: use true or false", key, val)
			}
			return nil
		}
		switch key {
		case "":
			continue
		case "type":
			m.Type = val
		case "src", "source":
			m.Source = val
		case "dst", "destination", "target":
			m.Destination = val
		case "ro", "readonly":
			if err := flag("ro"); err != nil {
				return bad("%v", err)
			}
		case "rw", "readwrite":
			if err := flag("rw"); err != nil {
				return bad("%v", err)
			}
		case "bind-propagation":
			m.Options = append(m.Options, val)
		case "bind-nonrecursive":
			if err := flag("bind"); err != nil {
				return bad("%v", err)
			}
		case "relabel", "consistency":
			// SELinux relabelling and macOS consistency: nothing to do here.
		case "tmpfs-size", "size":
			m.Options = append(m.Options, "size="+val)
		case "tmpfs-mode", "mode":
			m.Options = append(m.Options, "mode="+val)
		case "uid", "gid", "max", "ptmxmode":
			m.Options = append(m.Options, key+"="+val)
		case "u", "chown":
			if err := flag("U"); err != nil {
				return bad("%v", err)
			}
		case "volume-nocopy":
			if err := flag("nocopy"); err != nil {
				return bad("%v", err)
			}
		case "suid", "nosuid", "dev", "nodev", "exec", "noexec", "tmpcopyup", "notmpcopyup", "z":
			if hasVal {
				return bad("%s takes no value", key)
			}
			m.Options = append(m.Options, key)
		default:
			return bad("unknown option %q", key)
		}
	}
	if m.Destination == "" {
		return bad("no dst= (the path in the container)")
	}
	d, ok := cleanAbs(m.Destination)
	if !ok {
		return bad("the container path %q must be absolute", m.Destination)
	}
	if d == "/" {
		return bad("cannot mount over the container's root")
	}
	m.Destination = d
	switch m.Type {
	case "":
		return bad("no type= (use type=bind, tmpfs, volume, image or devpts)")
	case TypeBind:
		if !strings.HasPrefix(m.Source, "/") {
			return bad("a bind mount needs an absolute src= path")
		}
		m.Source = path.Clean(m.Source)
		if _, err := bindOptions(m.Options, false); err != nil {
			return bad("%v", err)
		}
		if err := checkChownSource(m); err != nil {
			return bad("%v", err)
		}
	case TypeTmpfs:
		if m.Source != "" {
			return bad("a tmpfs takes no src=")
		}
		m.Source = "tmpfs"
		if _, err := tmpfsOptions(m.Options); err != nil {
			return bad("%v", err)
		}
	case TypeDevpts:
		if m.Source != "" {
			return bad("a devpts takes no src=")
		}
		m.Source = "devpts"
		if _, err := devptsOptions(m.Options); err != nil {
			return bad("%v", err)
		}
	case TypeImage:
		if m.Source == "" {
			return bad("an image mount needs src= (the image)")
		}
		for _, o := range m.Options {
			if o != "ro" && o != "rw" {
				return bad("an image mount takes only rw= or ro=")
			}
		}
	case TypeVolume:
		if m.Source != "" && !volumeName.MatchString(m.Source) {
			return bad("invalid volume name %q", m.Source)
		}
		if _, err := bindOptions(m.Options, true); err != nil {
			return bad("%v", err)
		}
		return m, fmt.Errorf("volume %q at %s: %w", m.Source, m.Destination, ErrNamedVolume)
	default:
		return bad("unsupported type %q (use bind, tmpfs, volume, image or devpts)", m.Type)
	}
	return m, nil
}

// devptsOptions checks a devpts mount's options (uid, gid, mode, ptmxmode,
// max, and the common ro/rw, suid, exec families) and returns them for the
// runtime.
func devptsOptions(opts []string) ([]string, error) {
	var f mountFlags
	return f.parse(opts, func(o string) error {
		key, val, _ := strings.Cut(o, "=")
		switch key {
		case "uid", "gid", "max":
			if _, err := strconv.ParseUint(val, 10, 32); err != nil {
				return fmt.Errorf("invalid %s %q: use a number", key, val)
			}
		case "mode", "ptmxmode":
			if !tmpfsMode.MatchString(val) {
				return fmt.Errorf("invalid %s %q: use octal, e.g. 0620", key, val)
			}
		default:
			return fmt.Errorf("unknown option %q", o)
		}
		f.out = append(f.out, o)
		return nil
	})
}

// devptsSpec is a new devpts instance, private to the container as its
// /dev/pts is: newinstance, and ptmxmode=0666 unless the user chose one.
func devptsSpec(m Mount) (specs.Mount, error) {
	opts, err := devptsOptions(m.Options)
	if err != nil {
		return specs.Mount{}, fmt.Errorf("devpts at %s: %w", m.Destination, err)
	}
	out := []string{"nosuid", "noexec", "newinstance"}
	if !slices.ContainsFunc(opts, func(o string) bool { return strings.HasPrefix(o, "ptmxmode=") }) {
		out = append(out, "ptmxmode=0666")
	}
	return specs.Mount{Destination: m.Destination, Type: TypeDevpts, Source: "devpts", Options: append(out, opts...)}, nil
}

var propagations = []string{"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"}

// mountFlags tracks which of a mount's option families the user set.
type mountFlags struct {
	out                []string
	rw, prop, bindKind string
	suid, dev, exec    string
}

// parse runs each of opts (empty ones skipped) through common, and those
// common does not know through own, the options of one mount type; it
// returns the options to give the runtime.
func (f *mountFlags) parse(opts []string, own func(o string) error) ([]string, error) {
	for _, o := range opts {
		if o == "" {
			continue
		}
		known, err := f.common(o)
		if err != nil {
			return nil, err
		}
		if known {
			continue
		}
		if err := own(o); err != nil {
			return nil, err
		}
	}
	return f.out, nil
}

// common handles the options bind mounts and tmpfs share; it reports false
// for an option it does not know.
func (f *mountFlags) common(o string) (bool, error) {
	set := func(slot *string) error {
		if *slot != "" && *slot != o {
			return fmt.Errorf("options %q and %q conflict", *slot, o)
		}
		if *slot == "" {
			*slot = o
			f.out = append(f.out, o)
		}
		return nil
	}
	switch {
	case o == "ro" || o == "rw":
		return true, set(&f.rw)
	case slices.Contains(propagations, o):
		return true, set(&f.prop)
	case o == "suid" || o == "nosuid":
		return true, set(&f.suid)
	case o == "dev" || o == "nodev":
		return true, set(&f.dev)
	case o == "exec" || o == "noexec":
		return true, set(&f.exec)
	}
	return false, nil
}

// systemPaths are host directories a bind mount's U option may not chown,
// as in Podman: giving them to a container's user would break the host.
var systemPaths = []string{"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64",
	"/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
	"/var", "/var/lib", "/var/log", "/var/tmp"}

// checkChownSource refuses U on a bind mount of a system directory.
func checkChownSource(m Mount) error {
	if m.Type != TypeBind || !hasAny(m.Options, "U") || !slices.Contains(systemPaths, m.Source) {
		return nil
	}
	return fmt.Errorf("option U would chown the system directory %s: bind a directory of your own", m.Source)
}

// bindOptions checks a bind mount's (or volume's) options and returns them
// without the ones only Roost reads (z, Z, and for volumes copy, nocopy, U).
func bindOptions(opts []string, volume bool) ([]string, error) {
	var f mountFlags
	return f.parse(opts, func(o string) error {
		switch {
		case o == "bind" || o == "rbind":
			if f.bindKind != "" && f.bindKind != o {
				return fmt.Errorf("options %q and %q conflict", f.bindKind, o)
			}
			if f.bindKind == "" {
				f.bindKind = o
				f.out = append(f.out, o)
			}
		case o == "z" || o == "Z":
		case o == "U":
			// Read by pkg/container when it prepares the mount.
		case volume && (o == "copy" || o == "nocopy"):
			// Read by pkg/container when it prepares the volume.
		case o == "O":
			return errors.New("option O (overlay) is not supported by Roost")
		default:
			return fmt.Errorf("unknown option %q", o)
		}
		return nil
	})
}

var (
	tmpfsSize = regexp.MustCompile(`^[0-9]+[kKmMgGtTpPeE%]?$`)
	tmpfsMode = regexp.MustCompile(`^[0-7]{1,4}$`)
	tmpfsNum  = regexp.MustCompile(`^[0-9]+[kKmMgG]?$`)
	atimes    = []string{"atime", "noatime", "relatime", "norelatime", "strictatime", "nostrictatime", "diratime", "nodiratime"}
)

// tmpfsOptions checks a tmpfs's options and returns them without notmpcopyup.
func tmpfsOptions(opts []string) ([]string, error) {
	var f mountFlags
	copyup := ""
	return f.parse(opts, func(o string) error {
		key, val, _ := strings.Cut(o, "=")
		switch {
		case key == "size":
			if !tmpfsSize.MatchString(val) {
				return fmt.Errorf("invalid size %q: use a number with an optional k, m, g suffix or %%", val)
			}
			f.out = append(f.out, o)
		case key == "mode":
			if !tmpfsMode.MatchString(val) {
				return fmt.Errorf("invalid mode %q: use octal, e.g. 1777", val)
			}
			f.out = append(f.out, o)
		case key == "uid" || key == "gid":
			if _, err := strconv.ParseUint(val, 10, 32); err != nil {
				return fmt.Errorf("invalid %s %q: use a number", key, val)
			}
			f.out = append(f.out, o)
		case key == "nr_inodes" || key == "nr_blocks":
			if !tmpfsNum.MatchString(val) {
				return fmt.Errorf("invalid %s %q: use a number", key, val)
			}
			f.out = append(f.out, o)
		case o == "tmpcopyup" || o == "notmpcopyup":
			if copyup != "" && copyup != o {
				return fmt.Errorf("options %q and %q conflict", copyup, o)
			}
			copyup = o
			if o == "tmpcopyup" {
				f.out = append(f.out, o)
			}
		case slices.Contains(atimes, o):
			f.out = append(f.out, o)
		default:
			return fmt.Errorf("unknown option %q", o)
		}
		return nil
	})
}

// hasAny reports whether opts holds one of names.
func hasAny(opts []string, names ...string) bool {
	for _, o := range opts {
		if slices.Contains(names, o) {
			return true
		}
	}
	return false
}

// sourceFlags reads the mount flags of the filesystem holding p; a variable
// for tests.
var sourceFlags = func(p string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return 0, err
	}
	return st.Flags, nil
}

// bindSpec turns a user's bind mount into the runtime's: rbind and
// rprivate unless told otherwise, and the source's nosuid, nodev and noexec
// kept (in a user namespace the kernel refuses a bind mount that drops
// them, so Podman copies them too).
func bindSpec(m Mount) (specs.Mount, error) {
	if !strings.HasPrefix(m.Source, "/") {
		return specs.Mount{}, fmt.Errorf("bind mount at %s: the source %q must be an absolute path", m.Destination, m.Source)
	}
	opts, err := bindOptions(m.Options, false)
	if err != nil {
		return specs.Mount{}, fmt.Errorf("bind mount %s:%s: %w", m.Source, m.Destination, err)
	}
	flags, err := sourceFlags(m.Source)
	if err != nil {
		return specs.Mount{}, fmt.Errorf("bind mount source %s: %w", m.Source, err)
	}
	if !hasAny(opts, "bind", "rbind") {
		opts = append(opts, "rbind")
	}
	if !hasAny(opts, propagations...) {
		opts = append(opts, "rprivate")
	}
	if !hasAny(opts, "ro", "rw") {
		opts = append(opts, "rw")
	}
	for _, l := range []struct {
		flag      int64
		set, undo string
	}{{unix.ST_NOSUID, "nosuid", "suid"}, {unix.ST_NODEV, "nodev", "dev"}, {unix.ST_NOEXEC, "noexec", "exec"}} {
		if flags&l.flag != 0 && !hasAny(opts, l.set, l.undo) {
			opts = append(opts, l.set)
		}
	}
	return specs.Mount{Destination: m.Destination, Type: TypeBind, Source: m.Source, Options: opts}, nil
}

// tmpfsSpec turns a user's tmpfs into the runtime's, with Podman's --tmpfs
// defaults: rw, noexec, nosuid, nodev, rprivate and tmpcopyup (the image's
// files at that path are copied in) unless told otherwise.
func tmpfsSpec(m Mount) (specs.Mount, error) {
	opts, err := tmpfsOptions(m.Options)
	if err != nil {
		return specs.Mount{}, fmt.Errorf("tmpfs at %s: %w", m.Destination, err)
	}
	for _, d := range [][]string{{"rw", "ro"}, {"noexec", "exec"}, {"nosuid", "suid"}, {"nodev", "dev"}} {
		if !hasAny(opts, d...) {
			opts = append(opts, d[0])
		}
	}
	if !hasAny(opts, propagations...) {
		opts = append(opts, "rprivate")
	}
	if !hasAny(m.Options, "tmpcopyup", "notmpcopyup") {
		opts = append(opts, "tmpcopyup")
	}
	return specs.Mount{Destination: m.Destination, Type: TypeTmpfs, Source: "tmpfs", Options: opts}, nil
}

// defaultMounts are the kernel filesystems every container has, made so
// they work rootless.
func (o Options) defaultMounts(ns namespaces) []specs.Mount {
	var out []specs.Mount
	if ns.pid.host() {
		// A new procfs needs a PID namespace of our own: bind the host's.
		out = append(out, specs.Mount{Destination: "/proc", Type: TypeBind, Source: "/proc", Options: []string{"rbind", "nosuid", "noexec", "nodev"}})
	} else {
		out = append(out, specs.Mount{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}})
	}
	out = append(out, specs.Mount{Destination: "/dev", Type: TypeTmpfs, Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}})

	pts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if o.gidMapped(5, ns) {
		// The tty group owns the ptys, where it exists in the namespace.
		pts = append(pts, "gid=5")
	}
	out = append(out, specs.Mount{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: pts})

	if ns.ipc.host() {
		// The host's IPC namespace is not Roost's to mount for: bind what
		// the host has mounted (Podman does the same in a user namespace).
		for _, d := range []string{"/dev/shm", "/dev/mqueue"} {
			if hostHas(d) {
				out = append(out, specs.Mount{Destination: d, Type: TypeBind, Source: d, Options: []string{"rbind", "nosuid", "noexec", "nodev"}})
			}
		}
	} else {
		shm := o.ShmSize
		if shm == 0 {
			shm = DefaultShmSize
		}
		shmMount := specs.Mount{Destination: "/dev/shm", Type: TypeTmpfs, Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=" + strconv.FormatInt(shm, 10)}}
		if o.SharedShm != "" {
			shmMount = specs.Mount{Destination: "/dev/shm", Type: TypeBind, Source: o.SharedShm, Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
		}
		out = append(out, shmMount,
			specs.Mount{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}})
	}

	perm := "ro"
	if o.Security.Privileged {
		perm = "rw"
	}
	if ns.canMountSysfs() {
		out = append(out,
			specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", perm}},
			specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"rprivate", "nosuid", "noexec", "nodev", "relatime", perm}})
	} else {
		// The kernel refuses a new sysfs here: bind the host's, read-only.
		out = append(out,
			specs.Mount{Destination: "/sys", Type: TypeBind, Source: "/sys", Options: []string{"rprivate", "nosuid", "noexec", "nodev", perm, "rbind"}},
			specs.Mount{Destination: "/sys/fs/cgroup", Type: TypeBind, Source: "/sys/fs/cgroup", Options: []string{"rprivate", "nosuid", "noexec", "nodev", perm, "rbind"}})
	}
	return out
}

// mounts assembles every mount: the defaults, the read-only rootfs's tmpfs,
// the caller's host files, the init binary, and the user's, which replace
// any other at the same destination. A mount comes after the mounts above
// it.
func (o Options) mounts(ns namespaces, p process) ([]specs.Mount, error) {
	base := o.defaultMounts(ns)
	if o.ShmSize < 0 {
		return nil, fmt.Errorf("invalid --shm-size %d: it must not be negative", o.ShmSize)
	}
	if o.Security.ReadOnlyRootfs && !o.Security.NoReadOnlyTmpfs {
		for _, d := range []string{"/run", "/tmp", "/var/tmp"} {
			base = append(base, specs.Mount{Destination: d, Type: TypeTmpfs, Source: "tmpfs", Options: []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}})
		}
	}
	for _, f := range []struct{ src, dst string }{
		{o.HostFiles.Hosts, "/etc/hosts"},
		{o.HostFiles.Hostname, "/etc/hostname"},
		{o.HostFiles.ResolvConf, "/etc/resolv.conf"},
		{o.HostFiles.ContainerEnv, "/run/.containerenv"},
	} {
		if f.src != "" {
			base = append(base, specs.Mount{Destination: f.dst, Type: TypeBind, Source: f.src, Options: []string{"bind", "rprivate"}})
		}
	}
	tz, err := TimezoneFile(o.Timezone)
	if err != nil {
		return nil, err
	}
	if tz != "" {
		base = append(base, specs.Mount{Destination: "/etc/localtime", Type: TypeBind, Source: tz, Options: []string{"bind", "ro", "rprivate"}})
	}
	for _, d := range o.Devices {
		m, err := bindSpec(d.mount())
		if err != nil {
			return nil, fmt.Errorf("--device %s: %w", d.Host, err)
		}
		base = append(base, m)
	}
	if p.initPath != "" {
		base = append(base, specs.Mount{Destination: InitMountPath, Type: TypeBind, Source: p.initPath, Options: []string{"bind", "ro", "nosuid", "nodev"}})
	}

	user := map[string]Mount{}
	var users []specs.Mount
	for _, m := range o.Mounts {
		d, ok := cleanAbs(m.Destination)
		if !ok {
			return nil, fmt.Errorf("mount %q: the container path must be absolute", m.Destination)
		}
		if d == "/" {
			return nil, errors.New("cannot mount over the container's root")
		}
		m.Destination = d
		if prev, seen := user[d]; seen {
			// The same mount given twice is one mount, as in Podman.
			if sameMount(prev, m) {
				continue
			}
			return nil, fmt.Errorf("%s: duplicate mount destination", d)
		}
		user[d] = m
		var (
			sm  specs.Mount
			err error
		)
		switch m.Type {
		case TypeBind:
			sm, err = bindSpec(m)
		case TypeTmpfs:
			sm, err = tmpfsSpec(m)
		case TypeDevpts:
			sm, err = devptsSpec(m)
		case TypeVolume, TypeImage:
			err = fmt.Errorf("%s %q at %s: the caller must resolve volumes and images to bind mounts first", m.Type, m.Source, d)
		default:
			err = fmt.Errorf("mount at %s: unsupported type %q (use bind, tmpfs or devpts)", d, m.Type)
		}
		if err != nil {
			return nil, err
		}
		users = append(users, sm)
	}

	var out []specs.Mount
	for _, m := range base {
		if _, taken := user[m.Destination]; !taken {
			out = append(out, m)
		}
	}
	out = append(out, users...)
	slices.SortStableFunc(out, func(a, b specs.Mount) int { return depth(a.Destination) - depth(b.Destination) })
	return out, nil
}

// hostHas reports whether a path exists on the host; a variable for tests.
var hostHas = func(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(path.Clean(p), "/")
}

// sameMount tells whether two user mounts at one path are the same request.
func sameMount(a, b Mount) bool {
	return a.Type == b.Type && a.Source == b.Source && slices.Equal(a.Options, b.Options)
}
