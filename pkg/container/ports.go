package container

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// PortMapping is one published port (-p): the monitor forwards
// HostIP:HostPort on the host to ContainerPort inside the container.
type PortMapping struct {
	HostIP        string `json:"hostIP,omitempty"`
	HostPort      uint16 `json:"hostPort"`
	ContainerPort uint16 `json:"containerPort"`
	Protocol      string `json:"protocol"` // tcp or udp
}

// ParsePorts reads -p values: [ip:][hostPort:]containerPort[/tcp|udp], where
// either port may be a range (8080-8082:80-82). A missing host port is 0: a
// free one is chosen when the container is created.
func ParsePorts(specs []string) ([]PortMapping, error) {
	var out []PortMapping
	for _, s := range specs {
		m, err := parsePort(s)
		if err != nil {
			return nil, fmt.Errorf("invalid --publish %q: %w: use [ip:][hostPort:]containerPort[/tcp|udp], e.g. 8080:80", s, err)
		}
		out = append(out, m...)
	}
	return out, nil
}

func parsePort(s string) ([]PortMapping, error) {
	body, proto, hasProto := strings.Cut(s, "/")
	if !hasProto {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return nil, fmt.Errorf("unknown protocol %q", proto)
	}
	var hostIP, hostPart, ctrPart string
	// An IPv6 host address is bracketed: [::1]:8080:80.
	if strings.HasPrefix(body, "[") {
		end := strings.Index(body, "]")
		if end < 0 {
			return nil, errors.New("unclosed [ in the host address")
		}
		hostIP, body = body[1:end], strings.TrimPrefix(body[end+1:], ":")
	}
	parts := strings.Split(body, ":")
	switch {
	case len(parts) == 1:
		ctrPart = parts[0]
	case len(parts) == 2:
		hostPart, ctrPart = parts[0], parts[1]
	case len(parts) == 3 && hostIP == "":
		hostIP, hostPart, ctrPart = parts[0], parts[1], parts[2]
	default:
		return nil, errors.New("too many colons")
	}
	if hostIP != "" && net.ParseIP(hostIP) == nil {
		return nil, fmt.Errorf("bad host address %q", hostIP)
	}
	cLo, cHi, err := portRange(ctrPart)
	if err != nil {
		return nil, err
	}
	var hLo, hHi uint16
	if hostPart != "" {
		if hLo, hHi, err = portRange(hostPart); err != nil {
			return nil, err
		}
		if hHi-hLo != cHi-cLo {
			return nil, errors.New("the host and container ranges differ in length")
		}
	}
	var out []PortMapping
	for i := 0; i <= int(cHi-cLo); i++ {
		m := PortMapping{HostIP: hostIP, ContainerPort: cLo + uint16(i), Protocol: proto}
		if hostPart != "" {
			m.HostPort = hLo + uint16(i)
		}
		out = append(out, m)
	}
	return out, nil
}

func portRange(s string) (uint16, uint16, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := portNumber(lo)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return a, a, nil
	}
	b, err := portNumber(hi)
	if err != nil {
		return 0, 0, err
	}
	if b < a {
		return 0, 0, fmt.Errorf("range %s goes backwards", s)
	}
	return a, b, nil
}

func portNumber(s string) (uint16, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("bad port %q (1-65535)", s)
	}
	return uint16(n), nil
}

// exposedPorts turns the image's EXPOSE list into mappings to free host ports (-P).
func exposedPorts(exposed map[string]struct{}) ([]PortMapping, error) {
	var keys []string
	for k := range exposed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []PortMapping
	for _, k := range keys {
		m, err := parsePort(k)
		if err != nil {
			return nil, fmt.Errorf("image EXPOSE %q: %w", k, err)
		}
		out = append(out, m...)
	}
	return out, nil
}

// completePorts adds -P's ports (not already published) and gives every
// mapping without a host port a free one.
func completePorts(ports []PortMapping, publishAll bool, exposed map[string]struct{}) ([]PortMapping, error) {
	if publishAll {
		extra, err := exposedPorts(exposed)
		if err != nil {
			return nil, err
		}
		for _, x := range extra {
			if !publishes(ports, x) {
				ports = append(ports, x)
			}
		}
	}
	for i := range ports {
		if ports[i].HostPort == 0 {
			p, err := freePort(ports[i].HostIP, ports[i].Protocol)
			if err != nil {
				return nil, err
			}
			ports[i].HostPort = p
		}
	}
	return ports, nil
}

func publishes(ports []PortMapping, x PortMapping) bool {
	for _, p := range ports {
		if p.ContainerPort == x.ContainerPort && p.Protocol == x.Protocol {
			return true
		}
	}
	return false
}

// freePort asks the kernel for a free port.
func freePort(ip, proto string) (uint16, error) {
	if proto == "udp" {
		c, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return 0, fmt.Errorf("find a free udp port: %w", err)
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free tcp port: %w", err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}

// Proto is the mapping's protocol, tcp when unset.
func (p PortMapping) Proto() string {
	if p.Protocol == "" {
		return "tcp"
	}
	return p.Protocol
}

// HostAddr is the host side as Podman prints it: 0.0.0.0 when bound to all
// addresses, IPv6 in brackets.
func (p PortMapping) HostAddr() string {
	ip := p.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return net.JoinHostPort(ip, strconv.Itoa(int(p.HostPort)))
}

// String is port's line: "80/tcp -> 0.0.0.0:8080".
func (p PortMapping) String() string {
	return fmt.Sprintf("%d/%s -> %s", p.ContainerPort, p.Proto(), p.HostAddr())
}

// PortFilter is what `port CTR PRIVATE[/PROTO]` asks for.
type PortFilter struct {
	Port     uint16
	Protocol string
}

// ParsePortFilter reads PRIVATE[/PROTO]; the protocol defaults to tcp.
func ParsePortFilter(s string) (PortFilter, error) {
	port, proto, hasProto := strings.Cut(s, "/")
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return PortFilter{}, fmt.Errorf("invalid port %q: give a container port such as 80 or 80/tcp", s)
	}
	f := PortFilter{Port: uint16(n), Protocol: "tcp"}
	if hasProto {
		switch proto {
		case "tcp", "udp", "sctp":
			f.Protocol = proto
		default:
			return PortFilter{}, fmt.Errorf("invalid protocol %q in %q: use tcp, udp or sctp", proto, s)
		}
	}
	return f, nil
}

// Match says whether a mapping is the one asked for.
func (f PortFilter) Match(p PortMapping) bool {
	return p.ContainerPort == f.Port && p.Proto() == f.Protocol
}

// Ports returns a container's published ports.
func (e *Engine) Ports(ref string) (*Container, []PortMapping, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Ports, nil
}
