package portfwd

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// nsDialer makes sockets inside a network namespace.
type nsDialer struct {
	path string   // the container's namespace file
	host *os.File // this process's own namespace, to return to
}

type socketResult struct {
	fd  int
	err error
}

// dialContainer connects to 127.0.0.1:port inside the container's namespace.
// A socket belongs to the namespace it was made in, so only socket() needs
// the namespace; connecting and copying happen on any thread.
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
	if err := s.connect(&unix.SockaddrInet4{Port: int(port), Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// socketIn makes a socket in the container's namespace. The work happens on
// a goroutine of its own, locked to its thread; a thread that could not be
// put back into the host's namespace is never unlocked, so it exits with the
// goroutine instead of returning dirty to the scheduler.
func (d *nsDialer) socketIn(typ int) (int, error) {
	ch := make(chan socketResult, 1)
	go func() {
		runtime.LockOSThread()
		fd, err, clean := d.socketLocked(typ)
		if clean {
			runtime.UnlockOSThread()
		}
		ch <- socketResult{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

// socketLocked runs on a locked thread; clean says the thread is back in the
// host's namespace.
func (d *nsDialer) socketLocked(typ int) (fd int, err error, clean bool) {
	ns, err := os.Open(d.path)
	if err != nil {
		return -1, fmt.Errorf("open the container's network namespace: %w", err), true
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return -1, fmt.Errorf("enter the container's network namespace %s: %w", d.path, err), true
	}
	fd, err = unix.Socket(unix.AF_INET, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if backErr := unix.Setns(int(d.host.Fd()), unix.CLONE_NEWNET); backErr != nil {
		return fd, err, false
	}
	return fd, err, true
}

// openHostNS opens the namespace the forwarder's threads return to.
func openHostNS() (*os.File, error) {
	host, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("open the host's network namespace: %w", err)
	}
	return host, nil
}
