// Package volume is Roost's local volume driver: named directories under the
// data directory that outlive containers, optionally backed by a tmpfs or a
// bind mount of a host directory. It records volumes in pkg/state; which
// containers use a volume is the container engine's knowledge, so callers
// pass it in where it matters (rm, prune, ls --filter dangling).
package volume

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/state"
)

// DriverLocal is the only driver: volumes on this machine's file systems.
const DriverLocal = "local"

var (
	// ErrExists is returned by Create for a name already taken.
	ErrExists = errors.New("volume already exists")
	// ErrInUse is returned when a volume a container uses would be removed.
	ErrInUse = errors.New("volume is being used")
	// ErrInvalid: Create was asked for what the local driver cannot make (a
	// bad name, driver or option); the message says which. The API socket
	// answers it with 400 rather than 500.
	ErrInvalid = errors.New("invalid volume options")
)

// invalidError keeps a validation message as it reads and makes it
// ErrInvalid to errors.Is.
type invalidError struct{ error }

func (invalidError) Unwrap() error { return ErrInvalid }

func invalid(err error) error { return invalidError{err} }

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Volume is what Roost records about one volume.
type Volume struct {
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	CreatedAt time.Time         `json:"createdAt"`
	Labels    map[string]string `json:"labels,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
	// Anonymous: made for one container (an image's VOLUME, `-v /path`);
	// `rm -v` and `run --rm` remove it with that container.
	Anonymous bool `json:"anonymous,omitempty"`
	// NeedsCopyUp: the first container to mount it fills it with the
	// image's files at the mount path, if it is still empty.
	NeedsCopyUp bool `json:"needsCopyUp,omitempty"`
	// NeedsChown: the first container to mount it gives the directory the
	// owner of the image's directory there, or the container's user.
	NeedsChown bool `json:"needsChown,omitempty"`
}

// Manager keeps the volumes of one configuration.
type Manager struct {
	DB      *state.DB
	Dir     string // where volumes live: DIR/NAME/_data
	LockDir string
	Events  events.Options // where create and remove are recorded
}

// New returns the manager for cfg: volumes live beside the graph root they
// belong to (~/.local/share/roost/volumes by default), since the state
// database that records them is per graph root too.
func New(cfg *config.Config) *Manager {
	return &Manager{
		DB:      state.Open(cfg.StateDB()),
		Dir:     Dir(cfg),
		LockDir: filepath.Join(cfg.RunDir, "locks", "volumes"),
		Events:  cfg.Events,
	}
}

// Dir is where the volumes of cfg live.
func Dir(cfg *config.Config) string {
	if cfg.VolumePath != "" {
		return cfg.VolumePath
	}
	if cfg.GraphRoot == filepath.Join(cfg.DataDir, "storage") {
		return filepath.Join(cfg.DataDir, "volumes")
	}
	return filepath.Join(cfg.GraphRoot, "volumes")
}

// Mountpoint is the directory a container sees: DIR/NAME/_data.
func (m *Manager) Mountpoint(name string) string {
	return filepath.Join(m.Dir, name, "_data")
}

// Lock takes the lock of one volume: data changes (copy-up, import, mounts)
// and the decision that it is unused happen under it.
func (m *Manager) Lock(ctx context.Context, name string) (*state.Lock, error) {
	return state.LockObject(ctx, m.LockDir, name)
}

// LockAll takes the locks of several volumes in name order, so two commands
// never wait for each other's lock; the returned function releases them.
func (m *Manager) LockAll(ctx context.Context, names []string) (func(), error) {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var held []*state.Lock
	release := func() {
		for _, l := range held {
			l.Unlock()
		}
	}
	for _, n := range sorted {
		l, err := m.Lock(ctx, n)
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, l)
	}
	return release, nil
}

// CreateOptions are `volume create`'s.
type CreateOptions struct {
	Name      string // empty: a random 64-hex name, as Podman gives
	Labels    map[string]string
	Options   map[string]string // the local driver's --opt
	Driver    string            // empty or "local"
	Anonymous bool
	// IgnoreExisting returns the existing volume instead of ErrExists
	// (`volume create --ignore`).
	IgnoreExisting bool
}

// Create records a new volume and makes its directory. The caller holds the
// volume's lock when a container's create depends on the answer.
func (m *Manager) Create(o CreateOptions) (*Volume, error) {
	if o.Driver != "" && o.Driver != DriverLocal {
		return nil, invalid(fmt.Errorf("volume driver %q is not supported: Roost has only the local driver", o.Driver))
	}
	if o.Name == "" {
		o.Name = randomName()
	} else if !validName.MatchString(o.Name) {
		return nil, invalid(fmt.Errorf("invalid volume name %q: use letters, digits and _ . - and begin with a letter or digit", o.Name))
	}
	opts, err := parseOptions(o.Options)
	if err != nil {
		return nil, invalid(err)
	}
	if opts.fsType == "bind" {
		// Podman checks the directory now, in these words, not at first use.
		if _, err := os.Stat(opts.device); err != nil {
			return nil, invalid(fmt.Errorf("invalid volume option device for driver 'local': %w", err))
		}
	}
	v := &Volume{
		Name: o.Name, Driver: DriverLocal, CreatedAt: time.Now().UTC(),
		Labels: o.Labels, Options: o.Options, Anonymous: o.Anonymous,
		NeedsCopyUp: true, NeedsChown: opts.ownerUID < 0 && opts.ownerGID < 0,
	}
	if opts.fsType == "bind" {
		// The user's own directory: never filled or re-owned behind their back.
		v.NeedsCopyUp, v.NeedsChown = false, false
	}
	err = m.DB.Update(func(tx *state.Tx) error {
		var old Volume
		if tx.Get(state.Volumes, v.Name, &old) == nil {
			if o.IgnoreExisting {
				*v = old
				return errIgnored
			}
			return fmt.Errorf("volume with name %s already exists: choose another name or remove it first: %w", v.Name, ErrExists)
		}
		return tx.Put(state.Volumes, v.Name, v.Name, v)
	})
	if errors.Is(err, errIgnored) {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	if err := m.makeDir(v, opts); err != nil {
		_ = m.Delete(v.Name)
		return nil, err
	}
	m.event(events.Create, v.Name)
	return v, nil
}

var errIgnored = errors.New("exists, ignored")

// makeDir creates DIR/NAME/_data, owned as --opt uid=/gid= say. The volume
// directory itself is private (0700) as Podman's; _data is 0755.
func (m *Manager) makeDir(v *Volume, o driverOptions) error {
	top := filepath.Join(m.Dir, v.Name)
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return fmt.Errorf("create volumes directory: %w", err)
	}
	if err := os.Mkdir(top, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	data := m.Mountpoint(v.Name)
	if err := os.Mkdir(data, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	if o.ownerUID >= 0 || o.ownerGID >= 0 {
		if err := os.Lchown(data, o.ownerUID, o.ownerGID); err != nil {
			return fmt.Errorf("volume %s: set owner: %w", v.Name, err)
		}
	}
	return nil
}

// Get reads a volume by its name or an unambiguous prefix of it.
func (m *Manager) Get(ref string) (*Volume, error) {
	var v Volume
	err := m.DB.View(func(tx *state.Tx) error {
		name, err := tx.Lookup(state.Volumes, ref)
		if errors.Is(err, state.ErrNotFound) {
			return noSuchVolume(ref)
		}
		if err != nil {
			return err
		}
		return tx.Get(state.Volumes, name, &v)
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Exact reads a volume by its full name only: `-v name:/path` must never
// pick another volume whose name merely begins with name.
func (m *Manager) Exact(name string) (*Volume, error) {
	var v Volume
	err := m.DB.View(func(tx *state.Tx) error { return tx.Get(state.Volumes, name, &v) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// List returns every volume, in name order.
func (m *Manager) List() ([]Volume, error) {
	var out []Volume
	err := m.DB.View(func(tx *state.Tx) (err error) {
		out, err = state.List[Volume](tx, state.Volumes)
		return err
	})
	return out, err
}

// Update re-reads a volume, applies fn and saves it in one transaction.
func (m *Manager) Update(name string, fn func(*Volume)) error {
	return m.DB.Update(func(tx *state.Tx) error {
		var v Volume
		if err := tx.Get(state.Volumes, name, &v); err != nil {
			return err
		}
		fn(&v)
		return tx.Put(state.Volumes, v.Name, v.Name, &v)
	})
}

// Delete removes a volume's mount, data and record. The caller has decided
// that no container uses it (and holds its lock).
func (m *Manager) Delete(name string) error {
	if err := unmount(m.Mountpoint(name)); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.RemoveAll(filepath.Join(m.Dir, name)); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	err := m.DB.Update(func(tx *state.Tx) error { return tx.Delete(state.Volumes, name) })
	if err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	m.event(events.Remove, name)
	return nil
}

func randomName() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// noSuchVolume is Podman's wording for an unknown volume (scripts match
// it); errors.Is still tells state.ErrNotFound.
type noSuchVolume string

func (n noSuchVolume) Error() string {
	return fmt.Sprintf("no volume with name %q found: no such volume", string(n))
}

func (n noSuchVolume) Is(target error) bool { return target == state.ErrNotFound }
