package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/moby/moby/api/pkg/stdcopy"
	dcontainer "github.com/moby/moby/api/types/container"

	"github.com/roost-containers/roost/pkg/container"
)

// Docker's exec is two requests: create names the process and start runs
// it. What create named is kept here, in the service's memory, as Docker's
// daemon keeps it; the process itself runs as `roost exec` runs it.

// execRecord is one exec: what create asked for, then how it runs.
type execRecord struct {
	id, containerID string
	req             dcontainer.ExecCreateRequest
	resize          chan [2]uint16

	mu       sync.Mutex
	started  bool
	running  bool
	pid      int
	exitCode *int
}

type execTable struct {
	mu   sync.Mutex
	byID map[string]*execRecord
}

func (t *execTable) add(e *execRecord) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byID == nil {
		t.byID = map[string]*execRecord{}
	}
	t.byID[e.id] = e
}

func (t *execTable) get(id string) (*execRecord, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.byID[id]; e != nil {
		return e, nil
	}
	return nil, notFound(fmt.Errorf("No such exec instance: %s", id))
}

// execRoutes: create, start, resize, inspect.
func (c *containerAPI) execRoutes(mux *http.ServeMux) {
	mux.Handle("POST /containers/{id}/exec", endpoint(c.execCreate))
	mux.Handle("POST /exec/{id}/start", endpoint(c.execStart))
	mux.Handle("POST /exec/{id}/resize", endpoint(c.execResize))
	mux.Handle("GET /exec/{id}/json", endpoint(c.execInspect))
}

func (c *containerAPI) execCreate(w http.ResponseWriter, r *http.Request) error {
	var req dcontainer.ExecCreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if len(req.Cmd) == 0 {
		return badRequest(fmt.Errorf("no exec command specified"))
	}
	_, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if !running(ct) {
		return conflict(fmt.Errorf("container %s is not running", ct.ID))
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	e := &execRecord{id: hex.EncodeToString(b[:]), containerID: ct.ID, req: req, resize: make(chan [2]uint16, 1)}
	if s := req.ConsoleSize; s != nil {
		e.resize <- [2]uint16{uint16(s[0]), uint16(s[1])}
	}
	c.execs.add(e)
	writeJSON(w, http.StatusCreated, dcontainer.ExecCreateResponse{ID: e.id})
	return nil
}

// execStart runs the process: detached it answers at once; attached it
// takes the connection over, relays stdin and the output (raw with a
// terminal, else Docker's frames) until the process ends.
func (c *containerAPI) execStart(w http.ResponseWriter, r *http.Request) error {
	var req dcontainer.ExecStartRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	e, err := c.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	e.mu.Lock()
	already := e.started
	e.started = true
	e.mu.Unlock()
	if already {
		return conflict(fmt.Errorf("exec %s has already been started", e.id))
	}
	ce, err := c.engine()
	if err != nil {
		return err
	}
	o := container.ExecOptions{Cmd: e.req.Cmd, Env: e.req.Env, WorkDir: e.req.WorkingDir, User: e.req.User,
		Terminal: e.req.Tty, Privileged: e.req.Privileged, Detach: req.Detach}
	if req.Detach {
		code, err := c.runExec(context.WithoutCancel(r.Context()), ce, e, o, container.ExecIO{})
		if err != nil && code != 0 {
			return ctrError(e.containerID, err)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
	s, err := hijack(w, r, e.req.Tty)
	if err != nil {
		return nil
	}
	defer s.close()
	eio, finish, err := execStreams(s, e)
	if err != nil {
		s.systemError(e.req.Tty, err)
		return nil
	}
	code, err := c.runExec(context.WithoutCancel(r.Context()), ce, e, o, eio)
	finish()
	if err != nil && code == 125 {
		s.systemError(e.req.Tty, err)
	}
	s.closeWrite()
	return nil
}

// runExec runs the exec and records its pid and exit code for inspect.
func (c *containerAPI) runExec(ctx context.Context, ce *container.Engine, e *execRecord, o container.ExecOptions, eio container.ExecIO) (int, error) {
	eio.Resize = e.resize
	eio.Started = func(pid int) {
		e.mu.Lock()
		e.running, e.pid = true, pid
		e.mu.Unlock()
	}
	code, err := ce.Exec(ctx, e.containerID, o, eio)
	if !o.Detach {
		e.mu.Lock()
		e.running, e.exitCode = false, &code
		e.mu.Unlock()
	}
	return code, err
}

// execStreams makes the process's stdio: pipes whose other ends are
// relayed to and from the client's connection. finish waits until the
// output is all sent.
func execStreams(s *stream, e *execRecord) (container.ExecIO, func(), error) {
	var eio container.ExecIO
	var files []*os.File
	var wg sync.WaitGroup
	outPipe := func(which stdcopy.StdType) (*os.File, error) {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		files = append(files, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			_, _ = io.Copy(s.writer(e.req.Tty, which), r)
		}()
		return w, nil
	}
	var err error
	if e.req.AttachStdout || e.req.Tty {
		if eio.Stdout, err = outPipe(stdcopy.Stdout); err != nil {
			return eio, nil, err
		}
	}
	if e.req.AttachStderr && !e.req.Tty {
		if eio.Stderr, err = outPipe(stdcopy.Stderr); err != nil {
			return eio, nil, err
		}
	}
	if e.req.AttachStdin {
		r, w, err := os.Pipe()
		if err != nil {
			return eio, nil, err
		}
		eio.Stdin = r
		files = append(files, r)
		go func() {
			_, _ = io.Copy(w, s.in)
			w.Close()
		}()
	}
	finish := func() {
		// The process has ended: our ends of its pipes close, so the
		// relays read to the end of what it wrote.
		for _, f := range files {
			f.Close()
		}
		wg.Wait()
	}
	return eio, finish, nil
}

func (c *containerAPI) execResize(w http.ResponseWriter, r *http.Request) error {
	rows, cols, err := querySize(r)
	if err != nil {
		return err
	}
	e, err := c.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	select {
	case <-e.resize: // an older size not taken yet: the new one wins
	default:
	}
	select {
	case e.resize <- [2]uint16{rows, cols}:
	default:
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (c *containerAPI) execInspect(w http.ResponseWriter, r *http.Request) error {
	e, err := c.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	resp := dcontainer.ExecInspectResponse{
		ID: e.id, ContainerID: e.containerID, Running: e.running, ExitCode: e.exitCode, Pid: e.pid,
		OpenStdin: e.req.AttachStdin, OpenStdout: e.req.AttachStdout, OpenStderr: e.req.AttachStderr,
		ProcessConfig: &dcontainer.ExecProcessConfig{Tty: e.req.Tty, Entrypoint: e.req.Cmd[0], Arguments: e.req.Cmd[1:], User: e.req.User},
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
