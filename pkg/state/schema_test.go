package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/roost-containers/roost/pkg/proc"
)

// rawDB writes buckets of records straight into a new bbolt file, as an
// older or newer roost would have left them.
func rawDB(t *testing.T, schema string, records map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "roost-state.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if schema != "" {
			meta, _ := tx.CreateBucketIfNotExists(metaBucket)
			if err := meta.Put(schemaKey, []byte(schema)); err != nil {
				return err
			}
		}
		kind, _ := tx.CreateBucketIfNotExists([]byte(Containers))
		recs, _ := kind.CreateBucketIfNotExists([]byte("records"))
		for id, raw := range records {
			if err := recs.Put([]byte(id), []byte(raw)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func storedSchema(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	db.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(metaBucket); m != nil {
			v = string(m.Get(schemaKey))
		}
		return nil
	})
	return v
}

func TestNewDatabaseIsStamped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	if err := put(t, Open(path), rec{"a1", "web", 1}); err != nil {
		t.Fatal(err)
	}
	if got := storedSchema(t, path); got != "2" {
		t.Fatalf("schema of a new database: %q", got)
	}
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	path := rawDB(t, "3", map[string]string{"a1": `{"id":"a1","name":"web","future":true}`})
	before := fileSum(t, path)
	db := Open(path)
	for what, err := range map[string]error{
		"read":  db.View(func(*Tx) error { return nil }),
		"write": put(t, db, rec{"b2", "db", 2}),
	} {
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("%s of a schema 3 database: want ErrNewerSchema, got %v", what, err)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "schema version 3") || !strings.Contains(msg, "upgrade roost") || !strings.Contains(msg, path) {
			t.Fatalf("%s: want one line naming the file, its version and the fix, got %q", what, msg)
		}
	}
	if fileSum(t, path) != before {
		t.Fatal("a refused database was changed")
	}
}

func TestUnreadableSchemaIsAnError(t *testing.T) {
	path := rawDB(t, "two", nil)
	if err := Open(path).View(func(*Tx) error { return nil }); err == nil || !strings.Contains(err.Error(), "schema version") {
		t.Fatalf("want an error about the schema version, got %v", err)
	}
}

// A schema 1 owner is checked once by the migration: a process gone leaves
// no owner (the record reads as orphaned), a live one keeps it, and
// everything else in the record survives.
func TestMigrationChecksPidOwnersOnce(t *testing.T) {
	self, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	live, _ := json.Marshal(map[string]any{"pid": os.Getpid(), "startTime": self})
	dead, _ := json.Marshal(map[string]any{"pid": os.Getpid(), "startTime": self + 1})
	path := rawDB(t, "", map[string]string{
		"live":    `{"id":"live","state":{"status":"creating","owner":` + string(live) + `},"extra":{"kept":[1,2]}}`,
		"dead":    `{"id":"dead","state":{"status":"removing","owner":` + string(dead) + `,"exitCode":3},"extra":"kept"}`,
		"empty":   `{"id":"empty","state":{"status":"created","owner":{}}}`,
		"nostate": `{"id":"nostate"}`,
	})
	db := Open(path)
	got := map[string]map[string]any{}
	err = db.View(func(tx *Tx) error {
		return tx.Each(Containers, func(id string, raw []byte) error {
			var v map[string]any
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			got[id] = v
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	state := func(id string) map[string]any { s, _ := got[id]["state"].(map[string]any); return s }
	if o, ok := state("live")["owner"].(map[string]any); !ok || o["pid"] != float64(os.Getpid()) {
		t.Fatalf("a live owner was dropped: %v", got["live"])
	}
	if _, ok := state("dead")["owner"]; ok {
		t.Fatalf("a dead owner was kept: %v", got["dead"])
	}
	if state("dead")["status"] != "removing" || state("dead")["exitCode"] != float64(3) || got["dead"]["extra"] != "kept" {
		t.Fatalf("the migration lost fields: %v", got["dead"])
	}
	if k, _ := got["live"]["extra"].(map[string]any); k == nil || len(k["kept"].([]any)) != 2 {
		t.Fatalf("the migration lost fields: %v", got["live"])
	}
	if _, ok := state("empty")["owner"]; ok || state("empty")["status"] != "created" {
		t.Fatalf("an empty owner was kept: %v", got["empty"])
	}
	if len(got["nostate"]) != 1 {
		t.Fatalf("a record without state changed: %v", got["nostate"])
	}
	if v := storedSchema(t, path); v != "2" {
		t.Fatalf("schema after migration: %q", v)
	}
	// Opened again, for reading or writing, nothing is rewritten.
	before := fileSum(t, path)
	if err := db.View(func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	w, err := db.open(false)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if fileSum(t, path) != before {
		t.Fatal("a second open of a migrated database changed it")
	}
}

// A migration that fails leaves the database as it was: all steps commit in
// one transaction or none does.
func TestFailedMigrationChangesNothing(t *testing.T) {
	records := map[string]string{"a-dead": `{"id":"a-dead","state":{"owner":{}}}`, "b-bad": `not json`}
	path := rawDB(t, "", records)
	err := Open(path).View(func(*Tx) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "migrate state database from schema 1 to 2") || !strings.Contains(err.Error(), "container b-bad") {
		t.Fatalf("want the migration's error naming the record, got %v", err)
	}
	if v := storedSchema(t, path); v != "" {
		t.Fatalf("a failed migration stamped the database: %q", v)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket([]byte(Containers)).Bucket([]byte("records"))
		for id, want := range records {
			if got := recs.Get([]byte(id)); !bytes.Equal(got, []byte(want)) {
				t.Fatalf("a failed migration changed %s: %s", id, got)
			}
		}
		return nil
	})
}
