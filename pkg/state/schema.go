package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/roost-containers/roost/pkg/proc"
)

// SchemaVersion is the version of the records this roost writes. A change
// to how a record is written bumps it and adds a migration from the version
// before; a database is migrated the first time a newer roost opens it.
//
//	1: the releases that recorded no version (no meta bucket).
//	2: a container being created or removed names the lease of the
//	   operation (state.lease) instead of its owner's pid (state.owner).
const SchemaVersion = 2

// migrations[v] turns a database of schema v into schema v+1. A migration
// edits records as JSON and touches only the fields it changes, so this
// package needs none of the packages that own the record types (which all
// import it), and fields it does not know survive.
var migrations = map[int]func(*bolt.Tx) error{
	1: dropDeadOwners,
}

var (
	metaBucket = []byte("meta")
	schemaKey  = []byte("schema")
)

// ErrNewerSchema: the database was written by a newer roost, whose records
// this one might misread or destroy; it refuses to touch them.
var ErrNewerSchema = errors.New("state database written by a newer roost")

type newerSchemaError struct {
	path  string
	found int
}

func (e *newerSchemaError) Error() string {
	return fmt.Sprintf("the state database %s has schema version %d, but this roost knows versions up to %d: upgrade roost to the release that wrote it", e.path, e.found, SchemaVersion)
}

func (e *newerSchemaError) Unwrap() error { return ErrNewerSchema }

// schemaOf reads the database's version: 0 for one with nothing recorded
// yet, 1 for one from before versions were recorded.
func schemaOf(tx *bolt.Tx) (int, error) {
	if meta := tx.Bucket(metaBucket); meta != nil {
		if raw := meta.Get(schemaKey); raw != nil {
			v, err := strconv.Atoi(string(raw))
			if err != nil || v < 1 {
				return 0, fmt.Errorf("state database has an unreadable schema version %q", raw)
			}
			return v, nil
		}
	}
	empty := true
	_ = tx.ForEach(func([]byte, *bolt.Bucket) error {
		empty = false
		return nil
	})
	if empty {
		return 0, nil
	}
	return 1, nil
}

// checkSchema looks at an open database's version: it refuses a newer one,
// and says whether it must be migrated (or stamped, when still empty).
func (d *DB) checkSchema(db *bolt.DB) (version int, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		version, err = schemaOf(tx)
		return err
	})
	if err == nil && version > SchemaVersion {
		err = &newerSchemaError{path: d.path, found: version}
	}
	return version, err
}

// migrate brings a database opened for writing to SchemaVersion in one
// transaction: every step is applied, or none.
func migrate(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		v, err := schemaOf(tx)
		if err != nil {
			return err
		}
		if v == 0 {
			v = SchemaVersion // nothing recorded: nothing to convert
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate state database from schema %d to %d: %w", v, v+1, err)
			}
		}
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		return meta.Put(schemaKey, []byte(strconv.Itoa(SchemaVersion)))
	})
}

// pidOwner is how schema 1 named the command creating or removing a
// container.
type pidOwner struct {
	Pid       int    `json:"pid"`
	StartTime uint64 `json:"startTime"`
}

// dropDeadOwners (1 -> 2): a container record named the process creating or
// removing it. Each owner is checked once, here: a process that is gone
// leaves no owner, so the record reads as orphaned and the next Reconcile
// finishes it; a process still running (an older roost mid-command during
// the upgrade) keeps its owner, which Reconcile checks by pid until that
// command has rewritten the record. Empty owners go.
func dropDeadOwners(tx *bolt.Tx) error {
	kind := tx.Bucket([]byte(Containers))
	if kind == nil {
		return nil
	}
	recs := kind.Bucket([]byte("records"))
	if recs == nil {
		return nil
	}
	changed := map[string][]byte{}
	err := recs.ForEach(func(id, raw []byte) error {
		out, ok, err := withoutDeadOwner(raw)
		if err != nil {
			return fmt.Errorf("container %s: %w", id, err)
		}
		if ok {
			changed[string(id)] = out
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id, raw := range changed {
		if err := recs.Put([]byte(id), raw); err != nil {
			return err
		}
	}
	return nil
}

// withoutDeadOwner returns the record without state.owner unless that owner
// still runs; ok is false when the record stays as it is.
func withoutDeadOwner(raw []byte) (out []byte, ok bool, err error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, false, err
	}
	var st map[string]json.RawMessage
	if s, found := rec["state"]; !found || json.Unmarshal(s, &st) != nil {
		return nil, false, nil
	}
	ownerRaw, found := st["owner"]
	if !found {
		return nil, false, nil
	}
	var owner pidOwner
	if json.Unmarshal(ownerRaw, &owner) == nil && owner.Pid > 0 {
		if started, err := proc.StartTime(owner.Pid); err == nil && started == owner.StartTime {
			return nil, false, nil
		}
	}
	delete(st, "owner")
	if rec["state"], err = json.Marshal(st); err != nil {
		return nil, false, err
	}
	out, err = json.Marshal(rec)
	return out, err == nil, err
}
