package dns

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// Server answers for the networks in Dir. Its sockets are made through
// Sockets, so that they belong to the shared network namespace.
type Server struct {
	Dir       string   // the records directory
	Port      int      // 53 in production
	Upstreams []string // host:port of upstream resolvers, tried in order
	Sockets   Sockets
	Logf      func(format string, args ...any)
	// OnEmpty is called when no records remain; it returns true if the
	// server should stop (Ensure's lock says no one is starting a member).
	OnEmpty func(stillEmpty func() bool) bool

	mu        sync.Mutex
	recs      map[string]Records
	recsSig   string               // recordsSignature of what recs was read from
	listeners map[string]*listener // by gateway
}

// Sockets makes the server's sockets (in a network namespace, say).
type Sockets interface {
	ListenPacket(addr string) (net.PacketConn, error)
	Listen(addr string) (net.Listener, error)
	Dial(network, addr string) (net.Conn, error)
}

// listener is one gateway's UDP and TCP servers.
type listener struct {
	udp, tcp *dns.Server
}

// recheck is how often the directory is read even without a change event:
// it retries gateways that could not be bound yet.
const recheck = 5 * time.Second

// bindRetry is how soon a gateway that could not be bound is tried again.
const bindRetry = 50 * time.Millisecond

// listening says whether every gateway with names has its listener.
func (s *Server) listening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recs {
		if r.Gateway != "" && len(r.Names) > 0 && s.listeners[r.Gateway] == nil {
			return false
		}
	}
	return true
}

// Run serves until no records remain (or ctx ends); ready is called once,
// after the first load, with nil or the reason the server cannot run.
func (s *Server) Run(ctx context.Context, ready func(error)) error {
	if s.listeners == nil {
		s.listeners = map[string]*listener{}
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		ready(err)
		return err
	}
	watch, err := watchDir(s.Dir)
	if err != nil {
		ready(err)
		return err
	}
	defer watch.Close()
	stop := context.AfterFunc(ctx, func() { watch.Close() }) // ends the wait below
	defer stop()
	s.reload()
	ready(nil)
	defer s.stopAll()
	for ctx.Err() == nil {
		if s.count() == 0 && (s.OnEmpty == nil || s.OnEmpty(func() bool { s.reload(); return s.count() == 0 })) {
			return nil
		}
		wait := recheck
		if !s.listening() {
			// A gateway could not be bound yet, typically because the
			// responder that just exited still holds port 53: retry soon,
			// or names would not resolve for a whole recheck period.
			wait = bindRetry
		}
		waitChange(watch, wait)
		s.reload()
	}
	return nil
}

func (s *Server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return members(s.recs)
}

// reload reads the records and makes the listeners match the gateways.
func (s *Server) reload() {
	sig := recordsSignature(s.Dir)
	recs := loadRecords(s.Dir, s.logf)
	want := map[string]bool{}
	for _, r := range recs {
		if r.Gateway != "" && len(r.Names) > 0 {
			want[r.Gateway] = true
		}
	}
	s.mu.Lock()
	s.recs, s.recsSig = recs, sig
	var stop []*listener
	for gw, l := range s.listeners {
		if !want[gw] {
			stop = append(stop, l)
			delete(s.listeners, gw)
		}
	}
	s.mu.Unlock()
	for _, l := range stop {
		l.stop()
	}
	for gw := range want {
		s.mu.Lock()
		_, have := s.listeners[gw]
		s.mu.Unlock()
		if have {
			continue
		}
		l, err := s.listen(gw)
		if err != nil {
			s.logf("listening on %s: %v (retrying)", gw, err)
			continue
		}
		s.mu.Lock()
		s.listeners[gw] = l
		s.mu.Unlock()
	}
}

func (s *Server) listen(gateway string) (*listener, error) {
	addr := net.JoinHostPort(gateway, strconv.Itoa(s.Port))
	pc, err := s.Sockets.ListenPacket(addr)
	if err != nil {
		return nil, err
	}
	ln, err := s.Sockets.Listen(addr)
	if err != nil {
		pc.Close()
		return nil, err
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) { s.serve(w, req, gateway) })
	l := &listener{udp: &dns.Server{PacketConn: pc, Handler: h}, tcp: &dns.Server{Listener: ln, Handler: h}}
	for _, srv := range []*dns.Server{l.udp, l.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
	}
	return l, nil
}

func (l *listener) stop() {
	l.udp.Shutdown()
	l.tcp.Shutdown()
}

func (s *Server) stopAll() {
	s.mu.Lock()
	ls := s.listeners
	s.listeners = map[string]*listener{}
	s.mu.Unlock()
	for _, l := range ls {
		l.stop()
	}
}

// serve answers one question that arrived on gateway's address.
func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg, gateway string) {
	recs := s.current()
	reply := answer(recs, gateway, req)
	if reply == nil {
		reply = s.forward(req, w.LocalAddr().Network())
	}
	w.WriteMsg(reply)
}

// current returns the records as the files are now. The inotify reload
// comes a moment after a file changes; a question asked in that moment (a
// name looked up right after `compose up` returned) must not get the old
// answer, so a changed directory is read here first.
func (s *Server) current() map[string]Records {
	sig := recordsSignature(s.Dir)
	s.mu.Lock()
	defer s.mu.Unlock()
	if sig != s.recsSig {
		s.recs, s.recsSig = loadRecords(s.Dir, s.logf), sig
	}
	return s.recs
}

// forward asks the upstream resolvers in turn, over the protocol the
// question came by; SERVFAIL when none answers.
func (s *Server) forward(req *dns.Msg, network string) *dns.Msg {
	proto := "udp"
	if network == "tcp" {
		proto = "tcp"
	}
	c := &dns.Client{Net: proto, Timeout: 3 * time.Second}
	for _, up := range s.Upstreams {
		conn, err := s.Sockets.Dial(proto, up)
		if err != nil {
			s.logf("upstream %s: %v", up, err)
			continue
		}
		reply, _, err := c.ExchangeWithConn(req, &dns.Conn{Conn: conn})
		conn.Close()
		if err == nil {
			return reply
		}
		s.logf("upstream %s: %v", up, err)
	}
	m := new(dns.Msg)
	return m.SetRcode(req, dns.RcodeServerFailure)
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// watchDir reports changes to the records directory (inotify).
func watchDir(dir string) (*os.File, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	const mask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_CLOSE_WRITE
	if _, err := unix.InotifyAddWatch(fd, dir, mask); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	return os.NewFile(uintptr(fd), "inotify"), nil
}

// waitChange returns after a change in the directory or after max.
func waitChange(watch *os.File, max time.Duration) {
	buf := make([]byte, 4096)
	watch.SetReadDeadline(time.Now().Add(max))
	if _, err := watch.Read(buf); err != nil {
		return
	}
	// Changes come in bursts (temp file, rename): take them together.
	watch.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	for {
		if _, err := watch.Read(buf); err != nil {
			return
		}
	}
}

// HostSockets makes sockets in the calling process's own namespace (tests,
// rootful set-ups).
type HostSockets struct{}

func (HostSockets) ListenPacket(addr string) (net.PacketConn, error) {
	return net.ListenPacket("udp", addr)
}
func (HostSockets) Listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
func (HostSockets) Dial(network, addr string) (net.Conn, error) {
	return net.DialTimeout(network, addr, 3*time.Second)
}
