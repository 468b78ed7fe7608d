package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Lock is held while a command changes one object (a container, a pod), so two
// commands never start, stop or remove the same object at once. It is a flock,
// so a killed command releases it.
type Lock struct {
	f *os.File
}

// LockObject takes the lock for id in dir, waiting for another holder until
// ctx ends: a request that is cancelled stops waiting.
func LockObject(ctx context.Context, dir, id string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, id+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock for %s: %w", id, err)
	}
	if err := acquire(ctx, f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", id, err)
	}
	return &Lock{f: f}, nil
}

// longestPause bounds the pause between two attempts of a cancellable wait:
// the lock passes to a waiter at most this long after it is released.
const longestPause = 25 * time.Millisecond

// acquire takes the exclusive flock on f. flock(2) cannot be woken by a
// context, so a wait that can be cancelled polls with a non-blocking attempt
// and a pause that doubles up to longestPause; a wait that cannot be
// cancelled (no Done channel) blocks in the kernel, which costs nothing.
func acquire(ctx context.Context, f *os.File) error {
	fd := int(f.Fd())
	pause := time.Millisecond
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return err
		}
		if ctx.Done() == nil {
			return flockBlocking(fd)
		}
		wait := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			wait.Stop()
			return fmt.Errorf("gave up waiting for another command to release it: %w", ctx.Err())
		case <-wait.C:
		}
		pause = min(2*pause, longestPause)
	}
}

func flockBlocking(fd int) error {
	for {
		err := unix.Flock(fd, unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// Remove releases the lock and deletes its file, for an object that is gone.
func (l *Lock) Remove() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.f.Name())
	l.Unlock()
}
