package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/spec"
)

// addMore registers the create/run flags for namespaces, cgroups, the
// process's environment and files, and the image choice.
func (f *createFlags) addMore(fl *pflag.FlagSet) {
	stringArray(fl, &f.sysctls, "sysctl", nil, "set a namespaced kernel parameter: KEY=VALUE")
	stringArray(fl, &f.devices, "device", nil, "add a host device: HOST[:CONTAINER][:PERMS]")
	stringArray(fl, &f.labelFiles, "label-file", nil, "read labels from a file of KEY=VALUE lines")
	stringArray(fl, &f.unsetenv, "unsetenv", nil, "unset a default or image environment variable")
	fl.BoolVar(&f.unsetenvAll, "unsetenv-all", false, "unset every default and image environment variable")
	fl.BoolVar(&f.httpProxy, "http-proxy", true, "pass the host's proxy environment variables to the container")
	stringArray(fl, &f.expose, "expose", nil, "expose a port or a range of ports: PORT[-PORT][/PROTO]")
	stringArray(fl, &f.requires, "requires", nil, "containers this one needs")
	fl.StringSliceVar(&f.chrootdirs, "chrootdirs", nil, "chroot directories inside the container (accepted)")
	stringArray(fl, &f.hostUsers, "hostuser", nil, "add a host user's entry to the container's /etc/passwd")
	fl.StringVar(&f.tz, "tz", "", "timezone in the container: local, an IANA zone, or none")
	fl.StringVar(&f.umask, "umask", "", "umask of the container's process (default 0022)")
	fl.StringVar(&f.personality, "personality", "", "execution domain: LINUX or LINUX32")
	fl.StringVar(&f.initPath, "init-path", "", "path to the init binary for --init")
	fl.StringVar(&f.ipc, "ipc", "", "IPC namespace: private, shareable, host, none, ns:PATH")
	fl.StringVar(&f.pid, "pid", "", "PID namespace: private, host, ns:PATH")
	fl.StringVar(&f.uts, "uts", "", "UTS namespace: private, host, ns:PATH")
	fl.StringVar(&f.cgroupns, "cgroupns", "", "cgroup namespace: private, host, ns:PATH")
	fl.StringVar(&f.cgroups, "cgroups", "enabled", "cgroups: enabled, disabled, no-conmon, split")
	fl.StringVar(&f.cgroupParent, "cgroup-parent", "", "parent cgroup of the container's cgroup")
	fl.StringVar(&f.healthOnFailure, "health-on-failure", "none", "action on an unhealthy container: none, kill, restart, stop")
	fl.StringVar(&f.pidFile, "pidfile", "", "write the container's pid to this file")
	fl.StringVar(&f.conmonPidFile, "conmon-pidfile", "", "write the monitor's pid to this file")
	fl.StringVar(&f.seccompPolicy, "seccomp-policy", "default", "seccomp policy: default or image")
	fl.StringVar(&f.imageVolume, "image-volume", "bind", "the image's volumes: bind, tmpfs or ignore")
	fl.StringVar(&f.arch, "arch", "", "architecture of the image to pull")
	fl.StringVar(&f.osName, "os", "", "operating system of the image to pull")
	fl.StringVar(&f.variant, "variant", "", "architecture variant of the image to pull")
	fl.StringVar(&f.macAddress, "mac-address", "", "MAC address of the container (accepted; not applied)")
	fl.StringVar(&f.ip6, "ip6", "", "IPv6 address of the container (accepted; not applied)")
	fl.StringVar(&f.systemd, "systemd", "true", "systemd mode: true (when the command is systemd or init), false, always")
	fl.StringVar(&f.passwdEntry, "passwd-entry", "", "template of the /etc/passwd entry Roost adds for the container user")
	fl.StringVar(&f.podIDFile, "pod-id-file", "", "read the pod's id from this file")
	fl.IntVar(&f.oomScoreAdj, "oom-score-adj", 0, "tune the container's OOM killer preference (-1000 to 1000)")
	fl.UintVar(&f.preserveFDs, "preserve-fds", 0, "pass this many more descriptors (3 and up) to the container's process")
	fl.UintVar(&f.timeout, "timeout", 0, "kill the container after this many seconds (0: never)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print the pull's progress")
}

// moreSpec fills the spec options of the flags addMore registers.
func (f *createFlags) moreSpec(s *spec.Options) error {
	var err error
	if s.Resources, err = f.res.Parse(); err != nil {
		return err
	}
	if s.Sysctls, err = spec.ParseSysctls(f.sysctls); err != nil {
		return err
	}
	for _, v := range f.devices {
		d, err := spec.ParseDevice(v)
		if err != nil {
			return err
		}
		s.Devices = append(s.Devices, d)
	}
	if _, err := spec.TimezoneFile(f.tz); err != nil {
		return err
	}
	s.Timezone = f.tz
	ns := []struct {
		flag, value string
		dst         *string
	}{{"ipc", f.ipc, &s.Namespaces.IPC}, {"pid", f.pid, &s.Namespaces.PID}, {"uts", f.uts, &s.Namespaces.UTS}, {"cgroupns", f.cgroupns, &s.Namespaces.Cgroup}}
	for _, n := range ns {
		if *n.dst, err = spec.ParseNamespaceFlag(n.flag, n.value); err != nil {
			return err
		}
	}
	if s.Systemd, err = spec.ParseSystemdMode(f.systemd); err != nil {
		return err
	}
	switch f.seccompPolicy {
	case "default", "image":
	default:
		return fmt.Errorf("invalid --seccomp-policy %q: use default or image", f.seccompPolicy)
	}
	switch f.imageVolume {
	case "bind", "tmpfs", "ignore":
	default:
		return fmt.Errorf("invalid image-volume type %q. Pick one of bind, tmpfs, or ignore", f.imageVolume)
	}
	s.HostUsers, s.PasswdEntry = f.hostUsers, f.passwdEntry
	return nil
}

// platformValue joins --platform or --os/--arch/--variant.
func (f *createFlags) platformValue() (string, error) {
	if f.arch == "" && f.osName == "" && f.variant == "" {
		return f.platform, nil
	}
	if f.platform != "" {
		return "", fmt.Errorf("--platform option can not be specified with --arch or --os")
	}
	osName, arch := f.osName, f.arch
	if osName == "" {
		osName = "linux"
	}
	if arch == "" {
		arch = goArch()
	}
	p := osName + "/" + arch
	if f.variant != "" {
		p += "/" + f.variant
	}
	return p, nil
}

// readIDFile reads an id written by --pod-id-file or --cidfile.
func readIDFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading pod ID file: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("pod ID file %s is empty", path)
	}
	return id, nil
}

// absPath makes a file flag absolute: a later start runs elsewhere.
func absPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	return filepath.Abs(p)
}

func goArch() string { return runtime.GOARCH }
