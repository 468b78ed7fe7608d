// Package pods is Roost's pods: a set of containers sharing namespaces (by
// default net, ipc and uts) that an infra container holds. The infra runs
// catatonit -P, which does nothing but exist; members join its namespaces
// at every start (pkg/container's PodLink). A pod's state is derived from
// its containers' and never recorded.
package pods

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/state"
)

// Pod is what Roost records about one pod.
type Pod struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Created  time.Time         `json:"created"`
	Labels   map[string]string `json:"labels,omitempty"`
	Hostname string            `json:"hostname,omitempty"`
	// Share lists the namespaces members join: net, ipc, uts, pid.
	Share []string `json:"share,omitempty"`
	// Infra is the infra container's id; empty with --infra=false.
	Infra string `json:"infra,omitempty"`
	// UserNS is the members' default --userns.
	UserNS string `json:"userns,omitempty"`
	// UIDMap and GIDMap are the members' default --uidmap and --gidmap.
	UIDMap []string `json:"uidmap,omitempty"`
	GIDMap []string `json:"gidmap,omitempty"`
	// ExitPolicy: continue (also when empty: pods recorded before it) or stop.
	ExitPolicy string `json:"exitPolicy,omitempty"`
	// CgroupPath is the pod's cgroup, the parent of its containers'
	// (--share-parent, the default); empty: each container has its own.
	CgroupPath    string   `json:"cgroupPath,omitempty"`
	CreateCommand []string `json:"createCommand,omitempty"`
	// CreateArgs are the pod create flags as --name=value, for
	// `generate systemd --new`.
	CreateArgs []string `json:"createArgs,omitempty"`
}

// ErrNameInUse is returned when a pod's name is taken.
var ErrNameInUse = state.ErrNameInUse

// Manager does pod work on top of the container engine.
type Manager struct {
	Eng *container.Engine
}

// New returns a manager over a container engine.
func New(eng *container.Engine) *Manager { return &Manager{Eng: eng} }

func (m *Manager) lockDir() string { return filepath.Join(m.Eng.Cfg.RunDir, "locks", "pods") }

// lock takes the pod's lock: member creation and the pod's removal take it,
// so a container is never added to a pod being removed.
func (m *Manager) lock(ctx context.Context, id string) (*state.Lock, error) {
	return state.LockObject(ctx, m.lockDir(), id)
}

// Resolve turns a pod's name, id or id prefix into its id.
func (m *Manager) Resolve(ref string) (string, error) {
	var id string
	err := m.Eng.DB.View(func(tx *state.Tx) (err error) {
		id, err = tx.Lookup(state.Pods, ref)
		return err
	})
	return id, err
}

// Get reads one pod.
func (m *Manager) Get(ref string) (*Pod, error) {
	id, err := m.Resolve(ref)
	if err != nil {
		return nil, notFound(ref, err)
	}
	var p Pod
	err = m.Eng.DB.View(func(tx *state.Tx) error { return tx.Get(state.Pods, id, &p) })
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// locked resolves ref, takes the pod's lock and reads the record under it.
func (m *Manager) locked(ctx context.Context, ref string) (*Pod, *state.Lock, error) {
	id, err := m.Resolve(ref)
	if err != nil {
		return nil, nil, notFound(ref, err)
	}
	l, err := m.lock(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := m.Get(id)
	if err != nil {
		l.Unlock()
		return nil, nil, err
	}
	return p, l, nil
}

// All lists every pod, newest first.
func (m *Manager) All() ([]Pod, error) {
	var all []Pod
	err := m.Eng.DB.View(func(tx *state.Tx) (err error) {
		all, err = state.List[Pod](tx, state.Pods)
		return err
	})
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created.After(all[j].Created) })
	return all, err
}

// Containers lists a pod's containers with their live state, the infra
// first, then the members oldest first (the order to start them in).
func (m *Manager) Containers(ctx context.Context, p *Pod) ([]container.Container, error) {
	all, err := m.Eng.List(ctx, container.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var out []container.Container
	for _, c := range all {
		if c.Pod != nil && c.Pod.ID == p.ID {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pod.IsInfra != out[j].Pod.IsInfra {
			return out[i].Pod.IsInfra
		}
		return out[i].Created.Before(out[j].Created)
	})
	return out, nil
}

// GetWithContainers reads one pod and lists its containers, as Containers
// orders them.
func (m *Manager) GetWithContainers(ctx context.Context, ref string) (*Pod, []container.Container, error) {
	p, err := m.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	list, err := m.Containers(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	return p, list, nil
}

// Members are a pod's containers without its infra.
func Members(all []container.Container) []container.Container {
	var out []container.Container
	for _, c := range all {
		if !c.Pod.IsInfra {
			out = append(out, c)
		}
	}
	return out
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make pod id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// notFound says which pod is unknown in the words users meet.
func notFound(ref string, err error) error {
	if errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("%w: no such pod", err) // Podman's words; scripts match them
	}
	return err
}
