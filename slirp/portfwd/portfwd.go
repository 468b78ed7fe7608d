// Package portfwd forwards published ports into a container's network
// namespace. It runs inside the container's monitor, which lives in the
// host's network namespace: it listens there and, for each TCP connection or
// UDP client, connects to 127.0.0.1:ContainerPort with a socket made by a
// thread placed in the container's namespace. No extra process per
// container; the kernel splices the bytes.
//
// The container sees connections coming from 127.0.0.1, not from the client
// (the price of dialing from inside; --network pasta keeps the source).
package portfwd

import (
	"sync"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// DefaultUDPIdle is how long a UDP client's session lives without traffic.
const DefaultUDPIdle = 60 * time.Second

// Forwarder holds the listening sockets of one container's published ports
// and the connections in flight.
type Forwarder struct {
	dial    *nsDialer
	udpIdle time.Duration

	tcp []*sock
	udp []*udpForward

	mu     sync.Mutex
	conns  map[*sock]struct{}
	active int // TCP connections in flight
	closed bool
	wg     sync.WaitGroup

	// busy, if set, is told when the first connection begins and when the
	// last one ends (the monitor gives its runtime a second P meanwhile).
	busy func(bool)
}

// Listen binds every port on the host side, before the container starts, so
// that a busy port stops the start with a clear error (a *BindError). On
// error nothing stays bound. Forwarding begins at once: connections that
// arrive before the container listens are refused (reset), and so are
// those that arrive while the container has no network: a container
// disconnected from its last network is out of reach, as with Podman.
// busy (may be nil) hears when forwarding begins and ends, see Forwarder.
func Listen(netns string, ports []monitor.Port, busy func(bool)) (*Forwarder, error) {
	f, err := listen(netns, ports, DefaultUDPIdle, busy)
	if f != nil {
		f.dial.needLink = true
	}
	return f, err
}

func listen(netns string, ports []monitor.Port, udpIdle time.Duration, busy func(bool)) (*Forwarder, error) {
	bound, err := bindAll(ports)
	if err != nil {
		return nil, err
	}
	f := &Forwarder{dial: &nsDialer{path: netns, done: make(chan struct{})}, udpIdle: udpIdle, conns: map[*sock]struct{}{}, busy: busy}
	for _, b := range bound {
		f.wg.Add(1)
		if proto(b.port) == "tcp" {
			f.tcp = append(f.tcp, b.s)
			go f.serveTCP(b.s, b.port.ContainerPort)
			continue
		}
		u := &udpForward{f: f, ln: b.s, port: b.port.ContainerPort, sessions: map[string]*udpSession{}}
		f.udp = append(f.udp, u)
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
	f.dial.close()
	return nil
}

// track remembers a live connection's sockets so Close can end them;
// false once closed.
func (f *Forwarder) track(socks ...*sock) bool {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return false
	}
	for _, s := range socks {
		f.conns[s] = struct{}{}
	}
	f.active++
	first := f.active == 1
	f.mu.Unlock()
	if first && f.busy != nil {
		f.busy(true)
	}
	return true
}

// untrack forgets a connection track remembered.
func (f *Forwarder) untrack(socks ...*sock) {
	f.mu.Lock()
	for _, s := range socks {
		delete(f.conns, s)
	}
	f.active--
	last := f.active == 0
	f.mu.Unlock()
	if last && f.busy != nil {
		f.busy(false)
	}
}

func proto(p monitor.Port) string {
	if p.Protocol == "" {
		return "tcp"
	}
	return p.Protocol
}
