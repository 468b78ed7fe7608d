package portfwd

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// nsDialer dials from inside a network namespace.
type nsDialer struct {
	path string   // the container's namespace file
	host *os.File // this process's own namespace, to return to
}

type dialResult struct {
	conn net.Conn
	err  error
}

// dialContainer connects to addr from inside the container's namespace. The
// work happens on a goroutine of its own, locked to its thread: the socket is
// made in the namespace the thread is in, and a thread that could not be put
// back into the host's namespace is never unlocked, so it exits with the
// goroutine instead of returning dirty to the scheduler.
func (d *nsDialer) dialContainer(network, addr string) (net.Conn, error) {
	ch := make(chan dialResult, 1)
	go func() {
		runtime.LockOSThread()
		conn, err, clean := d.dialLocked(network, addr)
		if clean {
			runtime.UnlockOSThread()
		}
		ch <- dialResult{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}

// dialLocked runs on a locked thread; clean says the thread is back in the
// host's namespace.
func (d *nsDialer) dialLocked(network, addr string) (net.Conn, error, bool) {
	ns, err := os.Open(d.path)
	if err != nil {
		return nil, fmt.Errorf("open the container's network namespace: %w", err), true
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("enter the container's network namespace %s: %w", d.path, err), true
	}
	dialer := net.Dialer{Timeout: 10 * time.Second}
	conn, err := dialer.Dial(network, addr)
	if backErr := unix.Setns(int(d.host.Fd()), unix.CLONE_NEWNET); backErr != nil {
		return conn, err, false
	}
	return conn, err, true
}
