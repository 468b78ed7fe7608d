package spec

import (
	"fmt"
	"path"
	"syscall"
)

// sigRTMin3 is SIGRTMIN+3, the signal that shuts systemd down cleanly.
const sigRTMin3 = syscall.Signal(37)

// ParseSystemdMode checks --systemd.
func ParseSystemdMode(v string) (string, error) {
	switch v {
	case "", "true", "false", "always":
		return v, nil
	}
	return "", fmt.Errorf("invalid --systemd %q: use true, false or always", v)
}

// systemdMode says whether the container runs systemd: always, or with
// true (the default) when its command is systemd or init, as Podman decides.
func (o Options) systemdMode() (bool, error) {
	switch o.Systemd {
	case "false":
		return false, nil
	case "always":
		return true, nil
	}
	args, err := o.command()
	if err != nil || len(args) == 0 {
		return false, nil //nolint:nilerr // process() reports the command's error
	}
	switch args[0] {
	case "/sbin/init", "/usr/sbin/init", "/usr/local/sbin/init":
		return true, nil
	}
	return path.Base(args[0]) == "systemd", nil
}

// systemdMounts are the tmpfs systemd expects, where the user mounted none.
func systemdMounts(user []Mount) []Mount {
	have := map[string]bool{}
	for _, m := range user {
		have[path.Clean(m.Destination)] = true
	}
	var out []Mount
	for _, d := range []string{"/run", "/run/lock", "/tmp", "/var/log/journal"} {
		if !have[d] {
			out = append(out, Mount{Type: TypeTmpfs, Source: "tmpfs", Destination: d, Options: []string{"rw", "rprivate", "nosuid", "nodev", "exec"}})
		}
	}
	return out
}
