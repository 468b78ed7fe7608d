package network

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/roost-containers/roost/pkg/state"
)

// A default network saved as "roost" (before it took Podman's name) is
// found under every name, keeps its leases, lists as "podman", and the
// first save frees the old name.
func TestDefaultNetworkLegacyRecord(t *testing.T) {
	m := &Manager{DB: state.Open(filepath.Join(t.TempDir(), "db")), RunDir: t.TempDir()}
	old := m.defaultNetwork()
	old.Name = legacyName
	old.Leases = map[string]Lease{"10.88.0.2": {Container: "c1"}}
	if err := m.DB.Update(func(tx *state.Tx) error { return put(tx, old) }); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"podman", "roost", "bridge", defaultID} {
		n, err := m.Get(ref)
		if err != nil || n.Name != DefaultName || n.Leases["10.88.0.2"].Container != "c1" {
			t.Fatalf("Get(%s) = %+v, %v", ref, n, err)
		}
	}
	if _, err := m.Create(CreateOptions{Name: "aaa"}); err != nil {
		t.Fatal(err)
	}
	list, err := m.List()
	if err != nil || len(list) != 2 || list[0].Name != "aaa" || list[1].Name != DefaultName {
		t.Fatalf("List: %+v %v", list, err)
	}
	err = m.DB.Update(func(tx *state.Tx) error {
		n, err := m.get(tx, "roost")
		if err != nil {
			return err
		}
		return put(tx, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = m.DB.View(func(tx *state.Tx) error {
		if id, err := tx.LookupName(state.Networks, DefaultName); err != nil || id != defaultID {
			t.Errorf("after a save the record is named %s: %s %v", DefaultName, id, err)
		}
		if _, err := tx.LookupName(state.Networks, legacyName); err == nil {
			t.Errorf("the old name is still taken after a save")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Remove("roost"); err == nil || err.Error() != "default network roost cannot be removed" {
		t.Fatalf("Remove(roost): %v", err)
	}
}

// Container records written before the rename read as on "podman".
func TestRequestReadsLegacyName(t *testing.T) {
	var r struct {
		R Request    `json:"r"`
		A Attachment `json:"a"`
	}
	if err := json.Unmarshal([]byte(`{"r":{"network":"roost","ip":"10.88.0.9"},"a":{"network":"roost","ip":"10.88.0.9"}}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.R.Network != DefaultName || r.A.Network != DefaultName || r.R.IP != "10.88.0.9" || r.A.IP != "10.88.0.9" {
		t.Fatalf("legacy records: %+v", r)
	}
}
