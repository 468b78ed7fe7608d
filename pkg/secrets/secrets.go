// Package secrets keeps the user's secrets: small blobs of sensitive data
// (passwords, keys) that containers get at run time without their being in
// an image, a container's configuration, a log or a commit. Metadata lives in
// the state database (kind "secrets": name index, id lookup by prefix); the
// file driver keeps each secret's data in a file of its own, mode 0600, in a
// directory of mode 0700 under the graph root.
package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/filter"
	"github.com/roost-containers/roost/pkg/state"
)

// Podman's words, which scripts match on; errors.Is works on all of them.
var (
	ErrNoSuchSecret = errors.New("no such secret")
	ErrNameInUse    = errors.New("secret name in use")
	ErrInvalidName  = errors.New("invalid secret name")
	ErrInvalidDrive = errors.New("invalid driver")
	ErrDataSize     = errors.New("secret data must be larger than 0 and less than 512000 bytes")
)

// DriverFile is the only driver: the data in a file of its own.
const DriverFile = "file"

// MaxSize bounds a secret's data, as Podman does (512000 bytes, exclusive).
const MaxSize = 512000

// idLength is the length of a secret's id: 25 hex digits, as Podman's.
const idLength = 25

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Secret is what Roost records about one secret: never its data.
type Secret struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Driver        string            `json:"driver"`
	DriverOptions map[string]string `json:"driverOptions"`
	Labels        map[string]string `json:"labels,omitempty"`
	CreatedAt     time.Time         `json:"createdAt"`
	UpdatedAt     time.Time         `json:"updatedAt"`
}

// Manager keeps the secrets of one graph root.
type Manager struct {
	DB  *state.DB
	Dir string // GRAPHROOT/secrets; the file driver's default is Dir/filedriver
}

// New returns the manager for cfg.
func New(cfg *config.Config) *Manager {
	return &Manager{DB: state.Open(cfg.StateDB()), Dir: filepath.Join(cfg.GraphRoot, "secrets")}
}

// CreateOptions is one secret to store.
type CreateOptions struct {
	Name       string
	Data       []byte
	Driver     string            // "" means file
	DriverOpts map[string]string // file: path=DIR
	Labels     map[string]string
}

// ValidName checks a secret's name with Podman's rule (and message).
func ValidName(name string) error {
	if !validName.MatchString(name) || len(name) > 64 || strings.HasSuffix(name, "-") || strings.HasSuffix(name, ".") {
		return fmt.Errorf("only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: %s: %w", name, ErrInvalidName)
	}
	return nil
}

// Create stores a secret: its data file first, then its record, so a name
// already taken (checked in the record's transaction) leaves no file behind.
func (m *Manager) Create(o CreateOptions) (*Secret, error) {
	if err := ValidName(o.Name); err != nil {
		return nil, err
	}
	if len(o.Data) == 0 || len(o.Data) >= MaxSize {
		return nil, ErrDataSize
	}
	opts, err := m.driverOptions(o.Driver, o.DriverOpts)
	if err != nil {
		return nil, err
	}
	// By name only: a new name may well be the prefix of another's id.
	if _, err := m.DB.NameID(state.Secrets, o.Name); err == nil {
		return nil, fmt.Errorf("%s: %w", o.Name, ErrNameInUse)
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	s := &Secret{ID: id, Name: o.Name, Driver: DriverFile, DriverOptions: opts, Labels: o.Labels, CreatedAt: now, UpdatedAt: now}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	d := fileDriver{dir: opts["path"]}
	if err := d.store(id, o.Data); err != nil {
		return nil, fmt.Errorf("creating secret %s: %w", o.Name, err)
	}
	err = m.DB.Update(func(tx *state.Tx) error { return tx.Put(state.Secrets, s.ID, s.Name, s) })
	if err != nil {
		d.remove(id)
		if errors.Is(err, state.ErrNameInUse) {
			return nil, fmt.Errorf("%s: %w", o.Name, ErrNameInUse)
		}
		return nil, fmt.Errorf("creating secret %s: %w", o.Name, err)
	}
	return s, nil
}

// driverOptions checks the driver and its options and fills the defaults.
func (m *Manager) driverOptions(driver string, given map[string]string) (map[string]string, error) {
	if driver != "" && driver != DriverFile {
		return nil, fmt.Errorf("%w %q: Roost stores secrets with the file driver only", ErrInvalidDrive, driver)
	}
	opts := map[string]string{"path": filepath.Join(m.Dir, "filedriver")}
	for k, v := range given {
		if k != "path" {
			return nil, fmt.Errorf("invalid driver option %q: the file driver takes path=DIR only", k)
		}
		if !filepath.IsAbs(v) {
			return nil, fmt.Errorf("invalid driver option path=%q: give an absolute directory", v)
		}
		opts[k] = filepath.Clean(v)
	}
	return opts, nil
}

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make secret id: %w", err)
	}
	return hex.EncodeToString(b)[:idLength], nil
}

// Lookup finds a secret by name, id or unambiguous id prefix.
func (m *Manager) Lookup(ref string) (*Secret, error) {
	var s Secret
	err := m.DB.View(func(tx *state.Tx) error {
		id, err := tx.Lookup(state.Secrets, ref)
		if err != nil {
			return err
		}
		return tx.Get(state.Secrets, id, &s)
	})
	if errors.Is(err, state.ErrNotFound) {
		return nil, fmt.Errorf("no secret with name or id %q: %w", ref, ErrNoSuchSecret)
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Data returns a secret's record and its data.
func (m *Manager) Data(ref string) (*Secret, []byte, error) {
	s, err := m.Lookup(ref)
	if err != nil {
		return nil, nil, err
	}
	b, err := fileDriver{dir: s.DriverOptions["path"]}.lookup(s.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("secret %s: %w", s.Name, err)
	}
	return s, b, nil
}

// Kind is the filters `secret ls` takes: name= and id= (regular
// expressions, as Podman matches them).
var Kind = filter.Kind[Secret]{Keys: map[string]filter.Key[Secret]{
	"name": filter.Regex(func(s Secret) string { return s.Name }),
	"id":   filter.Regex(func(s Secret) string { return s.ID }),
}}

// List returns the secrets that pass the filters, oldest first.
func (m *Manager) List(filters []string) ([]Secret, error) {
	keep, err := Kind.Compile(filters)
	if err != nil {
		return nil, err
	}
	var all []Secret
	err = m.DB.View(func(tx *state.Tx) (err error) {
		all, err = state.List[Secret](tx, state.Secrets)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if keep(s) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// Remove deletes a secret's record, then its data, and returns its id.
// Containers made with it keep working: they took their own copy at create
// (as in Podman, which does not refuse to remove a secret in use).
func (m *Manager) Remove(ref string) (string, error) {
	s, err := m.Lookup(ref)
	if err != nil {
		return "", err
	}
	err = m.DB.Update(func(tx *state.Tx) error { return tx.Delete(state.Secrets, s.ID) })
	if err != nil {
		return "", fmt.Errorf("deleting secret %s: %w", ref, err)
	}
	fileDriver{dir: s.DriverOptions["path"]}.remove(s.ID)
	return s.ID, nil
}

// fileDriver keeps each secret's data in DIR/ID, mode 0600.
type fileDriver struct{ dir string }

func (d fileDriver) store(id string, data []byte) error {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}
	// A directory made by an older release or by hand may be wider.
	if err := os.Chmod(d.dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d.dir, ".new-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(d.dir, id))
}

func (d fileDriver) lookup(id string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.dir, id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("its data is missing from %s: %w", d.dir, ErrNoSuchSecret)
	}
	return b, err
}

func (d fileDriver) remove(id string) { _ = os.Remove(filepath.Join(d.dir, id)) }
