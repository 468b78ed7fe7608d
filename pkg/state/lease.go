package state

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Lease marks one operation in progress on a record (a create, a remove) for
// exactly as long as the operation runs. It is a flock on a file of its own,
// named by a random id the record carries: the kernel drops it when the
// holder dies, and the holder drops it when the operation returns, however it
// returns. A record whose lease is free was left half-made, whether its
// process died (a command killed with -9) or lives on (a long-lived server
// whose request failed half-way): a pid could tell only the first.
type Lease struct {
	ID   string
	path string
	f    *os.File
}

// TakeLease starts a lease in dir (RunDir/locks/leases: lost at reboot, when
// no operation can be in progress any more).
func TakeLease(dir string) (*Lease, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create lease directory: %w", err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("make a lease id: %w", err)
	}
	id := hex.EncodeToString(b)
	// Made under another name and renamed once locked: a lease file that
	// is visible is held until released, so SweepLeases never takes one
	// being born.
	f, err := os.OpenFile(filepath.Join(dir, "."+id+".new"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create lease: %w", err)
	}
	// The file is new: no one else can hold it, so this never waits.
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, id))
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("hold lease %s: %w", id, err)
	}
	return &Lease{ID: id, path: filepath.Join(dir, id), f: f}, nil
}

// Release ends the lease. The file goes first, so a later look finds no
// file; one that opened it just before finds it unlocked a moment later.
// Either way it sees the lease free, and the operation has written its
// record by then.
func (l *Lease) Release() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close()
	l.f = nil
}

// LeaseHeld reports whether the lease id in dir is still held by its
// operation. A lease found free is deleted. When the lease cannot be
// examined it counts as held: a record is never taken from a live owner.
func LeaseHeld(dir, id string) bool {
	if !validLeaseID(id) {
		return false // no lease TakeLease could have made: nothing holds it
	}
	path := filepath.Join(dir, id)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if err != nil {
		return true
	}
	os.Remove(path)
	return false
}

func validLeaseID(id string) bool {
	b, err := hex.DecodeString(id)
	return err == nil && len(b) == 16
}

// SweepLeases deletes the files of leases no one holds: those of commands
// killed before their record named the lease, or after it was gone.
func SweepLeases(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, ent := range entries {
		if validLeaseID(ent.Name()) {
			LeaseHeld(dir, ent.Name())
		}
	}
}
