package container

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// PortMapping is one published port: HostIP:HostPort on the host forwards to
// ContainerPort inside. Networking fills the record's list; port reads it.
type PortMapping struct {
	HostIP        string `json:"hostIP,omitempty"`
	HostPort      uint16 `json:"hostPort"`
	ContainerPort uint16 `json:"containerPort"`
	Protocol      string `json:"protocol"` // tcp, udp or sctp
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
	return c, c.Run.PortMappings, nil
}
