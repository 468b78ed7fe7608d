package dns

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// NetNSSockets makes sockets inside the network namespace at Path: listeners
// on the gateways and connections to upstream resolvers (reached through the
// namespace's egress: slirp4netns's 10.0.2.3 forwards to the host's
// resolver).
type NetNSSockets struct {
	Path string
}

func (n NetNSSockets) ListenPacket(addr string) (pc net.PacketConn, err error) {
	err = n.do(func() error { pc, err = net.ListenPacket("udp", addr); return err })
	return pc, err
}

func (n NetNSSockets) Listen(addr string) (ln net.Listener, err error) {
	err = n.do(func() error { ln, err = net.Listen("tcp", addr); return err })
	return ln, err
}

func (n NetNSSockets) Dial(network, addr string) (c net.Conn, err error) {
	err = n.do(func() error { c, err = net.DialTimeout(network, addr, 3*time.Second); return err })
	return c, err
}

// do runs fn on a thread placed in the namespace. A socket belongs to the
// namespace it was made in, whatever thread uses it later. The thread is
// never handed back dirty: if it cannot return to its own namespace it stays
// locked and exits with its goroutine.
func (n NetNSSockets) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err, clean := n.doLocked(fn)
		if clean {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

func (n NetNSSockets) doLocked(fn func() error) (err error, clean bool) {
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return err, true
	}
	defer self.Close()
	ns, err := os.Open(n.Path)
	if err != nil {
		return fmt.Errorf("open the network namespace: %w", err), true
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("enter the network namespace %s: %w", n.Path, err), true
	}
	err = fn()
	return err, unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil
}
