package state

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// hangLimit only catches a waiter that never returns; it is no measure.
const hangLimit = 30 * time.Second

type lockResult struct {
	l   *Lock
	err error
}

func lockInBackground(ctx context.Context, dir, id string) <-chan lockResult {
	done := make(chan lockResult, 1)
	go func() {
		l, err := LockObject(ctx, dir, id)
		done <- lockResult{l, err}
	}()
	return done
}

func await(t *testing.T, done <-chan lockResult) lockResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(hangLimit):
		t.Fatal("the waiter never returned")
		return lockResult{}
	}
}

func TestCancelledLockWaitReturnsTheContextError(t *testing.T) {
	dir := t.TempDir()
	held, err := LockObject(context.Background(), dir, "c1")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := lockInBackground(ctx, dir, "c1")
	cancel()
	r := await(t, done)
	if r.err == nil {
		r.l.Unlock()
		t.Fatal("the waiter took a lock that is held")
	}
	if !errors.Is(r.err, context.Canceled) || !strings.Contains(r.err.Error(), "c1") {
		t.Fatalf("want context.Canceled naming c1, got %v", r.err)
	}
	// A deadline ends a wait the same way.
	dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer dcancel()
	if r := await(t, lockInBackground(dctx, dir, "c1")); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", r.err)
	}
}

func TestLockWaiterGetsTheLockOnceReleased(t *testing.T) {
	for name, cancellable := range map[string]bool{"cancellable": true, "not cancellable": false} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if cancellable {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
			}
			dir := t.TempDir()
			held, err := LockObject(ctx, dir, "p1")
			if err != nil {
				t.Fatal(err)
			}
			done := lockInBackground(ctx, dir, "p1")
			held.Unlock()
			r := await(t, done)
			if r.err != nil {
				t.Fatalf("the waiter did not get the released lock: %v", r.err)
			}
			defer r.l.Unlock()
			// It holds it now: another attempt, already cancelled, fails.
			gone, cancel := context.WithCancel(context.Background())
			cancel()
			if l, err := LockObject(gone, dir, "p1"); !errors.Is(err, context.Canceled) {
				l.Unlock()
				t.Fatalf("a second holder got the lock: %v", err)
			}
		})
	}
}

func TestLocksOfDifferentObjectsDoNotWait(t *testing.T) {
	dir := t.TempDir()
	a, err := LockObject(context.Background(), dir, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Unlock()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	// The first attempt never waits: a free lock is taken even with a
	// context already cancelled.
	b, err := LockObject(gone, dir, "b")
	if err != nil {
		t.Fatalf("lock of another object: %v", err)
	}
	b.Unlock()
}
