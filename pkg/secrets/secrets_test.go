package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/roost-containers/roost/pkg/state"
)

func testManager(t *testing.T) *Manager {
	dir := t.TempDir()
	return &Manager{DB: state.Open(filepath.Join(dir, "state.db")), Dir: filepath.Join(dir, "secrets")}
}

func TestCreateLookupRemove(t *testing.T) {
	m := testManager(t)
	s, err := m.Create(CreateOptions{Name: "pw", Data: []byte("hunter2"), Labels: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ID) != 25 {
		t.Fatalf("id %q: want 25 hex digits", s.ID)
	}
	file := filepath.Join(m.Dir, "filedriver", s.ID)
	for p, want := range map[string]os.FileMode{file: 0o600, filepath.Dir(file): 0o700 | os.ModeDir} {
		st, err := os.Stat(p)
		if err != nil || st.Mode() != want {
			t.Fatalf("%s: mode %v (%v), want %v", p, st.Mode(), err, want)
		}
	}
	for _, ref := range []string{"pw", s.ID, s.ID[:5]} {
		_, data, err := m.Data(ref)
		if err != nil || string(data) != "hunter2" {
			t.Fatalf("Data(%q) = %q, %v", ref, data, err)
		}
	}
	if _, err := m.Create(CreateOptions{Name: "pw", Data: []byte("x")}); !errors.Is(err, ErrNameInUse) || err.Error() != "pw: secret name in use" {
		t.Fatalf("second create: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(file)); len(ents) != 1 {
		t.Fatalf("a refused create left files: %v", ents)
	}
	// A name that is a prefix of another secret's id is a new name.
	if _, err := m.Create(CreateOptions{Name: s.ID[:3], Data: []byte("y")}); err != nil {
		t.Fatalf("create a name that prefixes an id: %v", err)
	}
	if _, err := m.Remove(s.ID[:3]); err != nil {
		t.Fatal(err)
	}
	if list, err := m.List([]string{"name=^p"}); err != nil || len(list) != 1 {
		t.Fatalf("List name=^p: %v, %v", list, err)
	}
	if list, err := m.List([]string{"id=^zz"}); err != nil || len(list) != 0 {
		t.Fatalf("List id=^zz: %v, %v", list, err)
	}
	if _, err := m.List([]string{"label=a"}); err == nil {
		t.Fatal("List label=: want an invalid-filter error")
	}
	if id, err := m.Remove("pw"); err != nil || id != s.ID {
		t.Fatalf("Remove: %q, %v", id, err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("data file left after remove: %v", err)
	}
	if _, err := m.Lookup("pw"); !errors.Is(err, ErrNoSuchSecret) || err.Error() != `no secret with name or id "pw": no such secret` {
		t.Fatalf("Lookup after remove: %v", err)
	}
}

func TestCreateRefuses(t *testing.T) {
	m := testManager(t)
	for _, o := range []CreateOptions{
		{Name: "a", Data: nil},
		{Name: "a", Data: make([]byte, MaxSize)},
		{Name: "-a", Data: []byte("x")},
		{Name: "a", Data: []byte("x"), Driver: "pass"},
		{Name: "a", Data: []byte("x"), DriverOpts: map[string]string{"key": "v"}},
		{Name: "a", Data: []byte("x"), DriverOpts: map[string]string{"path": "rel"}},
	} {
		if _, err := m.Create(o); err == nil {
			t.Fatalf("Create(%s, driver %q, %v) succeeded", o.Name, o.Driver, o.DriverOpts)
		}
	}
	if list, _ := m.List(nil); len(list) != 0 {
		t.Fatalf("refused creates left records: %v", list)
	}
}
