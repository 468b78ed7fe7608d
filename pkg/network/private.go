package network

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/slirp"
)

// A container with --network slirp4netns or pasta gets its own namespace
// and its own helper, as in Podman: more isolation, and with pasta the
// client's source address kept.

func (m *Manager) privatePidFile(id string) string {
	return filepath.Join(m.RunDir, "netns", id+".helper")
}

// StartPrivate starts the container's own helper on its namespace and
// returns the address that reaches the host's loopback from it. pasta
// forwards the published ports itself (PastaForwards), keeping the
// client's source address; with slirp4netns the monitor's forwarder does.
func (m *Manager) StartPrivate(id, backend, opts string, ports []monitor.Port) (string, error) {
	o := slirp.Options{Backend: backend, NetNS: m.ContainerNetNS(id), PidFile: m.privatePidFile(id),
		LogFile: m.privatePidFile(id) + ".log", MTU: MTU}
	var err error
	if backend == slirp.Pasta {
		if opts != "" {
			o.Extra = strings.Split(opts, ",")
		}
		o.TCPPorts, o.UDPPorts = pastaSpec(ports, "tcp"), pastaSpec(ports, "udp")
	} else if o.Extra, o.AllowHostLoopback, o.MTU, err = slirpOptions(opts); err != nil {
		return "", err
	}
	if _, err := slirp.Start(o); err != nil {
		return "", err
	}
	if backend == slirp.Pasta {
		return defaultGateway(m.ContainerNetNS(id))
	}
	return slirp.SlirpGateway, nil
}

// PastaForwards says that pasta, not the monitor, forwards the published
// ports of a container on its own helper of this backend.
func PastaForwards(backend string) bool { return backend == slirp.Pasta }

// pastaSpec writes pasta's -t/-u list for one protocol: [ADDR/]HOST:CONTAINER,...
func pastaSpec(ports []monitor.Port, proto string) string {
	var out []string
	for _, p := range ports {
		pp := p.Protocol
		if pp == "" {
			pp = "tcp"
		}
		if pp != proto {
			continue
		}
		s := fmt.Sprintf("%d:%d", p.HostPort, p.ContainerPort)
		if p.HostIP != "" {
			s = p.HostIP + "/" + s
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// StopPrivate kills the container's helper, if any.
func (m *Manager) StopPrivate(id string) {
	slirp.Stop(m.privatePidFile(id))
	slirp.StopStrays(m.ContainerNetNS(id))
	_ = removeQuiet(m.privatePidFile(id) + ".log")
}

// slirpOptions reads Podman's slirp4netns:OPTS: allow_host_loopback, mtu,
// enable_ipv6. Host loopback is allowed unless turned off, so that
// host.containers.internal works as on the default network.
func slirpOptions(opts string) (extra []string, allowLoopback bool, mtu int, err error) {
	allowLoopback, mtu = true, MTU
	if opts == "" {
		return nil, allowLoopback, mtu, nil
	}
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "allow_host_loopback":
			allowLoopback = v != "false"
		case "mtu":
			if _, err := fmt.Sscanf(v, "%d", &mtu); err != nil || mtu < 68 {
				return nil, false, 0, fmt.Errorf("invalid slirp4netns option %q: mtu takes a number of at least 68", o)
			}
		case "enable_ipv6":
			if v != "false" {
				extra = append(extra, "--enable-ipv6")
			}
		default:
			return nil, false, 0, fmt.Errorf("invalid slirp4netns option %q: use allow_host_loopback=true|false, mtu=N or enable_ipv6=true|false", o)
		}
	}
	return extra, allowLoopback, mtu, nil
}

// PrivateUp says whether the container's own helper runs.
func (m *Manager) PrivateUp(id string) bool {
	_, alive := slirp.Read(m.privatePidFile(id))
	return alive
}
