package portfwd

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// testNS is a real network namespace, new and empty but for lo (up), held by
// one locked thread for the test's life. Sockets made through do live in it.
type testNS struct {
	path string
	run  chan func()
}

func newTestNS(t testing.TB) *testNS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating a network namespace needs root (run the unit tests as root)")
	}
	ns := &testNS{run: make(chan func())}
	ready := make(chan error)
	go func() {
		// Never unlocked: the thread leaves the host's namespace for good and
		// ends with this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ready <- fmt.Errorf("unshare the network namespace: %w", err)
			return
		}
		ns.path = fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		ready <- loopbackUp()
		for fn := range ns.run {
			fn()
		}
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(ns.run) })
	return ns
}

// do runs fn on the namespace's thread.
func (n *testNS) do(fn func()) {
	done := make(chan struct{})
	n.run <- func() { fn(); close(done) }
	<-done
}

// listen opens a listener on 127.0.0.1 inside the namespace.
func (n *testNS) listen(t testing.TB, network string) (ln net.Listener, pc net.PacketConn) {
	t.Helper()
	var err error
	n.do(func() {
		if network == "udp" {
			pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		} else {
			ln, err = net.Listen("tcp", "127.0.0.1:0")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ln, pc
}

// loopbackUp sets lo up in the calling thread's namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("read lo's flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}

// freePort returns a port that was free on the host's 127.0.0.1 a moment ago.
func freePort(t testing.TB, network string) uint16 {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// TestDialerNeedsALink: a forwarder for a container refuses connections
// while its namespace has nothing but lo (disconnected from every
// network), and the namespace's own loopback is not taken for a network.
func TestDialerNeedsALink(t *testing.T) {
	ns := newTestNS(t)
	ln, _ := ns.listen(t, "tcp")
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)

	d := &nsDialer{path: ns.path, done: make(chan struct{}), needLink: true}
	defer d.close()
	if s, err := d.dialContainer(unix.SOCK_STREAM, port); err != errNoLink {
		if s != nil {
			s.Close()
		}
		t.Fatalf("dial in a namespace with only lo: %v, want errNoLink", err)
	}
	plain := &nsDialer{path: ns.path, done: make(chan struct{})}
	defer plain.close()
	s, err := plain.dialContainer(unix.SOCK_STREAM, port)
	if err != nil {
		t.Fatalf("dial without needLink: %v", err)
	}
	s.Close()
}
