package container

import (
	"context"
	"sort"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/state"
)

// refresh brings a record's state up to date from its monitor's files,
// without writing: what ps and inspect show is what is true now.
func (e *Engine) refresh(c *Container) {
	if c.State.Status != StatusRunning && c.State.Status != StatusStopping {
		return
	}
	if c.State.Status == StatusStopping && !state.LeaseHeld(e.leaseDir(), c.State.Lease) {
		c.State.Status = StatusRunning // the command stopping it died before it was done
	}
	st, err := monitor.ReadState(e.runDir(c.ID))
	if err != nil {
		return
	}
	defer e.refreshHealth(c)
	c.State.RestartCount = st.Restarts
	switch st.Status {
	case monitor.StatusStarting, monitor.StatusRunning:
		if st.Pid > 0 {
			c.State.Pid = st.Pid
		}
	case monitor.StatusRestarting:
		// Between runs: the last run's exit is what there is to show.
		c.State.Restarting, c.State.Pid = true, 0
		if st.Exit != nil {
			c.State.ExitCode, c.State.FinishedAt, c.State.Error = st.Exit.Code, st.Exit.FinishedAt, st.Exit.Error
		}
	case monitor.StatusExited:
		c.State.Status, c.State.Pid = StatusExited, 0
		if st.Exit != nil {
			c.State.ExitCode, c.State.FinishedAt, c.State.Error = st.Exit.Code, st.Exit.FinishedAt, st.Exit.Error
		}
	case monitor.StatusDead:
		// The monitor was killed. If the container's process lives on, it
		// runs unwatched (no logs, no restarts); if not, its exit code is lost.
		if st.PidAlive {
			c.State.Status = StatusUnknown
			c.State.Error = "the container's monitor died: its output is no longer logged; `roost rm -f` cleans up"
		} else {
			c.State.Status, c.State.Pid, c.State.ExitCode = StatusExited, 0, -1
			c.State.Error = "the container's monitor died: the exit code is lost"
		}
	}
}

// ListOptions are ps's choices that the engine makes.
type ListOptions struct {
	All     bool     // include containers that are not running
	Filters []string // ps's --filter KEY=VALUE list (see listKind)
}

// List returns containers, newest first, with their live state. A filter
// on status= or exited= looks at stopped containers without All, as in
// Podman.
func (e *Engine) List(ctx context.Context, o ListOptions) ([]Container, error) {
	if err := checkRestartPolicies(o.Filters); err != nil {
		return nil, err
	}
	keep, err := e.listKind().Compile(o.Filters)
	if err != nil {
		return nil, err
	}
	all := o.All || needsAll(o.Filters)
	var list []Container
	err = e.DB.View(func(tx *state.Tx) (err error) {
		list, err = state.List[Container](tx, state.Containers)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for i := range list {
		c := &list[i]
		e.refresh(c)
		if c.State.Status == StatusRemoving {
			continue
		}
		if (all || c.State.Status == StatusRunning || c.State.Status == StatusUnknown) && keep(c) {
			out = append(out, *c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Get returns one container with its live state.
func (e *Engine) Get(ref string) (*Container, error) {
	id, err := e.Resolve(ref)
	if err != nil {
		return nil, err
	}
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	e.refresh(c)
	return c, nil
}

// Wait blocks until the container exits for good and returns its exit code.
func (e *Engine) Wait(ctx context.Context, ref string) (int, error) {
	c, err := e.Get(ref)
	if err != nil {
		return 0, err
	}
	if c.live() {
		st, err := monitor.Wait(ctx, e.runDir(c.ID))
		if err != nil {
			return 0, err
		}
		if st.Exit != nil {
			return st.Exit.Code, nil
		}
		return -1, nil
	}
	return c.State.ExitCode, nil
}
