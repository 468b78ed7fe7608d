// Package spec turns what a user asked for and what an image says into the
// OCI runtime configuration (config.json) of a container, with Podman's
// secure defaults.
//
// It is a library of pure functions apart from a few reads: the image's
// /etc/passwd and /etc/group (inside Options.Rootfs), a bind mount source's
// mount flags, the seccomp profile file named by the user, and this
// process's capability bounding set and resource limits. It mounts nothing
// and writes nothing: pkg/container mounts the rootfs, writes the files named
// in HostFiles and the passwd/group lines of Result, and hands the spec to
// the runtime.
//
// The caller runs inside Roost's user namespace (uid 0 there is the user,
// 1..N the subordinate ids) and so does the OCI runtime; the spec is written
// for that place:
//
//   - no uid/gid mappings unless UserNS is keep-id (the runtime then makes a
//     nested user namespace with mappings relative to Roost's);
//   - linux.devices stays empty: the OCI spec has the runtime supply /dev/null,
//     zero, full, random, urandom, tty, console and ptmx, and crun and runc
//     bind-mount them from the host when running in a user namespace, where
//     mknod is refused;
//   - /sys (and /proc, /dev/shm, /dev/mqueue) are bound from the host rather
//     than mounted where the kernel would refuse a new instance;
//   - no AppArmor profile and no SELinux labels: neither can be set up
//     unprivileged.
package spec

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"

	imgspec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ImageConfig is the part of an image's configuration a container starts
// from: User, Env, Entrypoint, Cmd, WorkingDir, StopSignal and Labels are
// used; Volumes and ExposedPorts are for the caller.
type ImageConfig = imgspec.ImageConfig

// Options is everything Generate needs for one container.
type Options struct {
	// Rootfs is the path of the container's mounted root filesystem.
	Rootfs string
	// Hostname is the container's host name (the caller's default is the
	// short container id). It needs a private UTS namespace.
	Hostname string
	// ShmSize is the size of /dev/shm in bytes; 0 means 64 MiB.
	ShmSize int64
	// SharedShm is a directory bound at /dev/shm in place of a tmpfs of
	// the container's own: a pod's, which its infra and the members
	// sharing its IPC namespace all see, as in Podman's pods.
	SharedShm string `json:",omitempty"`
	// StopSignal overrides the image's; empty means the image's, else SIGTERM.
	StopSignal string
	// Annotations are copied into the spec.
	Annotations map[string]string
	// Cgroups says whether the container may have its own cgroup. Without
	// cgroup v2 delegation it is false: linux.resources stays empty, the
	// cgroups path unset, and no cgroup namespace is made.
	Cgroups bool
	// CgroupsPath is linux.cgroupsPath when Cgroups is true.
	CgroupsPath string
	// Resources are the cgroup limits; they reach linux.resources only
	// when Cgroups is true. nil: none asked.
	Resources *Resources `json:",omitempty"`
	// Timezone is --tz: local, an IANA zone, or none (see TimezoneFile).
	Timezone string `json:",omitempty"`
	// Devices are the host's device nodes the container gets (--device).
	Devices []Device `json:",omitempty"`
	// Systemd is --systemd: true (systemd mode when the command is systemd
	// or init), false, or always; "" is true.
	Systemd string `json:",omitempty"`
	// HostUsers are host users whose /etc/passwd lines the container gets
	// (--hostuser); PasswdEntry is --passwd-entry's template for the line
	// of a container user the image does not name.
	HostUsers   []string `json:",omitempty"`
	PasswdEntry string   `json:",omitempty"`
	// Sysctls are linux.sysctl (--sysctl KEY=VALUE).
	Sysctls map[string]string `json:",omitempty"`

	Image      ImageConfig
	Process    ProcessOptions
	Security   SecurityOptions
	Namespaces NamespaceOptions
	IDs        IDs
	Mounts     []Mount
	HostFiles  HostFiles
}

// HostFiles are files the caller wrote for the container, bind-mounted over
// the image's; an empty path leaves the image's file in place.
type HostFiles struct {
	Hosts      string // at /etc/hosts
	Hostname   string // at /etc/hostname
	ResolvConf string // at /etc/resolv.conf
	// ContainerEnv is at /run/.containerenv: its presence tells programs
	// they run in a container.
	ContainerEnv string
}

// Result is the generated configuration and what the caller must do for it.
type Result struct {
	Spec *specs.Spec
	// PasswdEntry, when not empty, is a line (with its newline) to append to
	// the container's /etc/passwd before it starts: the process runs as a uid
	// the image's file does not name (keep-id, or a bare --user number), and
	// programs that look up their own name (whoami, ssh, shells) want one.
	PasswdEntry string
	// GroupEntry is the same for /etc/group (keep-id's group).
	GroupEntry string
	// StopSignal is the signal that stops the container gracefully.
	StopSignal syscall.Signal
}

// OCIVersion is the spec's ociVersion. crun 1.8 (Debian 12) refuses any
// version but 1.0.x ("unknown version specified"); the fields Generate
// fills are all understood by crun 1.8 and runc 1.1.
const OCIVersion = "1.0.2-dev"

// DefaultShmSize is the size of /dev/shm when Options.ShmSize is 0 (Podman's
// shm_size default, 65536k).
const DefaultShmSize int64 = 64 << 20

// DefaultPath is the PATH entry a container gets when its image sets none
// (containers.conf's default env).
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Generate builds the OCI runtime spec for a container.
func Generate(o Options) (*Result, error) {
	if o.Rootfs == "" {
		return nil, errors.New("generating the container's configuration: no root filesystem path given")
	}
	ns, err := o.Namespaces.resolve(o.Cgroups)
	if err != nil {
		return nil, err
	}
	if o.Hostname != "" && !ns.uts.private() {
		return nil, fmt.Errorf("cannot set the hostname %q: the container shares another UTS namespace (--uts %s)", o.Hostname, o.Namespaces.UTS)
	}
	stop, err := stopSignal(o.StopSignal, o.Image.StopSignal)
	if err != nil {
		return nil, err
	}
	sd, err := o.systemdMode()
	if err != nil {
		return nil, err
	}
	if sd && o.StopSignal == "" && o.Image.StopSignal == "" {
		stop = sigRTMin3
	}

	s := &specs.Spec{
		Version:     OCIVersion,
		Root:        &specs.Root{Path: o.Rootfs, Readonly: o.Security.ReadOnlyRootfs},
		Annotations: copyMap(o.Annotations),
		Linux:       &specs.Linux{},
	}
	if ns.uts.private() {
		s.Hostname = o.Hostname
	}

	proc, err := o.process(ns)
	if err != nil {
		return nil, err
	}
	s.Process = proc.spec

	s.Linux.Namespaces = ns.specNamespaces()
	if s.Linux.UIDMappings, s.Linux.GIDMappings, err = o.UserMappings(); err != nil {
		return nil, err
	}
	if ns.user.Kind == UserNSAuto && len(s.Linux.UIDMappings) == 0 {
		return nil, errors.New("--userns auto: the container has no recorded id mappings")
	}
	if o.Cgroups {
		s.Linux.CgroupsPath = o.CgroupsPath
		if s.Linux.Resources, err = o.Resources.Linux(); err != nil {
			return nil, err
		}
	}
	s.Linux.Sysctl = copyMap(o.Sysctls)
	if d := o.Process.Personality; d != "" {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.LinuxPersonalityDomain(d)}
	}

	// Capabilities come before seccomp: the default profile allows some
	// calls only to containers holding the matching capability.
	caps, err := o.Security.capabilities(proc.root)
	if err != nil {
		return nil, err
	}
	s.Process.Capabilities = caps
	if s.Linux.Seccomp, err = o.Security.seccomp(s); err != nil {
		return nil, err
	}
	s.Linux.MaskedPaths, s.Linux.ReadonlyPaths, err = o.Security.kernelPaths(ns)
	if err != nil {
		return nil, err
	}

	if sd {
		o.Mounts = append(o.Mounts, systemdMounts(o.Mounts)...)
	}
	mounts, err := o.mounts(ns, proc)
	if err != nil {
		return nil, err
	}
	s.Mounts = mounts
	hostLines, err := hostUserLines(o.HostUsers)
	if err != nil {
		return nil, err
	}
	proc.passwdEntry += hostLines

	return &Result{Spec: s, PasswdEntry: proc.passwdEntry, GroupEntry: proc.groupEntry, StopSignal: stop}, nil
}

// ParseStopSignal reads --stop-signal; a number past the last signal gets
// Podman's words, as kill's (its create and kill share a parser).
func ParseStopSignal(v string) (syscall.Signal, error) {
	sig, err := ParseSignal(v)
	if n, nerr := strconv.Atoi(strings.TrimSpace(v)); err != nil && nerr == nil && n > sigRTMax {
		return 0, fmt.Errorf("valid signals are 1 through %d", sigRTMax)
	}
	if err != nil {
		return 0, fmt.Errorf("--stop-signal: %w", err)
	}
	return sig, nil
}

func stopSignal(flag, image string) (syscall.Signal, error) {
	switch {
	case flag != "":
		return ParseStopSignal(flag)
	case image != "":
		sig, err := ParseSignal(image)
		if err != nil {
			return 0, fmt.Errorf("the image's StopSignal: %w", err)
		}
		return sig, nil
	}
	return syscall.SIGTERM, nil
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sortedKeys returns a set's members in order, for stable output.
func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// cleanAbs cleans p and reports whether it is absolute.
func cleanAbs(p string) (string, bool) {
	if !path.IsAbs(p) {
		return p, false
	}
	return path.Clean(p), true
}
