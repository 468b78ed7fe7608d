package container

import (
	"context"
	"errors"
	"time"

	"github.com/roost-containers/roost/pkg/state"
)

// WaitCondition is what WaitUntil waits for, with Docker's names.
type WaitCondition string

const (
	// WaitNotRunning: until the container does not run (at once if it
	// does not now).
	WaitNotRunning WaitCondition = "not-running"
	// WaitNextExit: until it exits after running, even if it has not
	// started yet (`docker run` waits before it starts the container).
	WaitNextExit WaitCondition = "next-exit"
	// WaitRemoved: until its record is gone (--rm containers).
	WaitRemoved WaitCondition = "removed"
)

// waitPoll is how often WaitUntil looks: state changes come from other
// processes (monitors, other commands), which do not notify this one.
const waitPoll = 100 * time.Millisecond

// WaitUntil blocks until the container meets cond and returns its last
// exit code. A container removed meanwhile meets every condition; its code
// is the last one seen.
func (e *Engine) WaitUntil(ctx context.Context, ref string, cond WaitCondition) (int, error) {
	c, err := e.Get(ref)
	if err != nil {
		return 0, err
	}
	id, started := c.ID, c.State.StartedAt
	code, ran := c.State.ExitCode, false
	tick := time.NewTicker(waitPoll)
	defer tick.Stop()
	for {
		c, err := e.Get(id)
		if errors.Is(err, state.ErrNotFound) {
			return code, nil
		}
		if err != nil {
			return code, err
		}
		running := c.live() || c.State.Restarting
		if running || !c.State.StartedAt.Equal(started) {
			ran = true
		}
		if !running {
			code = c.State.ExitCode
		}
		switch {
		case cond == WaitNotRunning && !running,
			cond == WaitNextExit && ran && !running:
			return code, nil
		}
		select {
		case <-ctx.Done():
			return code, ctx.Err()
		case <-tick.C:
		}
	}
}
