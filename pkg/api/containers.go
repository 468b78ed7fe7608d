package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	dcontainer "github.com/moby/moby/api/types/container"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/state"
)

// containerAPI serves the container endpoints. It keeps what Docker's
// daemon keeps in memory and Roost's commands have no need of: the attach
// sessions waiting for their container's start (`docker run` attaches
// first, then starts), and how the sessions it ran ended.
type containerAPI struct {
	s        *Server
	sessions *sessions
	execs    execTable
}

// containerRoutes: the container endpoints.
func (s *Server) containerRoutes(mux *http.ServeMux) {
	c := &containerAPI{s: s, sessions: newSessions()}
	mux.Handle("POST /containers/create", endpoint(s.createContainer))
	mux.Handle("GET /containers/json", endpoint(c.list))
	mux.Handle("POST /containers/prune", endpoint(c.prune))
	mux.Handle("GET /containers/{id}/json", endpoint(c.inspect))
	mux.Handle("POST /containers/{id}/start", endpoint(c.start))
	mux.Handle("POST /containers/{id}/stop", endpoint(c.stop))
	mux.Handle("POST /containers/{id}/restart", endpoint(c.restart))
	mux.Handle("POST /containers/{id}/kill", endpoint(c.kill))
	mux.Handle("POST /containers/{id}/pause", endpoint(c.pause))
	mux.Handle("POST /containers/{id}/unpause", endpoint(c.pause))
	mux.Handle("POST /containers/{id}/wait", endpoint(c.wait))
	mux.Handle("POST /containers/{id}/attach", endpoint(c.attach))
	mux.Handle("POST /containers/{id}/resize", endpoint(c.resize))
	mux.Handle("POST /containers/{id}/rename", endpoint(c.rename))
	mux.Handle("POST /containers/{id}/update", endpoint(c.update))
	mux.Handle("GET /containers/{id}/logs", endpoint(c.logs))
	mux.Handle("GET /containers/{id}/top", endpoint(c.top))
	mux.Handle("GET /containers/{id}/stats", endpoint(c.stats))
	mux.Handle("GET /containers/{id}/changes", endpoint(c.changes))
	mux.Handle("GET /containers/{id}/export", endpoint(c.export))
	mux.Handle("DELETE /containers/{id}", endpoint(c.remove))
	c.execRoutes(mux)
	c.archiveRoutes(mux)
}

// engine is the container lifecycle the CLI uses.
func (c *containerAPI) engine() (*container.Engine, error) { return c.s.eng.Containers() }

// ctrError gives a container operation's failure Docker's status and, for
// a missing container, Docker's words (clients and scripts match them).
func ctrError(ref string, err error) error {
	var se *statusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, state.ErrNotFound):
		var ns *container.NoSuchError
		if errors.As(err, &ns) {
			return notFound(fmt.Errorf("No such container: %s", ref))
		}
		return notFound(err)
	case errors.Is(err, container.ErrStateImproper), errors.Is(err, container.ErrRunning),
		errors.Is(err, container.ErrNotRunning), errors.Is(err, container.ErrNameInUse),
		errors.Is(err, container.ErrHasDependents):
		return conflict(err)
	}
	return err
}

// get is the container named in the path, or the 404 to answer.
func (c *containerAPI) get(r *http.Request) (*container.Engine, *container.Container, error) {
	ce, err := c.engine()
	if err != nil {
		return nil, nil, err
	}
	ref := r.PathValue("id")
	ct, err := ce.Get(ref)
	if err != nil {
		return nil, nil, ctrError(ref, err)
	}
	return ce, ct, nil
}

func running(ct *container.Container) bool {
	switch ct.State.Status {
	case container.StatusRunning, container.StatusStopping, container.StatusUnknown:
		return true
	}
	return false
}

// start is POST /containers/{id}/start. An attach waiting for this
// container (`docker run`) runs the container in its session; otherwise
// it starts detached, as `roost start` does. 304 when it runs already.
func (c *containerAPI) start(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryDetachKeys(r); err != nil {
		return err
	}
	_, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if running(ct) {
		return notModified(errors.New("container already started"))
	}
	if handled, err := c.sessions.startAttached(ct.ID); handled {
		if err != nil {
			return ctrError(ct.Name, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if _, err := c.s.eng.RunSession(r.Context(), engine.SessionRequest{ID: ct.ID, Detach: true}); err != nil {
		return ctrError(ct.Name, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// stopTimeout reads ?t (Docker) or ?timeout (Podman); nil: the container's.
func stopTimeout(r *http.Request) (*uint, error) {
	for _, name := range []string{"t", "timeout"} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, badRequest(fmt.Errorf("invalid value %q for query parameter %s: want a number of seconds", v, name))
		}
		if n < 0 {
			n = 0 // Docker's -1: wait for ever; Roost's longest wait is what it can give
		}
		u := uint(n)
		return &u, nil
	}
	return nil, nil
}

// stop is POST /containers/{id}/stop; 304 when it does not run.
func (c *containerAPI) stop(w http.ResponseWriter, r *http.Request) error {
	t, err := stopTimeout(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if !running(ct) {
		return notModified(errors.New("container already stopped"))
	}
	if _, err := ce.StopWith(r.Context(), ct.ID, container.StopOptions{Timeout: t}); err != nil {
		return ctrError(ct.Name, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (c *containerAPI) restart(w http.ResponseWriter, r *http.Request) error {
	t, err := stopTimeout(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if _, err := ce.Restart(r.Context(), ct.ID, container.StopOptions{Timeout: t}); err != nil {
		return ctrError(ct.Name, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// kill is POST /containers/{id}/kill?signal=; a container that does not
// run is a 409, as in Docker.
func (c *containerAPI) kill(w http.ResponseWriter, r *http.Request) error {
	sig := syscall.SIGKILL
	if v := r.URL.Query().Get("signal"); v != "" {
		var err error
		if sig, err = container.ParseKillSignal(v); err != nil {
			return badRequest(err)
		}
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if !running(ct) {
		return conflict(fmt.Errorf("cannot kill container: %s: container %s is not running", r.PathValue("id"), ct.ID))
	}
	if _, err := ce.Kill(r.Context(), ct.ID, sig); err != nil {
		return ctrError(ct.Name, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pause serves pause and unpause. Without cgroups of its own (rootless
// without cgroup v2 delegation) a container cannot be frozen: the engine
// says so, and so does the answer.
func (c *containerAPI) pause(w http.ResponseWriter, r *http.Request) error {
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if r.URL.Path[len(r.URL.Path)-len("unpause"):] == "unpause" {
		_, err = ce.Unpause(r.Context(), ct.ID)
	} else {
		_, err = ce.Pause(r.Context(), ct.ID)
	}
	if err != nil {
		return ctrError(ct.Name, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resize is POST /containers/{id}/resize?h=&w=: the terminal's new size,
// for the monitor to give the container's pty.
func (c *containerAPI) resize(w http.ResponseWriter, r *http.Request) error {
	rows, cols, err := querySize(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if !running(ct) {
		return conflict(fmt.Errorf("container %s is not running: %w", ct.Name, container.ErrNotRunning))
	}
	if !ct.Run.Terminal {
		w.WriteHeader(http.StatusOK) // nothing to size, as Docker answers
		return nil
	}
	if err := monitor.Resize(ce.RunDir(ct.ID), rows, cols); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// querySize reads ?h and ?w, a terminal's rows and columns.
func querySize(r *http.Request) (uint16, uint16, error) {
	var out [2]uint16
	for i, name := range []string{"h", "w"} {
		v := r.URL.Query().Get(name)
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return 0, 0, badRequest(fmt.Errorf("invalid value %q for query parameter %s: want a number of %s", v, name, map[string]string{"h": "rows", "w": "columns"}[name]))
		}
		out[i] = uint16(n)
	}
	return out[0], out[1], nil
}

func (c *containerAPI) rename(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("name")
	if name == "" {
		return badRequest(errors.New("the new name is missing: give ?name="))
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if _, err := ce.Rename(r.Context(), ct.ID, name); err != nil {
		if errors.Is(err, state.ErrNameInUse) {
			err = conflict(err)
		}
		return ctrError(ct.Name, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// update is POST /containers/{id}/update: new resource limits, which the
// engine drops with a warning where the container has no cgroup.
func (c *containerAPI) update(w http.ResponseWriter, r *http.Request) error {
	var body dcontainer.UpdateConfig
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.RestartPolicy.Name != "" {
		return badRequest(errors.New("changing the restart policy of a container is not supported: recreate it with the new policy"))
	}
	res, err := resourceFlags(body.Resources).Parse()
	if err != nil {
		return badRequest(err)
	}
	_, ct, err := c.get(r)
	if err != nil {
		return err
	}
	_, warnings, err := c.s.eng.UpdateContainer(r.Context(), ct.ID, res)
	if err != nil {
		return ctrError(ct.Name, err)
	}
	writeJSON(w, http.StatusOK, dcontainer.UpdateResponse{Warnings: nonNilStrings(warnings)})
	return nil
}

// remove is DELETE /containers/{id}?force&v&link.
func (c *containerAPI) remove(w http.ResponseWriter, r *http.Request) error {
	var flags [3]bool
	for i, name := range []string{"force", "v", "link"} {
		var err error
		if flags[i], err = queryBool(r, name); err != nil {
			return err
		}
	}
	if flags[2] {
		return badRequest(errors.New("links are not supported: there is no link to remove"))
	}
	ce, err := c.engine()
	if err != nil {
		return err
	}
	ref := r.PathValue("id")
	var zero uint
	o := container.RemoveOptions{Force: flags[0], Volumes: flags[1]}
	if o.Force {
		o.Timeout = &zero // Docker's rm -f kills at once
	}
	if _, err := ce.Remove(r.Context(), ref, o); err != nil {
		return ctrError(ref, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// prune is POST /containers/prune?filters=.
func (c *containerAPI) prune(w http.ResponseWriter, r *http.Request) error {
	filters, err := queryFilters(r)
	if err != nil {
		return err
	}
	f, err := container.ParsePruneFilters(filters)
	if err != nil {
		return badRequest(err)
	}
	ce, err := c.engine()
	if err != nil {
		return err
	}
	ids, err := ce.Prune(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dcontainer.PruneReport{ContainersDeleted: nonNilStrings(ids)})
	return nil
}

func (c *containerAPI) top(w http.ResponseWriter, r *http.Request) error {
	var descriptors []string
	if v := r.URL.Query().Get("ps_args"); v != "" {
		descriptors = strings.Fields(v)
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	rows, err := ce.Top(ct.ID, descriptors)
	if err != nil {
		return ctrError(ct.Name, err)
	}
	resp := dcontainer.TopResponse{Titles: rows[0], Processes: [][]string{}}
	if len(rows) > 1 {
		resp.Processes = rows[1:]
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// changes is GET /containers/{id}/changes: Docker's kinds are numbers.
func (c *containerAPI) changes(w http.ResponseWriter, r *http.Request) error {
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	list, err := ce.Diff(ct.ID)
	if err != nil {
		return ctrError(ct.Name, err)
	}
	kinds := map[string]dcontainer.ChangeType{"C": dcontainer.ChangeModify, "A": dcontainer.ChangeAdd, "D": dcontainer.ChangeDelete}
	out := make([]dcontainer.FilesystemChange, 0, len(list))
	for _, ch := range list {
		out = append(out, dcontainer.FilesystemChange{Kind: kinds[ch.Kind], Path: ch.Path})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// export is GET /containers/{id}/export: the filesystem as a tar.
func (c *containerAPI) export(w http.ResponseWriter, r *http.Request) error {
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	out := &lazyWriter{w: w}
	if err := ce.Export(ct.ID, out); err != nil && !out.started {
		return ctrError(ct.Name, err)
	}
	return nil
}

// lazyWriter sends the 200 with the first byte: an error found before any
// output can still be answered with its own status.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}
