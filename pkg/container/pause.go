package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/info"
)

// ErrNoCgroups is returned by what needs the container's own cgroup (pause,
// unpause, stats) where the host cannot give one.
var ErrNoCgroups = errors.New("cgroups not available")

// cgroupsError reads as its own sentence and matches ErrNoCgroups.
type cgroupsError struct{ msg string }

func (e *cgroupsError) Error() string        { return e.msg }
func (e *cgroupsError) Is(target error) bool { return target == ErrNoCgroups }

// Paused says the container is running but frozen.
func (c *Container) Paused() bool {
	return c.State.Paused && c.State.Status == StatusRunning
}

// needCgroups fails, in words the user can act on, unless the container (or,
// with c nil, the host) has a cgroup Roost may use.
func (e *Engine) needCgroups(what string, c *Container) error {
	cg := info.DetectCgroups(e.Cfg.UID, e.Cfg.Rootless)
	if !cg.Limits {
		host := "cgroup " + cg.Version
		if cg.Version == "v2" {
			host += " without controllers delegated to your user"
		} else {
			host += " without rootless delegation"
		}
		return &cgroupsError{fmt.Sprintf("%s needs cgroup v2 with delegated controllers; this host has %s: not available", what, host)}
	}
	if c != nil && !c.Spec.Cgroups {
		return &cgroupsError{fmt.Sprintf("%s needs the container's own cgroup; %s was created without one: recreate it to use %s", what, c.Name, what)}
	}
	return nil
}

// Pause freezes a running container's processes.
func (e *Engine) Pause(ctx context.Context, ref string) (*Container, error) {
	return e.setPaused(ctx, ref, true)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ctx context.Context, ref string) (*Container, error) {
	return e.setPaused(ctx, ref, false)
}

func (e *Engine) setPaused(ctx context.Context, ref string, pause bool) (*Container, error) {
	verb := map[bool]string{true: "pause", false: "unpause"}[pause]
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	if c.State.Status != StatusRunning {
		return nil, fmt.Errorf("%s %s: %w", verb, c.Name, ErrNotRunning)
	}
	if err := e.needCgroups(verb, c); err != nil {
		return nil, err
	}
	if c.Paused() == pause {
		state := map[bool]string{true: "already paused", false: "not paused"}[pause]
		return nil, fmt.Errorf("%s %s: the container is %s", verb, c.Name, state)
	}
	r := e.runtime(c)
	if pause {
		err = r.Pause(ctx, c.ID)
	} else {
		err = r.Resume(ctx, c.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", verb, c.Name, err)
	}
	e.event(c, map[bool]events.Status{true: events.Pause, false: events.Unpause}[pause])
	return e.update(c.ID, func(r *Container) error {
		r.State.Paused = pause
		return nil
	})
}
