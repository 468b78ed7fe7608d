package state

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLeaseHeldUntilReleased(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "leases")
	l, err := TakeLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !LeaseHeld(dir, l.ID) {
		t.Fatal("a lease just taken reads as free")
	}
	l.Release()
	if LeaseHeld(dir, l.ID) {
		t.Fatal("a released lease reads as held")
	}
	if _, err := os.Stat(filepath.Join(dir, l.ID)); !os.IsNotExist(err) {
		t.Fatalf("release left the lease file: %v", err)
	}
	l.Release() // twice is harmless
}

// A holder that dies drops its flock without removing the file: the lease
// reads as free and its file goes.
func TestLeaseOfDeadHolderIsFree(t *testing.T) {
	dir := t.TempDir()
	l, err := TakeLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.f.Close() // what the kernel does for a killed process
	if LeaseHeld(dir, l.ID) {
		t.Fatal("a lease whose holder closed it reads as held")
	}
	if _, err := os.Stat(filepath.Join(dir, l.ID)); !os.IsNotExist(err) {
		t.Fatalf("the free lease's file stays: %v", err)
	}
}

func TestLeaseIDsAreChecked(t *testing.T) {
	dir := t.TempDir()
	a, err := TakeLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := TakeLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if a.ID == b.ID {
		t.Fatal("two leases share an id")
	}
	for _, id := range []string{"", "../" + a.ID, a.ID[:10]} {
		if LeaseHeld(dir, id) {
			t.Fatalf("lease id %q reads as held", id)
		}
	}
	if !LeaseHeld(dir, a.ID) {
		t.Fatal("checking other ids freed a lease")
	}
}

func TestSweepLeavesHeldLeasesAlone(t *testing.T) {
	dir := t.TempDir()
	held, err := TakeLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	dead, err := TakeLease(dir)
	if err != nil {
		t.Fatal(err)
	}
	dead.f.Close() // its process was killed
	SweepLeases(dir)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != held.ID {
		t.Fatalf("after the sweep: %v, want only %s", entries, held.ID)
	}
	if !LeaseHeld(dir, held.ID) {
		t.Fatal("the sweep freed a held lease")
	}
}
