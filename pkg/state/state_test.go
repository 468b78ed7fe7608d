package state

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

type rec struct {
	ID, Name string
	N        int
}

func put(t *testing.T, db *DB, r rec) error {
	t.Helper()
	return db.Update(func(tx *Tx) error { return tx.Put(Containers, r.ID, r.Name, r) })
}

func TestPutGetLookupDelete(t *testing.T) {
	db := Open(filepath.Join(t.TempDir(), "s.db"))
	// An empty database reads as empty, without creating the file.
	if err := db.View(func(tx *Tx) error {
		_, err := tx.Lookup(Containers, "x")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []rec{{"abc123", "web", 1}, {"abd456", "db", 2}} {
		if err := put(t, db, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := put(t, db, rec{"fff", "web", 3}); !errors.Is(err, ErrNameInUse) {
		t.Fatalf("duplicate name: want ErrNameInUse, got %v", err)
	}
	db.View(func(tx *Tx) error {
		for ref, want := range map[string]string{"web": "abc123", "abc": "abc123", "abd456": "abd456", "db": "abd456"} {
			if id, err := tx.Lookup(Containers, ref); err != nil || id != want {
				t.Fatalf("lookup %q: %q %v", ref, id, err)
			}
		}
		if _, err := tx.LookupName(Containers, "abc"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("LookupName must not take an id prefix: %v", err)
		}
		if id, err := tx.LookupName(Containers, "db"); err != nil || id != "abd456" {
			t.Fatalf("LookupName db: %q %v", id, err)
		}
		if _, err := tx.Lookup(Containers, "ab"); !errors.Is(err, ErrAmbiguous) {
			t.Fatalf("ambiguous prefix: %v", err)
		}
		var r rec
		if err := tx.Get(Containers, "abd456", &r); err != nil || r.N != 2 {
			t.Fatalf("get: %+v %v", r, err)
		}
		return nil
	})
	// Rename frees the old name.
	if err := put(t, db, rec{"abc123", "frontend", 1}); err != nil {
		t.Fatal(err)
	}
	if err := put(t, db, rec{"fff", "web", 3}); err != nil {
		t.Fatalf("old name should be free after rename: %v", err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.Delete(Containers, "abd456") }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		all, err := List[rec](tx, Containers)
		if err != nil || len(all) != 2 {
			t.Fatalf("list after delete: %v %v", all, err)
		}
		if _, err := tx.Lookup(Containers, "db"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted name still resolves: %v", err)
		}
		return nil
	})
}

func TestConcurrentWriters(t *testing.T) {
	db := Open(filepath.Join(t.TempDir(), "s.db"))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- put(t, db, rec{fmt.Sprintf("id%02d", i), fmt.Sprintf("n%02d", i), i})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db.View(func(tx *Tx) error {
		all, _ := List[rec](tx, Containers)
		if len(all) != 40 {
			t.Fatalf("want 40 records, got %d", len(all))
		}
		return nil
	})
}
