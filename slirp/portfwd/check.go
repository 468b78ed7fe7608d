package portfwd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/roost-containers/roost/pkg/monitor"
)

// BindError says why a published port cannot be bound, in one line a user can
// act on. It unwraps to the system error (syscall.EADDRINUSE, EACCES...).
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
	tcp, udp, err := bindAll(ports)
	if err != nil {
		return err
	}
	for _, ln := range tcp {
		ln.Close()
	}
	udp.close()
	return nil
}

// boundUDP are UDP sockets with the ports they serve.
type boundUDP struct {
	conns []*net.UDPConn
	ports []monitor.Port
}

func (b boundUDP) close() {
	for _, c := range b.conns {
		c.Close()
	}
}

// bindAll binds the ports in order (TCP listeners in the order of the TCP
// ports); on the first failure it closes what it bound.
func bindAll(ports []monitor.Port) (tcp []*net.TCPListener, udp boundUDP, err error) {
	defer func() {
		if err != nil {
			for _, ln := range tcp {
				ln.Close()
			}
			udp.close()
			tcp, udp = nil, boundUDP{}
		}
	}()
	for _, p := range ports {
		addr := net.JoinHostPort(p.HostIP, strconv.Itoa(int(p.HostPort)))
		switch proto(p) {
		case "tcp":
			ln, lerr := net.Listen("tcp", addr)
			if lerr != nil {
				return tcp, udp, bindError(p, lerr)
			}
			tcp = append(tcp, ln.(*net.TCPListener))
		case "udp":
			c, lerr := net.ListenPacket("udp", addr)
			if lerr != nil {
				return tcp, udp, bindError(p, lerr)
			}
			udp.conns = append(udp.conns, c.(*net.UDPConn))
			udp.ports = append(udp.ports, p)
		default:
			return tcp, udp, &BindError{Port: p, Err: errors.ErrUnsupported,
				msg: fmt.Sprintf("port %d: protocol %q cannot be published: use tcp or udp", p.HostPort, p.Protocol)}
		}
	}
	return tcp, udp, nil
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
	case errors.Is(err, syscall.EADDRINUSE):
		e.msg = fmt.Sprintf("port %s is already in use on %s: choose another with -p", name, where)
	case errors.Is(err, syscall.EACCES) && int(p.HostPort) < UnprivilegedPortStart():
		e.msg = fmt.Sprintf("port %s is below net.ipv4.ip_unprivileged_port_start (%d): publish on a higher port, or let users bind it with `sudo sysctl net.ipv4.ip_unprivileged_port_start=%d`",
			name, UnprivilegedPortStart(), p.HostPort)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
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
