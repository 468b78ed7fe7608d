package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/state"
)

// RemoveOptions are rm's flags.
type RemoveOptions struct {
	Force   bool // stop a running container first
	Volumes bool // also the anonymous volumes no other container uses
	// Timeout, with Force, is how long the stop signal has before SIGKILL;
	// nil kills at once.
	Timeout *uint
	// Pod is the pod's own removal: only it may remove the infra container.
	Pod bool
}

// Remove deletes a container: its process (with Force), mount, storage, run
// directory and record. It returns the full id.
func (e *Engine) Remove(ctx context.Context, ref string, o RemoveOptions) (string, error) {
	c, l, err := e.locked(ctx, ref)
	if errors.Is(err, state.ErrNotFound) {
		if id, xerr := e.RemoveExternal(ref, o.Force); !errors.Is(xerr, state.ErrNotFound) {
			return id, xerr // a container only storage knows (ps --external)
		}
	}
	if err != nil {
		return "", err
	}
	id := c.ID
	if c.Pod != nil && c.Pod.IsInfra && !o.Pod {
		l.Unlock()
		// Podman's words, which scripts match (no hint after them): `pod rm`,
		// or `rm --depend`, removes it with its pod.
		return "", fmt.Errorf("container %s is the infra container of pod %s and cannot be removed without removing the pod", c.ID, c.Pod.ID)
	}
	if err := e.refuseDependents(c); err != nil {
		l.Unlock()
		return "", err
	}
	var fin *monitor.Finisher
	if c.live() {
		if !o.Force {
			l.Unlock()
			return "", &improperError{msg: fmt.Sprintf("cannot remove container %s as it is running - running or paused containers cannot be removed without force", c.ID), kind: ErrRunning}
		}
		if fin, err = e.halt(ctx, c, o.grace()); err != nil {
			l.Unlock()
			return "", err
		}
	}
	if err := e.removeLocked(ctx, c); err != nil {
		fin.Abandon()
		l.Unlock()
		return "", err
	}
	fin.Done()
	l.Remove()
	e.awaitMonitor(ctx, c)
	if o.Volumes {
		if err := e.removeAnonymousVolumes(ctx, c); err != nil {
			return id, err
		}
	}
	return id, nil
}

func (o RemoveOptions) grace() time.Duration {
	if o.Timeout == nil {
		return 0
	}
	return time.Duration(*o.Timeout) * time.Second
}

// removeLocked deletes everything of a stopped container; the caller holds
// its lock. It marks the record first, so a command killed half-way leaves a
// record the next command recognises and finishes removing.
func (e *Engine) removeLocked(ctx context.Context, c *Container) error {
	lease, err := state.TakeLease(e.leaseDir())
	if err != nil {
		return err
	}
	defer lease.Release()
	if _, err := e.update(c.ID, func(r *Container) error {
		r.State.Status, r.State.Lease, r.State.Owner = StatusRemoving, lease.ID, nil
		return nil
	}); err != nil && !errors.Is(err, state.ErrNotFound) {
		return err
	}
	if err := e.teardown(ctx, c); err != nil {
		return err
	}
	if err := e.DB.Update(func(tx *state.Tx) error { return tx.Delete(state.Containers, c.ID) }); err != nil {
		return err
	}
	e.event(c, events.Remove)
	return nil
}

// teardown removes the runtime's state, the mount, the network, the storage
// and the run dir.
func (e *Engine) teardown(ctx context.Context, c *Container) error {
	deleted := e.deleteRuntimeState(ctx, c)
	defer deleted()
	// Forced: a command killed between mounting and recording it leaves a
	// mount count storage does not know about.
	e.releaseImageMounts(c.ID)
	_, _ = e.Store.Unmount(c.ID, true)
	e.netDown(c)
	if err := e.Store.DeleteContainer(c.ID); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) && !errors.Is(err, cstorage.ErrNotAContainer) {
		return fmt.Errorf("remove storage of %s: %w", c.Name, err)
	}
	if err := e.unmountPodShm(c.ID); err != nil {
		return fmt.Errorf("remove %s: %w", c.Name, err)
	}
	deleted()
	if err := os.RemoveAll(e.runDir(c.ID)); err != nil {
		return fmt.Errorf("remove run directory of %s: %w", c.Name, err)
	}
	return nil
}

// deleteRuntimeState deletes the runtime's state of a container that ended
// (no process is started when there is none: its monitor deleted it) beside
// the caller's unmount and storage work, and returns the wait for it. A
// foreground run's monitor leaves this delete to the run's own clean-up
// (roost-monitor's deleteRun), which so does not wait for it twice over.
func (e *Engine) deleteRuntimeState(ctx context.Context, c *Container) (wait func()) {
	done, started := e.runtimeDeletes.LoadAndDelete(c.ID)
	if !started {
		done = e.startRuntimeDelete(ctx, c)
	}
	return func() { <-done.(chan struct{}) }
}

// StartRuntimeDelete starts deleting the runtime's state of a container the
// caller saw exit and will clean up next (a foreground run, whose monitor
// leaves the delete to it): the clean-up then waits for this one rather than
// starting its own, so the runtime's process overlaps the wait for the lock
// and the record's update too.
func (e *Engine) StartRuntimeDelete(ctx context.Context, id string) {
	c, err := e.get(id)
	if err != nil {
		return
	}
	done := e.startRuntimeDelete(ctx, c)
	e.runtimeDeletes.Store(id, done)
	// Forgotten once done, so a clean-up that never comes (the record was
	// removed meanwhile) leaves nothing in a long-lived API service; one
	// that comes later starts its own, which finds no state and runs nothing.
	go func() {
		<-done
		e.runtimeDeletes.CompareAndDelete(id, done)
	}()
}

func (e *Engine) startRuntimeDelete(ctx context.Context, c *Container) chan struct{} {
	done := make(chan struct{})
	if c.Run.Runtime == "" {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = e.runtime(c).Delete(dctx, c.ID, true)
	}()
	return done
}

// lifecycle is the part of a record Reconcile looks at. Every create and ps
// scans all records: decoding only this keeps that cheap with hundreds of
// containers (the full record is read again, under the lock, for the few
// that need work).
type lifecycle struct {
	ID    string    `json:"id"`
	State operation `json:"state"`
}

// operation is the part of State that says which operation, if any, is
// creating or removing the container.
type operation struct {
	Status Status `json:"status"`
	Lease  string `json:"lease"`
	Owner  *Owner `json:"owner"`
}

func (s *State) operation() operation {
	return operation{Status: s.Status, Lease: s.Lease, Owner: s.Owner}
}

// abandoned says whether the record was left half-made: creating or
// removing, by an operation that has ended (its lease is free, or for a
// schema 1 record its process is gone, or it names none).
func (e *Engine) abandoned(op operation) bool {
	if op.Status != StatusCreating && op.Status != StatusRemoving {
		return false
	}
	switch {
	case op.Lease != "":
		return !state.LeaseHeld(e.leaseDir(), op.Lease)
	case op.Owner != nil && op.Owner.Pid > 0:
		return !op.Owner.alive()
	}
	return true
}

// same says whether two reads of a record show the same operation.
func (op operation) same(o operation) bool {
	return op.Status == o.Status && op.Lease == o.Lease &&
		(op.Owner == nil) == (o.Owner == nil) && (op.Owner == nil || *op.Owner == *o.Owner)
}

// Reconcile finishes what ended operations left: containers half-created or
// half-removed by a command that was killed, or by a request that failed,
// are removed. It returns their ids so the caller can say so.
func (e *Engine) Reconcile(ctx context.Context) []string {
	var stale []lifecycle
	_ = e.DB.View(func(tx *state.Tx) error {
		all, err := state.List[lifecycle](tx, state.Containers)
		for _, c := range all {
			if e.abandoned(c.State) {
				stale = append(stale, c)
			}
		}
		return err
	})
	var cleaned []string
	for i := range stale {
		c := &stale[i]
		l, err := e.lock(ctx, c.ID)
		if err != nil {
			continue
		}
		// The operation was found ended before this read, and a lease or
		// a process never comes back: a record that still names it is
		// abandoned. (Checked after the read, a create that finished in
		// between would look abandoned.)
		if cur, err := e.get(c.ID); err == nil && cur.State.operation().same(c.State) {
			if e.removeLocked(ctx, cur) == nil {
				cleaned = append(cleaned, c.ID)
			}
		}
		l.Remove()
	}
	state.SweepLeases(e.leaseDir())
	e.sweepNetwork(ctx)
	return cleaned
}

// RemoveUser removes, for `rmi --force`, a storage container that uses an
// image: Roost's own container with everything it has (stopping it first),
// or a container only storage knows (another tool's) from storage alone.
func (e *Engine) RemoveUser(ctx context.Context, storageID string) error {
	_, err := e.Remove(ctx, storageID, RemoveOptions{Force: true})
	if errors.Is(err, state.ErrNotFound) {
		err = e.Store.DeleteContainer(storageID)
		if errors.Is(err, cstorage.ErrContainerUnknown) {
			return nil
		}
	}
	return err
}
