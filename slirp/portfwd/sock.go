package portfwd

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// The forwarder speaks to sockets through x/sys and os.File, not package net:
// net links cgo's resolver into the resident monitor. A non-blocking fd in an
// os.File is served by the runtime's poller, so waiting costs no thread.

// sock is a non-blocking socket.
type sock struct {
	f      *os.File
	rc     syscall.RawConn
	closed atomic.Bool
}

func newSock(fd int) (*sock, error) {
	f := os.NewFile(uintptr(fd), "socket")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sock{f: f, rc: rc}, nil
}

// Close closes the socket; waiting reads and writes return at once.
func (s *sock) Close() error {
	s.closed.Store(true)
	return s.f.Close()
}

// isClosed says the socket was closed by us: its operations then fail with
// the poller's own "closed" error, which os does not export.
func (s *sock) isClosed() bool { return s.closed.Load() }

// read waits until op stops saying EAGAIN; op runs with the fd.
func (s *sock) read(op func(fd int) error) error {
	var opErr error
	err := s.rc.Read(func(fd uintptr) bool {
		opErr = retry(fd, op)
		return opErr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	return opErr
}

func (s *sock) write(op func(fd int) error) error {
	var opErr error
	err := s.rc.Write(func(fd uintptr) bool {
		opErr = retry(fd, op)
		return opErr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	return opErr
}

// retry repeats op while a signal interrupts it.
func retry(fd uintptr, op func(fd int) error) error {
	for {
		if err := op(int(fd)); err != unix.EINTR {
			return err
		}
	}
}

func (s *sock) control(op func(fd int) error) error {
	var opErr error
	if err := s.rc.Control(func(fd uintptr) { opErr = op(int(fd)) }); err != nil {
		return err
	}
	return opErr
}

// noDelay turns Nagle off: the forwarder passes on what it got at once, so
// small request/response exchanges are not held back a round trip.
func (s *sock) noDelay() {
	s.control(func(fd int) error { return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1) })
}

// reset makes the next close send RST instead of FIN.
func (s *sock) reset() {
	s.control(func(fd int) error {
		return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	})
}

// bindSocket makes a socket bound to ip:port (ip invalid: every address,
// IPv4 and IPv6 when the host has IPv6) and, for a stream, listening.
func bindSocket(typ int, ip netip.Addr, port uint16) (int, error) {
	fd, err := bindFamily(typ, ip, port)
	if !ip.IsValid() && errors.Is(err, unix.EAFNOSUPPORT) {
		fd, err = bindFamily(typ, netip.IPv4Unspecified(), port)
	}
	return fd, err
}

func bindFamily(typ int, ip netip.Addr, port uint16) (int, error) {
	family, sa := sockaddr(ip, port)
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	err = bindOpts(fd, typ, ip)
	if err == nil {
		err = unix.Bind(fd, sa)
	}
	if err == nil && typ == unix.SOCK_STREAM {
		err = unix.Listen(fd, unix.SOMAXCONN)
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func bindOpts(fd, typ int, ip netip.Addr) error {
	if typ == unix.SOCK_STREAM {
		// As every server does: a restarted container's port binds at once
		// even with old connections in TIME_WAIT.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return err
		}
	}
	if !ip.IsValid() || (ip.Is6() && !ip.Is4In6()) {
		v6only := 0
		if ip.IsValid() {
			v6only = 1
		}
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only)
	}
	return nil
}

func sockaddr(ip netip.Addr, port uint16) (int, unix.Sockaddr) {
	if ip.IsValid() && ip.Unmap().Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(port), Addr: ip.Unmap().As4()}
	}
	sa := &unix.SockaddrInet6{Port: int(port)}
	if ip.IsValid() {
		sa.Addr = ip.As16()
	}
	return unix.AF_INET6, sa
}

// connect finishes a non-blocking connect.
func (s *sock) connect(sa unix.Sockaddr) error {
	var err error
	s.control(func(fd int) error { err = unix.Connect(fd, sa); return nil })
	if err == nil {
		return nil
	}
	if err != unix.EINPROGRESS {
		return err
	}
	// Wait for writable; the poller may have seen that edge already (it was
	// reset before this first check), so ask the kernel each time.
	werr := s.write(func(fd int) error {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if n, err := unix.Poll(pfd, 0); err != nil || n == 0 {
			return unix.EAGAIN
		}
		n, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("connect: %w", syscall.Errno(n))
		}
		return nil
	})
	return werr
}

func sockaddrKey(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	}
	return fmt.Sprint(sa)
}
