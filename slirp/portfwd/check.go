package portfwd

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/monitor"
)

// BindError says why a published port cannot be bound, in one line a user can
// act on. It unwraps to the system error (EADDRINUSE, EACCES...).
type BindError struct {
	Port monitor.Port
	Err  error
	msg  string
}

func (e *BindError) Error() string { return e.msg }
func (e *BindError) Unwrap() error { return e.Err }

// Check binds every port and closes it again: the CLI's early check, so a
// busy or privileged port fails before anything is created. The monitor's
// Listen remains the real test (another program may take the port between).
func Check(ports []monitor.Port) error {
	bound, err := bindAll(ports)
	if err != nil {
		return err
	}
	closeAll(bound)
	return nil
}

// bound is one published port's host socket.
type bound struct {
	port monitor.Port
	s    *sock
}

func closeAll(b []bound) {
	for _, x := range b {
		x.s.Close()
	}
}

// bindAll binds the ports in order; on the first failure it closes what it
// bound.
func bindAll(ports []monitor.Port) ([]bound, error) {
	var out []bound
	for _, p := range ports {
		s, err := bindPort(p)
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, bound{p, s})
	}
	return out, nil
}

func bindPort(p monitor.Port) (*sock, error) {
	var ip netip.Addr
	if p.HostIP != "" {
		var err error
		if ip, err = netip.ParseAddr(p.HostIP); err != nil {
			return nil, &BindError{Port: p, Err: err,
				msg: fmt.Sprintf("invalid host IP %q for port %d: give an IPv4 or IPv6 address", p.HostIP, p.HostPort)}
		}
	}
	typ := unix.SOCK_STREAM
	switch proto(p) {
	case "tcp":
	case "udp":
		typ = unix.SOCK_DGRAM
	default:
		return nil, &BindError{Port: p, Err: errors.ErrUnsupported,
			msg: fmt.Sprintf("port %d: protocol %q cannot be published: use tcp or udp", p.HostPort, p.Protocol)}
	}
	fd, err := bindSocket(typ, ip, p.HostPort)
	if err != nil {
		return nil, bindError(p, err)
	}
	s, err := newSock(fd)
	if err != nil {
		unix.Close(fd)
		return nil, bindError(p, err)
	}
	return s, nil
}

// bindError turns a bind failure into the line the user sees.
func bindError(p monitor.Port, err error) error {
	where := p.HostIP
	if where == "" {
		where = "0.0.0.0"
	}
	name := strconv.Itoa(int(p.HostPort))
	if proto(p) != "tcp" {
		name += "/" + proto(p)
	}
	e := &BindError{Port: p, Err: err}
	switch {
	case errors.Is(err, unix.EADDRINUSE):
		e.msg = fmt.Sprintf("port %s is already in use on %s: choose another with -p", name, where)
	case errors.Is(err, unix.EACCES) && int(p.HostPort) < UnprivilegedPortStart():
		e.msg = fmt.Sprintf("port %s is below net.ipv4.ip_unprivileged_port_start (%d): publish on a higher port, or let users bind it with `sudo sysctl net.ipv4.ip_unprivileged_port_start=%d`",
			name, UnprivilegedPortStart(), p.HostPort)
	case errors.Is(err, unix.EADDRNOTAVAIL):
		e.msg = fmt.Sprintf("cannot publish port %s on %s: that address is not on this host: use one of its addresses or leave the IP out", name, where)
	default:
		e.msg = fmt.Sprintf("cannot publish port %s on %s: %v", name, where, err)
	}
	return e
}

// UnprivilegedPortStart is net.ipv4.ip_unprivileged_port_start: ports below it
// need privileges in the host's user namespace, which a rootless user lacks.
// 1024 when it cannot be read.
func UnprivilegedPortStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		return 1024
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 1024
	}
	return n
}
