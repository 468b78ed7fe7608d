package pods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/state"
)

// ErrPodRunning: rm without -f of a pod with running containers.
var ErrPodRunning = errors.New("pod has running containers")

// each applies fn to the containers chosen by pick, in order, and joins
// the errors of every one that failed (the others still get their turn).
func each(list []container.Container, pick func(*container.Container) bool, fn func(*container.Container) error) error {
	var errs []error
	for i := range list {
		if c := &list[i]; pick(c) {
			if err := fn(c); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func everyone(*container.Container) bool { return true }

func running(c *container.Container) bool {
	return c.State.Status == container.StatusRunning || c.State.Status == container.StatusUnknown
}

// Start starts the infra, then every member, oldest first.
func (m *Manager) Start(ctx context.Context, ref string) (*Pod, error) {
	p, list, err := m.GetWithContainers(ctx, ref)
	if err != nil {
		return nil, err
	}
	return p, m.recorded(p, events.Start, each(list, everyone, func(c *container.Container) error {
		_, err := m.Eng.Start(ctx, c.ID, container.StartOptions{})
		return err
	}))
}

// Stop stops the members, then the infra that holds their namespaces.
func (m *Manager) Stop(ctx context.Context, ref string, timeout *uint) (*Pod, error) {
	p, list, err := m.GetWithContainers(ctx, ref)
	if err != nil {
		return nil, err
	}
	return p, m.recorded(p, events.Stop, m.stopAll(ctx, list, timeout))
}

func (m *Manager) stopAll(ctx context.Context, list []container.Container, timeout *uint) error {
	stop := func(c *container.Container) error {
		_, err := m.Eng.Stop(ctx, c.ID, timeout)
		return ignoreGone(err)
	}
	err := each(list, func(c *container.Container) bool { return !c.Pod.IsInfra }, stop)
	return errors.Join(err, each(list, func(c *container.Container) bool { return c.Pod.IsInfra }, stop))
}

// Restart stops the whole pod and starts it again: members must join the
// new infra's namespaces, so they cannot restart alone.
func (m *Manager) Restart(ctx context.Context, ref string, timeout *uint) (*Pod, error) {
	if _, err := m.Stop(ctx, ref, timeout); err != nil {
		return nil, err
	}
	return m.Start(ctx, ref)
}

// Kill sends sig to every running container of the pod, members first.
func (m *Manager) Kill(ctx context.Context, ref string, sig syscall.Signal) (*Pod, error) {
	p, list, err := m.GetWithContainers(ctx, ref)
	if err != nil {
		return nil, err
	}
	n := 0
	kill := func(c *container.Container) error {
		_, err := m.Eng.Kill(ctx, c.ID, sig)
		if err == nil {
			n++
		}
		return ignoreGone(err)
	}
	err = each(list, func(c *container.Container) bool { return running(c) && !c.Pod.IsInfra }, kill)
	err = errors.Join(err, each(list, func(c *container.Container) bool { return running(c) && c.Pod.IsInfra }, kill))
	if err == nil && n == 0 {
		return nil, fmt.Errorf("pod %s has no running container to kill: start it first", p.Name)
	}
	return p, m.recorded(p, events.Kill, err)
}

// Pause freezes (or thaws) every running container; without cgroups it
// fails as `roost pause` does, before touching any.
func (m *Manager) Pause(ctx context.Context, ref string, pause bool) (*Pod, error) {
	p, list, err := m.GetWithContainers(ctx, ref)
	if err != nil {
		return nil, err
	}
	return p, each(list, running, func(c *container.Container) error {
		var err error
		if pause {
			_, err = m.Eng.Pause(ctx, c.ID)
		} else {
			_, err = m.Eng.Unpause(ctx, c.ID)
		}
		if errors.Is(err, container.ErrNoCgroups) {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
		return err
	})
}

// RemoveOptions are `pod rm`'s flags.
type RemoveOptions struct {
	Force   bool
	Timeout *uint
}

// Remove removes a pod: its members, its infra (whose removal releases the
// pod's network: leases, veths, namespace file) and its record. Without
// Force a pod with a running container is refused and nothing is removed.
func (m *Manager) Remove(ctx context.Context, ref string, o RemoveOptions) (string, error) {
	p, l, err := m.locked(ctx, ref)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	list, err := m.Containers(ctx, p)
	if err != nil {
		return "", err
	}
	if !o.Force {
		for _, c := range list {
			if running(&c) && !c.Pod.IsInfra { // Podman stops a lone infra itself
				return "", fmt.Errorf("pod %s has running containers (%s): stop the pod first or use --force: %w", p.Name, c.Name, ErrPodRunning)
			}
		}
	}
	ro := container.RemoveOptions{Force: true, Timeout: o.Timeout, Pod: true}
	rm := func(c *container.Container) error {
		_, err := m.Eng.Remove(ctx, c.ID, ro)
		return ignoreGone(err)
	}
	if err := each(list, func(c *container.Container) bool { return !c.Pod.IsInfra }, rm); err != nil {
		return "", err
	}
	if err := each(list, func(c *container.Container) bool { return c.Pod.IsInfra }, rm); err != nil {
		return "", err
	}
	if err := m.Eng.DB.Update(func(tx *state.Tx) error { return tx.Delete(state.Pods, p.ID) }); err != nil && !errors.Is(err, state.ErrNotFound) {
		return "", err
	}
	if p.CgroupPath != "" {
		// The runtime made the pod's cgroup for its first container and
		// leaves it (cgroup v2, delegated); it is empty now. Best effort.
		_ = os.Remove(filepath.Join("/sys/fs/cgroup", p.CgroupPath))
	}
	l.Remove()
	return p.ID, m.recorded(p, events.Remove, nil)
}

// Prune removes every pod none of whose containers runs.
func (m *Manager) Prune(ctx context.Context) ([]string, error) {
	all, err := m.All()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for i := range all {
		list, err := m.Containers(ctx, &all[i])
		if err != nil {
			return removed, err
		}
		if Status(list) == StatusRunning || Status(list) == StatusDegraded || Status(list) == StatusPaused {
			continue
		}
		id, err := m.Remove(ctx, all[i].ID, RemoveOptions{})
		if errors.Is(err, ErrPodRunning) || errors.Is(err, state.ErrNotFound) {
			continue // started or removed meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, id)
	}
	return removed, errors.Join(errs...)
}

// ignoreGone: a container removed or stopped meanwhile is done.
func ignoreGone(err error) error {
	if errors.Is(err, state.ErrNotFound) || errors.Is(err, container.ErrNotRunning) {
		return nil
	}
	return err
}
