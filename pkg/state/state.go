// Package state is Roost's database of containers, pods, networks and volumes:
// one bbolt file, opened for each short transaction and closed again, so that
// concurrent commands never wait long for one another.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Kind is a kind of object; each has its own records and name index.
type Kind string

const (
	Containers Kind = "containers"
	Pods       Kind = "pods"
	Networks   Kind = "networks"
	Volumes    Kind = "volumes"
	Secrets    Kind = "secrets"
)

var (
	ErrNotFound  = errors.New("no such object")
	ErrAmbiguous = errors.New("more than one object matches")
	ErrNameInUse = errors.New("name is already in use")
)

// lookupError reads as its own sentence and still matches its sentinel
// (ErrNotFound, ErrAmbiguous) with errors.Is.
type lookupError struct {
	msg  string
	kind error
}

func (e *lookupError) Error() string { return e.msg }
func (e *lookupError) Unwrap() error { return e.kind }

func notFound(format string, args ...any) error {
	return &lookupError{msg: fmt.Sprintf(format, args...), kind: ErrNotFound}
}

// DB is the state database at one path.
type DB struct {
	path string
}

// Open names the database; the file is created on the first update.
func Open(path string) *DB { return &DB{path: path} }

// lockWait bounds how long a command waits for another's transaction.
const lockWait = 30 * time.Second

func (d *DB) open(readOnly bool) (*bolt.DB, error) {
	if readOnly {
		// Nothing recorded yet: no file, or an empty one left by a first
		// writer killed before it initialised the database (a read-only
		// open cannot initialise it; the next write does).
		if fi, err := os.Stat(d.path); errors.Is(err, os.ErrNotExist) || (err == nil && fi.Size() == 0) {
			return nil, nil
		}
	} else if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	db, err := bolt.Open(d.path, 0o600, &bolt.Options{Timeout: lockWait, ReadOnly: readOnly})
	if err != nil {
		return nil, fmt.Errorf("open state database %s: %w", d.path, err)
	}
	version, err := d.checkSchema(db)
	switch {
	case err != nil:
		db.Close()
		return nil, err
	case version == SchemaVersion || (readOnly && version == 0):
		return db, nil
	case readOnly:
		// An older database: a reader cannot migrate it, so a writer
		// does first (it waits for the other readers to close).
		db.Close()
		if db, err = d.open(false); err != nil {
			return nil, err
		}
		db.Close()
		return d.open(true)
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", d.path, err)
	}
	return db, nil
}

// Update runs fn in a read-write transaction; an error from fn undoes it all.
func (d *DB) Update(fn func(*Tx) error) error {
	db, err := d.open(false)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// View runs fn in a read-only transaction, which may run beside other readers.
func (d *DB) View(fn func(*Tx) error) error {
	db, err := d.open(true)
	if err != nil {
		return err
	}
	if db == nil {
		return fn(&Tx{})
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Tx is one transaction. A Tx over a database not yet created reads as empty.
type Tx struct {
	tx *bolt.Tx
}

func (t *Tx) bucket(kind Kind, sub string) *bolt.Bucket {
	if t.tx == nil {
		return nil
	}
	b := t.tx.Bucket([]byte(kind))
	if b == nil {
		return nil
	}
	return b.Bucket([]byte(sub))
}

func (t *Tx) writable(kind Kind, sub string) (*bolt.Bucket, error) {
	b, err := t.tx.CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return nil, err
	}
	return b.CreateBucketIfNotExists([]byte(sub))
}

// Put stores v as the record id, under a name unique within its kind.
func (t *Tx) Put(kind Kind, id, name string, v any) error {
	recs, err := t.writable(kind, "records")
	if err != nil {
		return err
	}
	names, err := t.writable(kind, "names")
	if err != nil {
		return err
	}
	if name != "" {
		if owner := names.Get([]byte(name)); owner != nil && string(owner) != id {
			return fmt.Errorf("%w: %s %q is used by %s", ErrNameInUse, singular(kind), name, string(owner))
		}
	}
	// A rename frees the old name.
	if old := t.nameOf(kind, id); old != "" && old != name {
		if err := names.Delete([]byte(old)); err != nil {
			return err
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", singular(kind), id, err)
	}
	if name != "" {
		if err := names.Put([]byte(name), []byte(id)); err != nil {
			return err
		}
		if err := t.putMeta(kind, id, name); err != nil {
			return err
		}
	}
	return recs.Put([]byte(id), b)
}

// nameOf returns the name recorded for id (kept beside the record so a rename
// can free the old one without decoding the record).
func (t *Tx) nameOf(kind Kind, id string) string {
	if b := t.bucket(kind, "idnames"); b != nil {
		return string(b.Get([]byte(id)))
	}
	return ""
}

func (t *Tx) putMeta(kind Kind, id, name string) error {
	b, err := t.writable(kind, "idnames")
	if err != nil {
		return err
	}
	return b.Put([]byte(id), []byte(name))
}

// Get decodes the record id into v.
func (t *Tx) Get(kind Kind, id string, v any) error {
	recs := t.bucket(kind, "records")
	if recs == nil {
		return notFound("no %s %s", singular(kind), id)
	}
	b := recs.Get([]byte(id))
	if b == nil {
		return notFound("no %s %s", singular(kind), id)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", singular(kind), id, err)
	}
	return nil
}

// Lookup resolves what a user typed: a name, a full id, or an unambiguous
// id prefix, in that order (as Podman does).
func (t *Tx) Lookup(kind Kind, ref string) (string, error) {
	if ref == "" {
		return "", notFound("empty %s name or id", singular(kind))
	}
	if names := t.bucket(kind, "names"); names != nil {
		if id := names.Get([]byte(ref)); id != nil {
			return string(id), nil
		}
	}
	recs := t.bucket(kind, "records")
	if recs == nil {
		return "", notFound("no %s with name or id %q found", singular(kind), ref)
	}
	var match string
	c := recs.Cursor()
	for k, _ := c.Seek([]byte(ref)); k != nil && strings.HasPrefix(string(k), ref); k, _ = c.Next() {
		if match != "" {
			return "", &lookupError{msg: fmt.Sprintf("%q matches more than one %s: give more of the id", ref, singular(kind)), kind: ErrAmbiguous}
		}
		match = string(k)
	}
	if match == "" {
		return "", notFound("no %s with name or id %q found", singular(kind), ref)
	}
	return match, nil
}

// LookupName resolves a name alone, never an id prefix: --replace must not
// take a name that happens to start another object's id for that object.
func (t *Tx) LookupName(kind Kind, name string) (string, error) {
	if names := t.bucket(kind, "names"); names != nil {
		if id := names.Get([]byte(name)); id != nil {
			return string(id), nil
		}
	}
	return "", notFound("no %s named %q", singular(kind), name)
}

// NameID is LookupName in a transaction of its own.
func (d *DB) NameID(kind Kind, name string) (id string, err error) {
	err = d.View(func(tx *Tx) error {
		id, err = tx.LookupName(kind, name)
		return err
	})
	return id, err
}

// Delete removes the record id and frees its name.
func (t *Tx) Delete(kind Kind, id string) error {
	recs, err := t.writable(kind, "records")
	if err != nil {
		return err
	}
	if name := t.nameOf(kind, id); name != "" {
		names, err := t.writable(kind, "names")
		if err != nil {
			return err
		}
		if err := names.Delete([]byte(name)); err != nil {
			return err
		}
		meta, err := t.writable(kind, "idnames")
		if err != nil {
			return err
		}
		if err := meta.Delete([]byte(id)); err != nil {
			return err
		}
	}
	return recs.Delete([]byte(id))
}

// Each calls fn with every record of kind, in id order.
func (t *Tx) Each(kind Kind, fn func(id string, raw []byte) error) error {
	recs := t.bucket(kind, "records")
	if recs == nil {
		return nil
	}
	return recs.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// List decodes every record of kind into a slice of T.
func List[T any](t *Tx, kind Kind) ([]T, error) {
	var out []T
	err := t.Each(kind, func(id string, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode %s %s: %w", singular(kind), id, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

func singular(k Kind) string { return strings.TrimSuffix(string(k), "s") }
