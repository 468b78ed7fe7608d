package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/state"
)

// SessionIO is where a session's container reads and writes. Terminal
// handling (raw mode, window size, which signals to forward) is the
// caller's: it hands the results in here.
type SessionIO struct {
	Stdin          io.Reader // nil: the container's stdin is not attached
	Stdout, Stderr io.Writer
	// Resize receives the terminal's [rows, cols] for a -t container.
	Resize <-chan [2]uint16
	// DetachKeys end the session and leave the container running ("":
	// none).
	DetachKeys string
	// Signals are forwarded to the container while it runs (--sig-proxy).
	Signals <-chan syscall.Signal
}

// SessionRequest runs a created (or stopped) container (ID: a name, an
// id or an id prefix): started and left
// alone (Detach), or attached until it exits; or, with AttachOnly, joins a
// container that already runs (`attach`).
type SessionRequest struct {
	ID         string
	Detach     bool
	AttachOnly bool
	IO         SessionIO
	// RemoveImage removes the container's image after the container was
	// removed (run --rm --rmi), unless another container still uses it.
	RemoveImage bool
	// Started, if set, is told once an attached session's container has
	// started (its monitor waits for the attach): the API answers its start
	// request then, while the session goes on.
	Started func(*container.Container)
}

// SessionResult is how a session ended.
type SessionResult struct {
	Container *container.Container
	// ExitCode is the container's own exit code (attached sessions that
	// saw the exit only).
	ExitCode int
	// Detached: the user detached; the container runs on.
	Detached bool
}

// RunSession is the one start-attach-wait-clean-up flow of `run`, `start
// --attach` and `compose run` (and the API's attach-and-start). Attached,
// the monitor starts the process only once the session is attached, so no
// output is lost, and the session records the exit and cleans up (unmount,
// --rm) while still attached, so the monitor need not run its exit command
// and the next command sees the container finished. A start failure comes
// back as a *monitor.StartError (monitor.ExitCode maps it to 125, 126 or
// 127).
func (e *Engine) RunSession(ctx context.Context, r SessionRequest) (SessionResult, error) {
	ce, err := e.Containers()
	if err != nil {
		return SessionResult{}, err
	}
	// A name or an id prefix becomes the id once: the clean-up below must
	// lock the very container that was started.
	if r.ID, err = ce.Resolve(r.ID); err != nil {
		return SessionResult{}, err
	}
	switch {
	case r.Detach:
		c, err := ce.Start(ctx, r.ID, container.StartOptions{})
		if err != nil {
			_ = ce.Cleanup(ctx, r.ID) // run --rm -d: a failed start removes it
		}
		return SessionResult{Container: c}, err
	case r.AttachOnly:
		return attachRunning(ctx, ce, r)
	}
	// The session is attached before the monitor starts, so the container
	// starts as soon as it is created (the session finishes the exit: Finish).
	att, err := monitor.NewAttachment(true)
	if err != nil {
		return SessionResult{}, err
	}
	c, err := ce.Start(ctx, r.ID, container.StartOptions{WaitAttach: true, Attachment: att})
	if err != nil {
		att.Close()
		_ = ce.Cleanup(ctx, r.ID)
		return SessionResult{}, err
	}
	res := SessionResult{Container: c}
	if r.Started != nil {
		r.Started(c)
	}
	stop := forwardSignals(ctx, ce, c.ID, r.IO.Signals)
	defer stop()
	var waitErr error
	var reported *monitor.ExitStatus
	aio := r.IO.attachIO()
	aio.Attachment = att
	aio.Exited = func(st monitor.ExitStatus) { reported = &st }
	aio.Finish = func() error {
		// The monitor left the runtime's delete to this clean-up: start it now.
		ce.StartRuntimeDelete(ctx, c.ID)
		res.ExitCode, waitErr = ce.Wait(ctx, c.ID)
		// The monitor's report wins: `rm -f` from another command may have
		// ended the container, and removed its record, before Wait read it.
		if reported != nil && !reported.Restarting {
			res.ExitCode = reported.Code
			if errors.Is(waitErr, state.ErrNotFound) {
				waitErr = nil
				return nil // removed: nothing left to clean up
			}
		}
		if waitErr != nil {
			return waitErr
		}
		return ce.Cleanup(ctx, c.ID)
	}
	err = ce.Attach(ctx, c.ID, aio)
	switch {
	case errors.Is(err, monitor.ErrDetached):
		res.Detached = true
		return res, nil
	case err != nil:
		var se *monitor.StartError
		if errors.As(err, &se) {
			_ = ce.Cleanup(ctx, c.ID)
		}
		return res, err
	}
	if waitErr == nil && r.RemoveImage {
		e.removeUnusedImage(ctx, c.ImageID)
	}
	return res, waitErr
}

// removeUnusedImage is --rmi: the image goes unless a container still uses
// it, which is no error (Podman keeps it silently).
func (e *Engine) removeUnusedImage(ctx context.Context, id string) {
	store, err := e.Store()
	if err != nil || id == "" {
		return
	}
	_, _ = image.Remove(ctx, store, []string{id}, image.RemoveOptions{})
}

// attachRunning joins a running container's session until it exits (its
// monitor records the exit and cleans up) or the user detaches.
func attachRunning(ctx context.Context, ce *container.Engine, r SessionRequest) (SessionResult, error) {
	c, err := ce.Get(r.ID)
	if err != nil {
		return SessionResult{}, err
	}
	if c.State.Status != container.StatusRunning {
		return SessionResult{}, fmt.Errorf("%s: %w: start it first", c.Name, container.ErrNotRunning)
	}
	res := SessionResult{Container: c}
	stop := forwardSignals(ctx, ce, c.ID, r.IO.Signals)
	defer stop()
	err = ce.Attach(ctx, c.ID, r.IO.attachIO())
	if errors.Is(err, monitor.ErrDetached) {
		res.Detached = true
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.ExitCode, err = ce.Wait(ctx, c.ID)
	return res, err
}

func (s SessionIO) attachIO() container.AttachIO {
	aio := container.AttachIO{Stdout: s.Stdout, Stderr: s.Stderr, Resize: s.Resize, DetachKeys: s.DetachKeys}
	if s.Stdin != nil {
		aio.Stdin = s.Stdin
	}
	return aio
}

// forwardSignals sends each signal to the container until stopped.
func forwardSignals(ctx context.Context, ce *container.Engine, id string, sigs <-chan syscall.Signal) func() {
	if sigs == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_, _ = ce.Kill(ctx, id, s)
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}
