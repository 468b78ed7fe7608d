package compose

import (
	"context"

	"github.com/roost-containers/roost/pkg/container"
)

// ForegroundOptions are `compose up`'s choices without -d.
type ForegroundOptions struct {
	UpOptions
	// AbortOnExit stops the project when any container exits
	// (--abort-on-container-exit).
	AbortOnExit bool
	// ExitCodeFrom names the service whose first container's exit code
	// UpForeground returns (--exit-code-from); it implies AbortOnExit.
	ExitCodeFrom string
	// StopContext, if set, makes the context of the final stop once the
	// project is stopping, so that the caller can cut the stop short (a
	// second Ctrl-C); nil: the stop runs to its end.
	StopContext func() (context.Context, context.CancelFunc)
}

// UpForeground is `up` without -d: it brings the project up, streams every
// container's output (LogsStarting, LogLine events) until they all exit,
// ctx ends (Ctrl-C) or, with AbortOnExit, one exits; it reports why
// (Stopping), stops the project, and returns ExitCodeFrom's exit code (0
// without it).
func (c *Compose) UpForeground(ctx context.Context, o ForegroundOptions) (int, error) {
	if err := c.Up(ctx, o.UpOptions); err != nil {
		return 0, err
	}
	// From here a Ctrl-C must still lead to the stop below, so lookups
	// ignore ctx's end.
	keep := context.WithoutCancel(ctx)
	list, err := c.Containers(keep, true, false)
	if err != nil {
		return 0, err
	}
	follow, cancel := context.WithCancel(ctx)
	defer cancel()
	feeds := c.engineFeeds(list, container.LogOptions{Follow: true, Tail: -1})
	ends := c.streamFeeds(follow, feeds)
	stop := watchFeeds(ctx, feeds, ends, o.AbortOnExit || o.ExitCodeFrom != "")
	c.emit(stop)
	// Not waiting for the streams to end: a chatty container's stream
	// reads on while it has output, whatever ctx says, and ends once the
	// stop below has stopped it.
	cancel()
	code := 0
	if o.ExitCodeFrom != "" {
		all, err := c.Containers(keep, true, false)
		code = exitCodeFrom(all, err, o.ExitCodeFrom, c.Engine.Get)
	}
	stopCtx := keep
	if o.StopContext != nil {
		var stopNow context.CancelFunc
		stopCtx, stopNow = o.StopContext()
		defer stopNow()
	}
	if err := c.Do(stopCtx, ActStop, ActionOptions{Timeout: o.Timeout}); err != nil {
		return 0, err
	}
	return code, nil
}

// watchFeeds waits for the moment a foreground `up` stops: ctx's end comes
// first whenever it has come, then (with abort) the first feed whose
// container exited, else the end of every feed.
func watchFeeds(ctx context.Context, feeds []logFeed, ends <-chan feedEnd, abort bool) Stopping {
	for {
		select {
		case <-ctx.Done():
			return Stopping{Reason: StopInterrupted}
		case end, ok := <-ends:
			switch {
			case ctx.Err() != nil:
				return Stopping{Reason: StopInterrupted}
			case !ok:
				return Stopping{Reason: StopAllExited}
			case abort && end.live:
				return Stopping{Reason: StopExited, Container: feeds[end.feed].container}
			}
		}
	}
}

// exitCodeFrom is --exit-code-from's code: that of the service's first
// container (by number) as it is now, read through get. A service without
// a container, or a lookup that fails, gives 125, Roost's own error code.
func exitCodeFrom(list []container.Container, listErr error, service string, get func(string) (*container.Container, error)) int {
	if listErr != nil {
		return 125
	}
	for _, ct := range list {
		if ct.Labels[LabelService] != service {
			continue
		}
		cur, err := get(ct.ID)
		if err != nil {
			return 125
		}
		return cur.State.ExitCode
	}
	return 125
}
