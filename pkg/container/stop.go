package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// StopOptions shape one stop.
type StopOptions struct {
	// Timeout is how long the stop signal has before SIGKILL, in seconds;
	// nil: the container's --stop-timeout.
	Timeout *uint
}

// StopResult is a stopped container, with what the user should hear.
type StopResult struct {
	Container *Container
	// Warnings: the stop signal did not end the container in time, so
	// SIGKILL did (Podman says so too).
	Warnings []string
}

// Stop is StopWith with only a timeout.
func (e *Engine) Stop(ctx context.Context, ref string, timeout *uint) (*Container, error) {
	r, err := e.StopWith(ctx, ref, StopOptions{Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return r.Container, nil
}

// StopWith sends the stop signal, waits up to the timeout, then kills. The
// monitor is told first, so no restart policy brings the container back.
// While it waits the container is "stopping" and its lock is free, so ps,
// inspect, logs and kill work meanwhile, as in Podman. It returns once the
// monitor has exited too (see awaitMonitor).
func (e *Engine) StopWith(ctx context.Context, ref string, o StopOptions) (*StopResult, error) {
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !c.live() {
		l.Unlock()
		return &StopResult{Container: c}, nil // stopping a stopped container is not an error
	}
	t := c.Run.StopTimeout
	if o.Timeout != nil {
		t = *o.Timeout
	}
	fin, _ := monitor.StopFinishing(e.runDir(c.ID))
	lease, err := e.markStopping(c)
	l.Unlock()
	if err != nil {
		fin.Abandon()
		return nil, err
	}
	defer lease.Release()
	escalated, err := e.kill(ctx, c, time.Duration(t)*time.Second)
	if l, err = e.relock(ctx, c, err); err != nil {
		fin.Abandon()
		return nil, err
	}
	e.event(c, events.Stop)
	done, err := e.finish(ctx, c.ID, true)
	if err != nil {
		fin.Abandon() // the monitor's exit command tries again
	} else {
		fin.Done()
	}
	l.Unlock()
	e.awaitMonitor(ctx, c)
	if errors.Is(err, state.ErrNotFound) {
		err = &removedError{ref} // rm -f took it while we waited
	}
	if err != nil {
		return nil, err
	}
	res := &StopResult{Container: done}
	if escalated {
		res.Warnings = append(res.Warnings, fmt.Sprintf("StopSignal %s failed to stop container %s in %d seconds, resorting to SIGKILL", unix.SignalName(stopSignal(c)), c.Name, t))
	}
	return res, nil
}

// live: the container's process may be running (stopping counts: a stop
// in progress has not ended it yet).
func (c *Container) live() bool {
	switch c.State.Status {
	case StatusRunning, StatusUnknown, StatusStopping:
		return true
	}
	return false
}

// markStopping records that a stop is under way, under a lease: should the
// stopping command die, refresh sees the lease free and shows the
// container as running again.
func (e *Engine) markStopping(c *Container) (*state.Lease, error) {
	lease, err := state.TakeLease(e.leaseDir())
	if err != nil {
		return nil, err
	}
	_, err = e.update(c.ID, func(r *Container) error {
		if r.State.Status == StatusRunning || r.State.Status == StatusStopping {
			r.State.Status, r.State.Lease = StatusStopping, lease.ID
		}
		return nil
	})
	if err != nil {
		lease.Release()
		return nil, fmt.Errorf("stop %s: %w", c.Name, err)
	}
	return lease, nil
}

// relock takes the container's lock again after the unlocked wait of a
// stop. When the kill failed, the record says running again.
func (e *Engine) relock(ctx context.Context, c *Container, killErr error) (*state.Lock, error) {
	l, err := e.lock(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if killErr != nil {
		_, _ = e.update(c.ID, func(r *Container) error {
			if r.State.Status == StatusStopping {
				r.State.Status, r.State.Lease = StatusRunning, ""
			}
			return nil
		})
		l.Unlock()
		return nil, killErr
	}
	return l, nil
}

// monitorExitWait bounds how long a stop waits for the monitor to end after
// the container did (longer when the monitor runs its exit command: a roost
// process that takes the container's lock).
const monitorExitWait = 30 * time.Second

// awaitMonitor waits for the monitor of a container just halted to exit.
// Under a systemd unit the monitor is the main process, and systemd kills
// what outlives ExecStop; a monitor still finishing would die of SIGKILL
// and leave the unit failed. Call it without the container's lock.
func (e *Engine) awaitMonitor(ctx context.Context, c *Container) {
	if c.State.MonitorPid > 0 {
		monitor.WaitGone(ctx, c.State.MonitorPid, e.runDir(c.ID), monitorExitWait)
	}
}

// halt stops the container's process: stop signal, grace period, SIGKILL.
// The monitor learns first that this is a user stop and that the caller
// records the exit: call Done on the Finisher once it has.
func (e *Engine) halt(ctx context.Context, c *Container, grace time.Duration) (*monitor.Finisher, error) {
	fin, _ := monitor.StopFinishing(e.runDir(c.ID))
	if _, err := e.kill(ctx, c, grace); err != nil {
		fin.Abandon()
		return nil, err
	}
	return fin, nil
}

// kill ends the container's process: the stop signal, up to grace to act on
// it, then SIGKILL. escalated says SIGKILL was needed after a grace period.
func (e *Engine) kill(ctx context.Context, c *Container, grace time.Duration) (escalated bool, err error) {
	if c.Paused() {
		_ = e.runtime(c).Resume(ctx, c.ID) // a frozen process cannot act on the stop signal
	}
	sig := stopSignal(c)
	if grace > 0 {
		if err := e.signal(ctx, c, sig, false); err != nil && !gone(err) {
			return false, fmt.Errorf("stop %s: %w", c.Name, err)
		}
		if e.waitExit(ctx, c, grace) {
			return false, nil
		}
	}
	// Killing PID 1 of the container's PID namespace ends every process in
	// it; --all would need the cgroup this host cannot give.
	if err := e.signal(ctx, c, syscall.SIGKILL, c.Spec.Cgroups); err != nil && !gone(err) {
		return false, fmt.Errorf("kill %s: %w", c.Name, err)
	}
	if !e.waitExit(ctx, c, 10*time.Second) {
		return false, fmt.Errorf("container %s did not exit after SIGKILL", c.Name)
	}
	return grace > 0, nil
}

// signal sends sig to the container's init: directly when the runtime would
// do no more (no --all), else through the runtime.
func (e *Engine) signal(ctx context.Context, c *Container, sig syscall.Signal, all bool) error {
	if !all {
		if sent, err := monitor.SignalInit(e.runDir(c.ID), sig); sent || err != nil {
			return err
		}
	}
	return e.runtime(c).Kill(ctx, c.ID, sig, all)
}

// gone says the runtime no longer knows the container or it is not running.
func gone(err error) bool {
	return errors.Is(err, runtime.ErrNotFound) || errors.Is(err, runtime.ErrNotRunning)
}

// waitExit waits until the container's process is gone.
func (e *Engine) waitExit(ctx context.Context, c *Container, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	// Stops wait here; a short tick keeps them quick (a check reads a few
	// small files).
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := monitor.ReadState(e.runDir(c.ID))
		if err == nil && (st.Status == monitor.StatusExited || (!st.MonitorAlive && !st.PidAlive)) {
			return true
		}
		if errors.Is(err, os.ErrNotExist) {
			return true // removed meanwhile (rm -f), run directory and all
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// Kill sends a signal to the container's main process.
func (e *Engine) Kill(ctx context.Context, ref string, sig syscall.Signal) (*Container, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	if !c.live() {
		return nil, fmt.Errorf("%s: %w", c.Name, ErrNotRunning)
	}
	if sig == syscall.SIGKILL || sig == stopSignal(c) {
		// As Docker and Podman do, killing with KILL or the stop signal is
		// the user stopping the container: its restart policy ends. Other
		// signals (HUP to reload, USR1...) leave the policy in force.
		_ = monitor.Stop(e.runDir(c.ID))
		if _, err := e.update(c.ID, func(r *Container) error { r.State.StoppedByUser = true; return nil }); err != nil {
			return nil, err
		}
	}
	if err := e.signal(ctx, c, sig, false); err != nil {
		if gone(err) {
			return nil, fmt.Errorf("%s: %w", c.Name, ErrNotRunning)
		}
		return nil, fmt.Errorf("kill %s: %w", c.Name, err)
	}
	e.event(c, events.Kill)
	return c, nil
}

// Cleanup is run by the monitor after the container's final exit (or by a
// foreground run, see AttachIO.Finish): it records the exit, releases the
// mount, and removes a --rm container.
func (e *Engine) Cleanup(ctx context.Context, id string) error {
	l, err := e.lock(ctx, id)
	if err != nil {
		return err
	}
	c, err := e.finish(ctx, id, false)
	l.Unlock()
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return err
	}
	// A member's last exit may end its pod (--exit-policy stop).
	return e.stopPodIfIdle(ctx, c)
}

// finish records a container's exit from its monitor's files, unmounts it and,
// for --rm, removes it. The caller holds the lock.
func (e *Engine) finish(ctx context.Context, id string, byUser bool) (*Container, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	if c.State.Status == StatusCreating || c.State.Status == StatusRemoving {
		return c, nil
	}
	if c.State.Status == StatusExited {
		// Already finished (a foreground run and the monitor both clean up):
		// its mount was released then, and a mount taken since (roost mount,
		// cp) belongs to someone else. A --rm container still goes.
		if c.Run.Remove {
			return c, e.removeLocked(ctx, c)
		}
		return c, nil
	}
	st, _ := monitor.ReadState(e.runDir(id))
	if st.MonitorAlive && st.Status != monitor.StatusExited {
		return c, nil // still running or restarting
	}
	e.netDown(c)
	e.event(c, events.Cleanup)
	e.dropSecrets(c)
	exited := func(r *Container) {
		r.State.Status, r.State.Lease = StatusExited, ""
		r.State.StoppedByUser = r.State.StoppedByUser || byUser
		r.State.RestartCount = st.Restarts
		r.State.Pid, r.State.MonitorPid = 0, 0
		if st.Exit != nil {
			r.State.ExitCode, r.State.FinishedAt, r.State.Error = st.Exit.Code, st.Exit.FinishedAt, st.Exit.Error
		} else if r.State.FinishedAt.IsZero() {
			r.State.ExitCode, r.State.FinishedAt = -1, time.Now().UTC()
		}
	}
	if c.Run.Remove {
		// A --rm container goes at once: recording its exit first would be a
		// database write that nobody reads. removeLocked marks it removing
		// (so a killed command's leftover is finished by the next), then
		// unmounts and deletes it.
		exited(c)
		if err := e.removeLocked(ctx, c); err != nil {
			return c, err
		}
		return c, e.removeAnonymousVolumes(ctx, c)
	}
	deleted := e.deleteRuntimeState(ctx, c)
	e.releaseImageMounts(id)
	_, _ = e.Store.Unmount(id, true)
	deleted()
	return e.update(id, func(r *Container) error { exited(r); return nil })
}

// stopSignal is the signal that stops the container: --stop-signal, else
// the image's STOPSIGNAL, else SIGTERM.
func stopSignal(c *Container) syscall.Signal {
	if s, err := spec.ParseSignal(c.Spec.StopSignal); err == nil && c.Spec.StopSignal != "" {
		return s
	}
	if s, err := spec.ParseSignal(c.Spec.Image.StopSignal); err == nil && c.Spec.Image.StopSignal != "" {
		return s
	}
	return syscall.SIGTERM
}
