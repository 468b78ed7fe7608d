package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/sirupsen/logrus"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/state"
)

// Docker's clients attach before they start (`docker run`, `docker start
// -a`): the attach waits here until the start, which then runs the
// container in the attach's session (engine.RunSession, as `roost run`
// does), so the container's first output reaches the client and the
// session records the exit and removes an AutoRemove container.

// sessions are the attaches waiting for their container's start and the
// sessions that run containers, by container id.
type sessions struct {
	mu      sync.Mutex
	pending map[string][]*attachment
	runs    map[string]*session
}

func newSessions() *sessions {
	return &sessions{pending: map[string][]*attachment{}, runs: map[string]*session{}}
}

// attachment is one client's attach: where the container's streams go.
type attachment struct {
	io engine.SessionIO
	// start receives, from the container's start, the channel on which the
	// session says whether the container started (nil: attach to it as it
	// runs, another attachment runs the session).
	start chan chan error
}

// session is one run of a container in an attach's session, for wait.
type session struct {
	done chan struct{}
	// After done: the exit code, whether the container ran at all, and
	// whether the client detached (the container runs on).
	code     int
	ran      bool
	detached bool
}

// expect registers an attachment to a container that does not run yet,
// and the session that will run it (for wait, which `docker run` asks for
// before the start).
func (ss *sessions) expect(id string, a *attachment) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.pending[id] = append(ss.pending[id], a)
	s := ss.runs[id]
	if s == nil || isClosed(s.done) {
		s = &session{done: make(chan struct{})}
		ss.runs[id] = s
	}
	return s
}

// forget drops an attachment that gives up waiting; false when a start
// took it already (its signal is on the way).
func (ss *sessions) forget(id string, a *attachment) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	list := ss.pending[id]
	found := false
	for i, x := range list {
		if x == a {
			list = append(list[:i], list[i+1:]...)
			found = true
			break
		}
	}
	if !found {
		return false
	}
	if len(list) == 0 {
		delete(ss.pending, id)
		if s := ss.runs[id]; s != nil && !isClosed(s.done) {
			close(s.done)
			delete(ss.runs, id)
		}
		return true
	}
	ss.pending[id] = list
	return true
}

// running is the session that runs or will run container id, if any.
func (ss *sessions) running(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.runs[id]
}

// finished records how a session ended.
func (ss *sessions) finished(id string, s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !isClosed(s.done) {
		close(s.done)
	}
	if ss.runs[id] == s {
		delete(ss.runs, id)
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// startAttached starts container id in the session of the first attach
// waiting for it; false when none waits. It returns once the container
// runs, or with the error that kept it from starting.
func (ss *sessions) startAttached(id string) (bool, error) {
	ss.mu.Lock()
	list := ss.pending[id]
	delete(ss.pending, id)
	ss.mu.Unlock()
	if len(list) == 0 {
		return false, nil
	}
	res := make(chan error, 1)
	list[0].start <- res
	err := <-res
	for _, a := range list[1:] {
		a.start <- nil
	}
	return true, err
}

// queryDetachKeys reads ?detachKeys, checked as the CLI's --detach-keys.
func queryDetachKeys(r *http.Request) (string, error) {
	v := r.URL.Query().Get("detachKeys")
	if _, err := monitor.ParseDetachKeys(v); err != nil {
		return "", badRequest(err)
	}
	return v, nil
}

// attach is POST /containers/{id}/attach: the connection is taken over and
// carries the container's output (raw with a terminal, multiplexed
// otherwise) and the client's input, until the container exits or the
// client detaches.
func (c *containerAPI) attach(w http.ResponseWriter, r *http.Request) error {
	var opt struct{ logs, stream, stdin, stdout, stderr bool }
	for _, q := range []struct {
		name string
		dst  *bool
	}{{"logs", &opt.logs}, {"stream", &opt.stream}, {"stdin", &opt.stdin}, {"stdout", &opt.stdout}, {"stderr", &opt.stderr}} {
		var err error
		if *q.dst, err = queryBool(r, q.name); err != nil {
			return err
		}
	}
	keys, err := queryDetachKeys(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	tty := ct.Run.Terminal
	// The attachment waits for the start from before the client hears the
	// upgrade: `docker run` sends its start as soon as it does, and a start
	// that found no attachment would run the container unheard.
	var a *attachment
	var sess *session
	if opt.stream && !running(ct) {
		a = &attachment{start: make(chan chan error, 1)}
		sess = c.sessions.expect(ct.ID, a)
	}
	st, err := hijack(w, r, tty)
	if err != nil {
		logrus.Warnf("api: attach %s: %v", ct.ID, err)
		if a != nil {
			c.abandon(ct.ID, a, sess)
		}
		return nil
	}
	defer st.close()
	sio := engine.SessionIO{Stdout: io.Discard, Stderr: io.Discard}
	if opt.stdout {
		sio.Stdout = st.writer(tty, stdcopy.Stdout)
	}
	if opt.stderr {
		sio.Stderr = st.writer(tty, stdcopy.Stderr)
	}
	if opt.stdin && ct.Run.Stdin {
		sio.Stdin = st.in
		sio.DetachKeys = keys
		if keys == "" && tty {
			sio.DetachKeys = monitor.DefaultDetachKeys
		}
	}
	if opt.logs {
		_ = ce.Logs(context.Background(), ct.ID, container.LogOptions{Tail: -1}, sio.Stdout, sio.Stderr)
	}
	if !opt.stream {
		return nil
	}
	if a == nil {
		c.attachRunning(ce, ct.ID, st, tty, sio)
		return nil
	}
	a.io = sio
	c.attachBeforeStart(ce, ct.ID, st, tty, a, sess)
	return nil
}

// abandon withdraws an attachment whose client went away before it was
// upgraded. A start that took it already still runs the container, with
// nobody listening.
func (c *containerAPI) abandon(id string, a *attachment, sess *session) {
	if c.sessions.forget(id, a) {
		return
	}
	if res := <-a.start; res != nil {
		_ = c.runSession(id, engine.SessionIO{Stdout: io.Discard, Stderr: io.Discard}, res, sess)
	}
}

// attachRunning joins a running container until it exits or the client
// detaches; the container's monitor finishes its exit.
func (c *containerAPI) attachRunning(ce *container.Engine, id string, st *stream, tty bool, sio engine.SessionIO) {
	err := ce.Attach(context.Background(), id, container.AttachIO{Stdin: sio.Stdin, Stdout: sio.Stdout, Stderr: sio.Stderr, DetachKeys: sio.DetachKeys})
	if err != nil && !errors.Is(err, monitor.ErrDetached) {
		st.systemError(tty, err)
	}
}

// attachBeforeStart waits for the container's start, then runs it in this
// attach's session. While it waits it looks now and then whether the
// container is still there (a client may create, attach and remove) and
// whether another command started it (then it joins it as it runs).
func (c *containerAPI) attachBeforeStart(ce *container.Engine, id string, st *stream, tty bool, a *attachment, sess *session) {
	sio := a.io
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var res chan error
wait:
	for {
		select {
		case res = <-a.start:
			break wait
		case <-tick.C:
			ct, err := ce.Get(id)
			gone := errors.Is(err, state.ErrNotFound)
			if !gone && (err != nil || !running(ct)) {
				continue
			}
			if !c.sessions.forget(id, a) {
				res = <-a.start // a start took this attachment: its word comes
				break wait
			}
			if !gone {
				c.attachRunning(ce, id, st, tty, sio)
			}
			return
		}
	}
	if res == nil { // another attachment runs the session: join it
		c.attachRunning(ce, id, st, tty, sio)
		return
	}
	if err := c.runSession(id, sio, res, sess); err != nil {
		st.systemError(tty, err)
	}
}

// runSession runs container id in an attach's session, tells the start
// (on res) whether it started, and records the end for wait. The error is
// one of a container that started and then failed.
func (c *containerAPI) runSession(id string, sio engine.SessionIO, res chan error, sess *session) error {
	var once sync.Once
	started := false
	out, err := c.s.eng.RunSession(context.Background(), engine.SessionRequest{ID: id, IO: sio, Started: func(*container.Container) {
		started = true
		once.Do(func() { res <- nil })
	}})
	once.Do(func() { res <- err })
	sess.code, sess.ran, sess.detached = out.ExitCode, started, out.Detached
	defer c.sessions.finished(id, sess)
	if err == nil || !started {
		return nil
	}
	if sess.code == 0 {
		sess.code = monitor.ExitCode(err)
	}
	return err
}
