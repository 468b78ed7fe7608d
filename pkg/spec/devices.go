package spec

import (
	"fmt"
	"path"
	"strings"
)

// Device is --device HOST[:CONTAINER][:PERMS]. Rootless, a device node cannot
// be made (mknod is refused in a user namespace), so the host's node is
// bind-mounted, as Podman does rootless; PERMS without w mounts it read-only.
type Device struct {
	Host      string `json:"host"`
	Container string `json:"container"`
	Perms     string `json:"perms"`
}

// ParseDevice reads --device's value.
func ParseDevice(v string) (Device, error) {
	parts := strings.Split(v, ":")
	d := Device{Perms: "rwm"}
	isPerms := func(s string) bool {
		return s != "" && strings.Trim(s, "rwm") == ""
	}
	switch len(parts) {
	case 1:
		d.Host = parts[0]
	case 2:
		d.Host = parts[0]
		if isPerms(parts[1]) {
			d.Perms = parts[1]
		} else {
			d.Container = parts[1]
		}
	case 3:
		d.Host, d.Container, d.Perms = parts[0], parts[1], parts[2]
		if !isPerms(d.Perms) {
			return d, fmt.Errorf("invalid device mode: %s", d.Perms)
		}
	default:
		return d, fmt.Errorf("invalid device specification: %s", v)
	}
	if d.Container == "" {
		d.Container = d.Host
	}
	if !path.IsAbs(d.Host) {
		return d, fmt.Errorf("%s is not an absolute path", d.Host)
	}
	if !path.IsAbs(d.Container) {
		return d, fmt.Errorf("%s is not an absolute path", d.Container)
	}
	d.Host, d.Container = path.Clean(d.Host), path.Clean(d.Container)
	return d, nil
}

// mount is the device's bind mount.
func (d Device) mount() Mount {
	opts := []string{"bind", "nosuid", "noexec"}
	if !strings.Contains(d.Perms, "w") {
		opts = append(opts, "ro")
	}
	return Mount{Type: TypeBind, Source: d.Host, Destination: d.Container, Options: opts}
}
