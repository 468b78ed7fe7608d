package portfwd

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// udpForward serves one published UDP port: a session per client address,
// each with its own socket in the container's namespace, so replies find
// their way back.
type udpForward struct {
	f      *Forwarder
	ln     *net.UDPConn
	target string

	mu       sync.Mutex
	sessions map[string]*udpSession
	closed   bool
}

type udpSession struct {
	client netip.AddrPort
	conn   *net.UDPConn
	mu     sync.Mutex
	last   time.Time
}

func (u *udpForward) serve() {
	defer u.f.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, from, err := u.ln.ReadFromUDPAddrPort(buf)
		if isClosed(err) {
			return
		}
		if err != nil {
			continue
		}
		s, err := u.session(from)
		if err != nil {
			continue // the container's namespace is gone: drop, as a network would
		}
		s.touch()
		s.conn.Write(buf[:n])
	}
}

// session finds or makes the client's session.
func (u *udpForward) session(from netip.AddrPort) (*udpSession, error) {
	key := from.String()
	u.mu.Lock()
	s := u.sessions[key]
	u.mu.Unlock()
	if s != nil {
		return s, nil
	}
	conn, err := u.f.dial.dialContainer("udp", u.target)
	if err != nil {
		return nil, err
	}
	s = &udpSession{client: from, conn: conn.(*net.UDPConn)}
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		conn.Close()
		return nil, net.ErrClosed
	}
	u.sessions[key] = s
	u.mu.Unlock()
	u.f.wg.Add(1)
	go u.replies(key, s)
	return s, nil
}

// replies sends the container's answers back to the client until the
// session has been idle for the forwarder's timeout.
func (u *udpForward) replies(key string, s *udpSession) {
	defer u.f.wg.Done()
	defer func() {
		u.mu.Lock()
		if u.sessions[key] == s {
			delete(u.sessions, key)
		}
		u.mu.Unlock()
		s.conn.Close()
	}()
	buf := make([]byte, 65535)
	for {
		s.conn.SetReadDeadline(time.Now().Add(u.f.udpIdle))
		n, err := s.conn.Read(buf)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			if s.idle() >= u.f.udpIdle {
				return
			}
			continue
		case errors.Is(err, syscall.ECONNREFUSED):
			continue // nothing listens yet in the container: the client may retry
		case err != nil:
			return
		}
		s.touch()
		if _, err := u.ln.WriteToUDPAddrPort(buf[:n], s.client); isClosed(err) {
			return
		}
	}
}

func (s *udpSession) touch() {
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
}

func (s *udpSession) idle() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.last)
}

// close stops the port and ends its sessions.
func (u *udpForward) close() {
	u.ln.Close()
	u.mu.Lock()
	u.closed = true
	for _, s := range u.sessions {
		s.conn.Close()
	}
	u.mu.Unlock()
}
