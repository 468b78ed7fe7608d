package main

import (
	"os"
	"sync"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// hub serves the attach socket: it fans the container's output out to
// attached clients and passes their input, window sizes and stop requests on.
type hub struct {
	l *monitor.Listener

	mu      sync.Mutex
	clients map[*client]struct{}
	io      *stdio // the current run's streams; nil between runs
	stdin   bool   // forward client input (cfg.Stdin)

	stdinMu sync.Mutex // serialises writes to the container's stdin

	stopped  chan struct{} // closed at the first stop request
	stopOnce sync.Once
	attached chan struct{} // one token per attach, for WaitAttach

	// finishers are the sessions of clients that finish the exit themselves
	// (monitor.AttachFinishes), kept open after an exit for awaitFinished.
	finishers []*client
}

// client is one attached connection with its own writer goroutine, so a slow
// reader holds up the container's output for at most slowClient.
type client struct {
	conn *os.File
	out  chan []byte // whole frames
	gone chan struct{}
	once sync.Once
	// flush asks writeLoop to write what is queued and end; written is
	// closed when it has ended.
	flush, written chan struct{}

	finishes     bool          // attached with monitor.AttachFinishes
	finished     chan struct{} // closed at its FrameFinished
	finishedOnce sync.Once
	ended        chan struct{} // closed when its connection is read to the end
}

const slowClient = 5 * time.Second

func newHub(stdin bool) (*hub, error) {
	l, err := monitor.Listen(monitor.AttachSocket)
	if err != nil {
		return nil, err
	}
	h := &hub{l: l, clients: map[*client]struct{}{}, stdin: stdin,
		stopped: make(chan struct{}), attached: make(chan struct{}, 1)}
	go h.accept()
	return h, nil
}

func (h *hub) accept() {
	for {
		conn, err := h.l.Accept()
		if err != nil {
			return
		}
		go h.serve(conn)
	}
}

// serve reads one connection's frames until it closes.
func (h *hub) serve(conn *os.File) {
	var c *client
	defer func() {
		if c != nil {
			h.drop(c)
			close(c.ended)
		}
		conn.Close()
	}()
	buf := make([]byte, 4096)
	for {
		typ, p, err := monitor.ReadFrame(conn, buf)
		if err != nil {
			return
		}
		switch typ {
		case monitor.FrameAttach:
			if c == nil {
				c = h.add(conn, string(p) == monitor.AttachFinishes)
			}
		case monitor.FrameFinished:
			if c != nil && c.finishes {
				c.finishedOnce.Do(func() { close(c.finished) })
			}
		case monitor.FrameStdin:
			h.writeStdin(p)
		case monitor.FrameCloseStdin:
			h.closeStdin()
		case monitor.FrameResize:
			if rows, cols, ok := monitor.ParseResize(p); ok {
				h.resize(rows, cols)
			}
		case monitor.FrameStop:
			if c == nil && string(p) == monitor.AttachFinishes {
				c = h.addStopper(conn)
			}
			h.requestStop()
			monitor.WriteFrame(conn, monitor.FrameAck, nil)
		}
	}
}

func (h *hub) add(conn *os.File, finishes bool) *client {
	c := &client{conn: conn, out: make(chan []byte, 16), gone: make(chan struct{}),
		flush: make(chan struct{}), written: make(chan struct{}),
		finishes: finishes, finished: make(chan struct{}), ended: make(chan struct{})}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	go c.writeLoop()
	select {
	case h.attached <- struct{}{}:
	default:
	}
	return c
}

// addStopper registers a stop or rm -f that finishes the exit itself
// (monitor.StopFinishing): a finisher from the start, which gets no output.
func (h *hub) addStopper(conn *os.File) *client {
	c := &client{conn: conn, gone: make(chan struct{}), finishes: true,
		finished: make(chan struct{}), ended: make(chan struct{})}
	h.mu.Lock()
	h.finishers = append(h.finishers, c)
	h.mu.Unlock()
	return c
}

func (c *client) writeLoop() {
	defer close(c.written)
	for {
		select {
		case frame := <-c.out:
			if !c.write(frame) {
				return
			}
		case <-c.flush:
			for {
				select {
				case frame := <-c.out:
					if !c.write(frame) {
						return
					}
				default:
					return
				}
			}
		case <-c.gone:
			return
		}
	}
}

// write sends one frame; a client that cannot take it in slowClient is closed.
func (c *client) write(frame []byte) bool {
	c.conn.SetWriteDeadline(time.Now().Add(slowClient))
	if _, err := c.conn.Write(frame); err != nil {
		c.close()
		return false
	}
	return true
}

func (c *client) close() {
	c.once.Do(func() {
		close(c.gone)
		c.conn.Close()
	})
}

func (h *hub) drop(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.close()
}

func (h *hub) snapshot() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) == 0 {
		return nil
	}
	list := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		list = append(list, c)
	}
	return list
}

// broadcast sends output to every attached client.
func (h *hub) broadcast(stream byte, data []byte) {
	list := h.snapshot()
	if len(list) == 0 {
		return
	}
	frame := monitor.AppendFrame(make([]byte, 0, len(data)+5), stream, data)
	for _, c := range list {
		h.send(c, frame)
	}
}

func (h *hub) send(c *client, frame []byte) {
	select {
	case c.out <- frame:
		return
	case <-c.gone:
		h.drop(c)
		return
	default:
	}
	t := time.NewTimer(slowClient)
	defer t.Stop()
	select {
	case c.out <- frame:
	case <-c.gone:
		h.drop(c)
	case <-t.C:
		h.drop(c)
	}
}

// finish sends the end of a run (FrameExit or FrameError) to every attached
// client, lets their queues drain briefly, and disconnects them; the clients
// that finish the exit themselves get no more output but stay connected.
func (h *hub) finish(typ byte, payload []byte) {
	frame := monitor.AppendFrame(nil, typ, payload)
	list := h.snapshot()
	for _, c := range list {
		h.send(c, frame)
	}
	deadline := time.Now().Add(time.Second)
	for _, c := range list {
		if c.finishes {
			h.mu.Lock()
			delete(h.clients, c)
			h.finishers = append(h.finishers, c)
			h.mu.Unlock()
			continue
		}
		// The exit frame must reach the client before its connection
		// closes: writeLoop writes what is queued, then ends.
		close(c.flush)
		select {
		case <-c.written:
		case <-time.After(time.Until(deadline)):
		}
		h.drop(c)
	}
}

// sessionFinishes says whether an attached session will finish the exit
// itself (monitor.AttachFinishes with FrameAttach; a stop's or rm -f's
// finisher does not count: those leave the runtime's state to the monitor).
func (h *hub) sessionFinishes() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.finishes {
			return true
		}
	}
	return false
}

// setIO switches input and resizes to a run's streams (nil between runs).
func (h *hub) setIO(s *stdio) {
	h.mu.Lock()
	h.io = s
	h.mu.Unlock()
}

func (h *hub) current() *stdio {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.io
}

func (h *hub) writeStdin(p []byte) {
	s := h.current()
	if !h.stdin || s == nil || s.stdin == nil {
		return
	}
	h.stdinMu.Lock()
	defer h.stdinMu.Unlock()
	s.stdin.Write(p)
}

func (h *hub) closeStdin() {
	if s := h.current(); h.stdin && s != nil {
		h.stdinMu.Lock()
		defer h.stdinMu.Unlock()
		s.closeStdin()
	}
}

func (h *hub) resize(rows, cols uint16) {
	if s := h.current(); s != nil {
		s.resize(rows, cols)
	}
}

// requestStop records a user stop: no restart from now on.
func (h *hub) requestStop() {
	h.stopOnce.Do(func() { close(h.stopped) })
}

// stopRequested reports whether a client asked for a user stop.
func (h *hub) stopRequested() bool {
	select {
	case <-h.stopped:
		return true
	default:
		return false
	}
}

func (h *hub) close() { h.l.Close() }

// awaitFinished waits, up to limit, for a client that finishes the exit
// itself to say it did (true), or for all such clients to go without saying
// so (false: the exit command must do it).
func (h *hub) awaitFinished(limit time.Duration) bool {
	h.mu.Lock()
	list := append([]*client(nil), h.finishers...)
	h.mu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	for _, c := range list {
		select {
		case <-c.finished:
			return true
		case <-c.ended:
			select {
			case <-c.finished:
				return true
			default:
			}
		case <-t.C:
			return false
		}
	}
	return false
}
