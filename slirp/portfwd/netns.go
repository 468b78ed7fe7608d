package portfwd

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// nsDialer makes sockets inside a network namespace. A socket belongs to the
// namespace it was made in, so only socket() needs the namespace; connecting
// and copying happen on any thread. One goroutine, locked to a thread that
// entered the namespace once, makes every socket: a connection then costs a
// channel round trip, not an open and two setns calls.
type nsDialer struct {
	path string // the container's namespace file
	// needLink refuses sockets while the namespace has no interface but
	// lo: the container was disconnected from every network.
	needLink bool

	once  sync.Once
	reqs  chan socketReq
	done  chan struct{}
	start error // why the namespace thread could not start
}

type socketReq struct {
	typ   int
	reply chan socketResult
}

type socketResult struct {
	fd  int
	err error
}

var (
	errDialerClosed = errors.New("the forwarder is closed")
	errNoLink       = errors.New("the container is connected to no network")
)

// dialContainer connects to 127.0.0.1:port inside the container's namespace.
func (d *nsDialer) dialContainer(typ int, port uint16) (*sock, error) {
	fd, err := d.socketIn(typ)
	if err != nil {
		return nil, err
	}
	s, err := newSock(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	if typ == unix.SOCK_STREAM {
		s.noDelay()
	}
	if err := s.connect(&unix.SockaddrInet4{Port: int(port), Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// socketIn asks the namespace thread for a socket, starting it on first use.
func (d *nsDialer) socketIn(typ int) (int, error) {
	d.once.Do(d.startThread)
	if d.start != nil {
		return -1, d.start
	}
	reply := make(chan socketResult, 1)
	select {
	case d.reqs <- socketReq{typ, reply}:
	case <-d.done:
		return -1, errDialerClosed
	}
	r := <-reply
	return r.fd, r.err
}

// startThread starts the goroutine that lives in the container's namespace
// and waits until it is there (or says why it cannot be).
func (d *nsDialer) startThread() {
	d.reqs = make(chan socketReq)
	if d.done == nil {
		d.done = make(chan struct{})
	}
	ready := make(chan error, 1)
	go d.thread(ready)
	d.start = <-ready
}

// thread enters the namespace for good: it is never unlocked, so when it
// returns (close) the runtime ends the thread instead of reusing it in the
// wrong namespace.
func (d *nsDialer) thread(ready chan<- error) {
	runtime.LockOSThread()
	ns, err := os.Open(d.path)
	if err != nil {
		runtime.UnlockOSThread()
		ready <- fmt.Errorf("open the container's network namespace: %w", err)
		return
	}
	err = unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET)
	ns.Close()
	if err != nil {
		ready <- fmt.Errorf("enter the container's network namespace %s: %w", d.path, err)
		return // the thread may be half-changed: let it die
	}
	ready <- nil
	for {
		select {
		case r := <-d.reqs:
			if d.needLink && !hasLink() {
				r.reply <- socketResult{-1, errNoLink}
				continue
			}
			fd, err := unix.Socket(unix.AF_INET, r.typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			r.reply <- socketResult{fd, err}
		case <-d.done:
			return
		}
	}
}

// close ends the namespace thread; later dials fail.
func (d *nsDialer) close() {
	d.once.Do(func() { d.start = errDialerClosed })
	if d.done != nil {
		select {
		case <-d.done:
		default:
			close(d.done)
		}
	}
}

// hasLink says whether the calling thread's network namespace has an
// interface other than lo, from /proc/thread-self/net/dev (the thread's
// namespace, not the process's): one small read per connection.
func hasLink() bool {
	b, err := os.ReadFile("/proc/thread-self/net/dev")
	if err != nil {
		return true // cannot tell: forward as before
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, _, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(name) != "lo" {
			return true
		}
	}
	return false
}
