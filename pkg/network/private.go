package network

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
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
	gw, _ := SlirpAddrs(opts)
	return gw, nil
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
// enable_ipv6, cidr, outbound_addr, outbound_addr6 and port_handler. Host
// loopback is allowed unless turned off, so that host.containers.internal
// works as on the default network. Both port handlers are accepted: the
// monitor's forwarder serves either (it is Roost's rootlesskit-style one).
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
		case "cidr":
			if _, err := slirpCIDR(v); err != nil {
				return nil, false, 0, fmt.Errorf("invalid slirp4netns option %q: %w", o, err)
			}
			extra = append(extra, "--cidr="+v)
		case "outbound_addr", "outbound_addr6":
			if v == "" {
				return nil, false, 0, fmt.Errorf("invalid slirp4netns option %q: give an address or an interface name", o)
			}
			extra = append(extra, "--"+strings.ReplaceAll(k, "_", "-")+"="+v)
		case "port_handler":
			if v != "rootlesskit" && v != "slirp4netns" {
				return nil, false, 0, fmt.Errorf("invalid slirp4netns option %q: port_handler is rootlesskit or slirp4netns", o)
			}
		default:
			return nil, false, 0, fmt.Errorf("invalid slirp4netns option %q: use allow_host_loopback=, mtu=, enable_ipv6=, cidr=, outbound_addr=, outbound_addr6= or port_handler=", o)
		}
	}
	return extra, allowLoopback, mtu, nil
}

// CheckSlirpOptions checks --network slirp4netns:OPTS when the container is
// created, so bad options leave nothing behind.
func CheckSlirpOptions(opts string) error {
	_, _, _, err := slirpOptions(opts)
	return err
}

// slirpCIDR checks cidr=: an IPv4 network of at least /25, since
// slirp4netns puts the container at .100 of it.
func slirpCIDR(v string) (*net.IPNet, error) {
	ip, sn, err := net.ParseCIDR(v)
	if err != nil || ip.To4() == nil {
		return nil, errors.New("cidr takes an IPv4 network such as 10.0.2.0/24")
	}
	if ones, _ := sn.Mask.Size(); ones > 25 {
		return nil, errors.New("cidr must hold at least 128 addresses (/25 or larger)")
	}
	return sn, nil
}

// SlirpAddrs are the gateway (the host) and DNS forwarder slirp4netns gives
// a namespace with these options: .2 and .3 of cidr=, else of 10.0.2.0/24.
func SlirpAddrs(opts string) (gateway, dns string) {
	for _, o := range strings.Split(opts, ",") {
		if k, v, _ := strings.Cut(o, "="); k == "cidr" {
			if sn, err := slirpCIDR(v); err == nil {
				return hostN(sn, 2).String(), hostN(sn, 3).String()
			}
		}
	}
	return slirp.SlirpGateway, slirp.SlirpDNS
}

// SlirpGuest is the address slirp4netns gives the container: .100 of
// cidr=, else 10.0.2.100.
func SlirpGuest(opts string) string {
	gw, _ := SlirpAddrs(opts)
	ip := net.ParseIP(gw).To4()
	ip[3] += 98
	return ip.String()
}

// hostN is the n-th address of sn.
func hostN(sn *net.IPNet, n byte) net.IP {
	ip := slices.Clone(sn.IP.To4())
	ip[3] += n
	return ip
}

// PrivateUp says whether the container's own helper runs.
func (m *Manager) PrivateUp(id string) bool {
	_, alive := slirp.Read(m.privatePidFile(id))
	return alive
}
