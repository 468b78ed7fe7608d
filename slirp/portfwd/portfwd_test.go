package portfwd

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

func portOf(a net.Addr) uint16 {
	switch a := a.(type) {
	case *net.TCPAddr:
		return uint16(a.Port)
	case *net.UDPAddr:
		return uint16(a.Port)
	}
	panic("unexpected address")
}

func hostAddr(p uint16) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p))) }

// serveTCP runs handle for every connection to ln until the test ends.
func serveTCP(t testing.TB, ln net.Listener, handle func(net.Conn)) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

func echo(c net.Conn) { io.Copy(c, c) }

func forward(t testing.TB, ns *testNS, ports ...monitor.Port) *Forwarder {
	t.Helper()
	f, err := listen(ns.path, ports, DefaultUDPIdle, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestTCPEchoInsideNamespace: bytes go to the server in the container's
// namespace, not to the one that holds the same port on the host.
func TestTCPEchoInsideNamespace(t *testing.T) {
	ns := newTestNS(t)
	ln, _ := ns.listen(t, "tcp")
	serveTCP(t, ln, echo)
	inner := portOf(ln.Addr())
	if decoy, err := net.Listen("tcp", hostAddr(inner)); err == nil {
		serveTCP(t, decoy, func(c net.Conn) { io.WriteString(c, "the host's server, not the container's\n") })
	}
	host := freePort(t, "tcp")
	forward(t, ns, monitor.Port{HostIP: "127.0.0.1", HostPort: host, ContainerPort: inner})

	c, err := net.Dial("tcp", hostAddr(host))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		msg := fmt.Sprintf("hello %d\n", i)
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if string(got) != msg {
			t.Fatalf("echo %q, want %q", got, msg)
		}
	}
}

// TestTCPHalfClose: the client ends its side and still reads the answer
// that the server sends only after it saw the end.
func TestTCPHalfClose(t *testing.T) {
	ns := newTestNS(t)
	ln, _ := ns.listen(t, "tcp")
	serveTCP(t, ln, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		fmt.Fprintf(c, "read %d bytes", n)
	})
	host := freePort(t, "tcp")
	forward(t, ns, monitor.Port{HostIP: "127.0.0.1", HostPort: host, ContainerPort: portOf(ln.Addr())})

	c, err := net.Dial("tcp", hostAddr(host))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	payload := bytes.Repeat([]byte("x"), 1<<20)
	if _, err := c.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("read %d bytes", len(payload)); string(got) != want {
		t.Fatalf("answer %q, want %q", got, want)
	}
}

// TestTCPManyConnections: 100 clients at once, each with its own data.
func TestTCPManyConnections(t *testing.T) {
	ns := newTestNS(t)
	ln, _ := ns.listen(t, "tcp")
	serveTCP(t, ln, echo)
	host := freePort(t, "tcp")
	forward(t, ns, monitor.Port{HostIP: "127.0.0.1", HostPort: host, ContainerPort: portOf(ln.Addr())})

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- echoRoundTrip(hostAddr(host), 64<<10)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func echoRoundTrip(addr string, size int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	data := make([]byte, size)
	rand.Read(data)
	go func() {
		c.Write(data)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("echoed %d bytes, not the %d sent", len(got), len(data))
	}
	return nil
}

// TestTCPRefused: nothing listens in the container: the client is cut off
// at once instead of hanging.
func TestTCPRefused(t *testing.T) {
	ns := newTestNS(t)
	ln, _ := ns.listen(t, "tcp")
	inner := portOf(ln.Addr())
	ln.Close()
	host := freePort(t, "tcp")
	forward(t, ns, monitor.Port{HostIP: "127.0.0.1", HostPort: host, ContainerPort: inner})

	c, err := net.Dial("tcp", hostAddr(host))
	if errors.Is(err, syscall.ECONNRESET) {
		return // the reset came before the handshake was seen through
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := c.Read(make([]byte, 1))
	if n != 0 || err == nil || errors.Is(err, syscall.ETIMEDOUT) || isTimeout(err) {
		t.Fatalf("read from a refused forward: %d bytes, %v; want the connection closed", n, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestUDPEchoPerClient: each client gets its own replies.
func TestUDPEchoPerClient(t *testing.T) {
	ns := newTestNS(t)
	_, pc := ns.listen(t, "udp")
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(append([]byte("echo "), buf[:n]...), from)
		}
	}()
	host := freePort(t, "udp")
	f := forward(t, ns, monitor.Port{HostIP: "127.0.0.1", HostPort: host, ContainerPort: portOf(pc.LocalAddr()), Protocol: "udp"})

	for i := 0; i < 3; i++ {
		c, err := net.Dial("udp", hostAddr(host))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		msg := fmt.Sprintf("client %d", i)
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 2048)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(buf[:n]); got != "echo "+msg {
			t.Fatalf("client %d got %q", i, got)
		}
	}
	if n := f.udp[0].count(); n != 3 {
		t.Fatalf("%d UDP sessions, want one per client (3)", n)
	}
}

func (u *udpForward) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.sessions)
}

// TestUDPSessionsExpire: an idle client's session and its socket go away.
func TestUDPSessionsExpire(t *testing.T) {
	ns := newTestNS(t)
	_, pc := ns.listen(t, "udp")
	t.Cleanup(func() { pc.Close() })
	host := freePort(t, "udp")
	f, err := listen(ns.path, []monitor.Port{{HostIP: "127.0.0.1", HostPort: host, ContainerPort: portOf(pc.LocalAddr()), Protocol: "udp"}}, 100*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := net.Dial("udp", hostAddr(host))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := pc.ReadFrom(make([]byte, 64)); err != nil {
		t.Fatalf("the datagram did not arrive in the namespace: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for f.udp[0].count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle UDP session was never removed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBusyPort: the error names the port and what to do, and the ports bound
// before the busy one are released.
func TestBusyPort(t *testing.T) {
	ns := newTestNS(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	first := freePort(t, "tcp")
	busyPort := portOf(busy.Addr())
	ports := []monitor.Port{
		{HostIP: "127.0.0.1", HostPort: first, ContainerPort: 80},
		{HostIP: "127.0.0.1", HostPort: busyPort, ContainerPort: 81},
	}
	for _, try := range []func() error{
		func() error { _, err := Listen(ns.path, ports, nil); return err },
		func() error { return Check(ports) },
	} {
		err := try()
		want := fmt.Sprintf("port %d is already in use on 127.0.0.1: choose another with -p", busyPort)
		if err == nil || err.Error() != want {
			t.Fatalf("error %v, want %q", err, want)
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("%v does not unwrap to EADDRINUSE", err)
		}
		ln, err := net.Listen("tcp", hostAddr(first))
		if err != nil {
			t.Fatalf("the port bound before the failure stayed bound: %v", err)
		}
		ln.Close()
	}
	if err := Check(ports[:1]); err != nil {
		t.Fatalf("Check of a free port: %v", err)
	}
}

// TestBusyWildcard: the default host address is all of them.
func TestBusyWildcard(t *testing.T) {
	busy, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	p := portOf(busy.Addr())
	err = Check([]monitor.Port{{HostPort: p, ContainerPort: 80}, {HostPort: p, ContainerPort: 80, Protocol: "udp"}})
	want := fmt.Sprintf("port %d is already in use on 0.0.0.0: choose another with -p", p)
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestBindErrorLines(t *testing.T) {
	start := UnprivilegedPortStart()
	if start > 80 {
		err := bindError(monitor.Port{HostPort: 80, ContainerPort: 80}, syscall.EACCES)
		want := fmt.Sprintf("port 80 is below net.ipv4.ip_unprivileged_port_start (%d): publish on a higher port, or let users bind it with `sudo sysctl net.ipv4.ip_unprivileged_port_start=80`", start)
		if err.Error() != want {
			t.Fatalf("got %q, want %q", err, want)
		}
	}
	err := bindError(monitor.Port{HostIP: "10.9.9.9", HostPort: 5353, Protocol: "udp"}, syscall.EADDRNOTAVAIL)
	if want := "cannot publish port 5353/udp on 10.9.9.9: that address is not on this host: use one of its addresses or leave the IP out"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	err = Check([]monitor.Port{{HostPort: 1, Protocol: "sctp"}})
	if err == nil || err.Error() != `port 1: protocol "sctp" cannot be published: use tcp or udp` {
		t.Fatalf("sctp: %v", err)
	}
}

// TestCloseEndsConnections: stopping the forwarder cuts live connections and
// returns.
func TestCloseEndsConnections(t *testing.T) {
	ns := newTestNS(t)
	ln, _ := ns.listen(t, "tcp")
	serveTCP(t, ln, echo)
	host := freePort(t, "tcp")
	f, err := listen(ns.path, []monitor.Port{{HostIP: "127.0.0.1", HostPort: host, ContainerPort: portOf(ln.Addr())}}, DefaultUDPIdle, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", hostAddr(host))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("read after Close: %v, want the connection ended", err)
	}
	if _, err := net.Dial("tcp", hostAddr(host)); err == nil {
		t.Fatal("the port still accepts after Close")
	}
}
