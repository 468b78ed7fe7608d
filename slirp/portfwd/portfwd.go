// Package portfwd forwards published ports into a container's network
// namespace. It runs inside the container's monitor, which lives in the
// host's network namespace: it listens there and, for each TCP connection or
// UDP client, dials 127.0.0.1:ContainerPort from a thread placed in the
// container's namespace. No extra process per container; the kernel splices
// the bytes.
//
// The container sees connections coming from 127.0.0.1, not from the client
// (the price of dialing from inside; --network pasta keeps the source).
package portfwd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// DefaultUDPIdle is how long a UDP client's session lives without traffic.
const DefaultUDPIdle = 60 * time.Second

// Forwarder holds the listening sockets of one container's published ports
// and the connections in flight.
type Forwarder struct {
	dial    nsDialer
	udpIdle time.Duration

	tcp []*net.TCPListener
	udp []*udpForward

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen binds every port on the host side, before the container starts, so
// that a busy port stops the start with a clear error. On error nothing stays
// bound. Forwarding begins at once: connections that arrive before the
// container listens are refused (reset).
func Listen(netns string, ports []monitor.Port) (*Forwarder, error) {
	return listen(netns, ports, DefaultUDPIdle)
}

func listen(netns string, ports []monitor.Port, udpIdle time.Duration) (*Forwarder, error) {
	host, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("open the host's network namespace: %w", err)
	}
	f := &Forwarder{dial: nsDialer{path: netns, host: host}, udpIdle: udpIdle, conns: map[net.Conn]struct{}{}}
	tcp, udp, err := bindAll(ports)
	if err != nil {
		host.Close()
		return nil, err
	}
	f.tcp = tcp
	for i, c := range udp.conns {
		f.udp = append(f.udp, &udpForward{f: f, ln: c, target: target(udp.ports[i]), sessions: map[string]*udpSession{}})
	}
	tcpTargets := tcpPorts(ports)
	for i, ln := range f.tcp {
		f.wg.Add(1)
		go f.serveTCP(ln, target(tcpTargets[i]))
	}
	for _, u := range f.udp {
		f.wg.Add(1)
		go u.serve()
	}
	return f, nil
}

// Close stops listening, ends every forwarded connection and waits for the
// forwarding goroutines.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	for _, ln := range f.tcp {
		ln.Close()
	}
	for _, u := range f.udp {
		u.close()
	}
	f.wg.Wait()
	return f.dial.host.Close()
}

// track remembers a live connection so Close can end it; false once closed.
func (f *Forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

// target is where a port's traffic goes inside the container's namespace.
func target(p monitor.Port) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.ContainerPort)))
}

func proto(p monitor.Port) string {
	if p.Protocol == "" {
		return "tcp"
	}
	return p.Protocol
}

func tcpPorts(ports []monitor.Port) []monitor.Port {
	var out []monitor.Port
	for _, p := range ports {
		if proto(p) == "tcp" {
			out = append(out, p)
		}
	}
	return out
}

// isClosed tells a socket closed by Close from a real error.
func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed)
}
