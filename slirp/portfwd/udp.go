package portfwd

import (
	"errors"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// udpForward serves one published UDP port: a session per client address,
// each with its own socket in the container's namespace, so replies find
// their way back.
type udpForward struct {
	f    *Forwarder
	ln   *sock
	port uint16

	mu       sync.Mutex
	sessions map[string]*udpSession
	closed   bool
}

type udpSession struct {
	client unix.Sockaddr
	conn   *sock
	mu     sync.Mutex
	last   time.Time
}

func (u *udpForward) serve() {
	defer u.f.wg.Done()
	buf := make([]byte, 65535)
	for {
		var n int
		var from unix.Sockaddr
		err := u.ln.read(func(fd int) (err error) {
			n, from, err = unix.Recvfrom(fd, buf, 0)
			return err
		})
		if u.ln.isClosed() {
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
		// A datagram that does not fit the socket's buffer is dropped, as a
		// network would; waiting would stall every other client.
		s.conn.control(func(fd int) error { _, err := unix.Write(fd, buf[:n]); return err })
	}
}

// session finds or makes the client's session.
func (u *udpForward) session(from unix.Sockaddr) (*udpSession, error) {
	key := sockaddrKey(from)
	u.mu.Lock()
	s := u.sessions[key]
	u.mu.Unlock()
	if s != nil {
		return s, nil
	}
	conn, err := u.f.dial.dialContainer(unix.SOCK_DGRAM, u.port)
	if err != nil {
		return nil, err
	}
	s = &udpSession{client: from, conn: conn}
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		conn.Close()
		return nil, os.ErrClosed
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
		s.conn.f.SetReadDeadline(time.Now().Add(u.f.udpIdle))
		var n int
		err := s.conn.read(func(fd int) (err error) {
			n, err = unix.Read(fd, buf)
			return err
		})
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			if s.idle() >= u.f.udpIdle {
				return
			}
			continue
		case errors.Is(err, unix.ECONNREFUSED):
			continue // nothing listens yet in the container: the client may retry
		case err != nil:
			return
		}
		s.touch()
		err = u.ln.control(func(fd int) error { return unix.Sendto(fd, buf[:n], 0, s.client) })
		if err != nil && u.ln.isClosed() {
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
