package container

import (
	"context"
	"fmt"

	"go.podman.io/storage/pkg/mount"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/state"
)

// MountPoint is a mounted container's root filesystem, for `roost mount`.
type MountPoint struct {
	ID    string   `json:"id"`
	Names []string `json:"names"`
	Path  string   `json:"mountpoint"`
}

// Mount mounts a container's root filesystem (one more use of storage's mount
// count) and returns the merged path. It stays mounted until Unmount.
func (e *Engine) Mount(ref string) (string, error) {
	c, l, err := e.locked(context.TODO(), ref)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	path, err := e.Store.Mount(c.ID, "")
	if err != nil {
		return "", fmt.Errorf("mount container %s: %w", c.Name, err)
	}
	e.event(c, events.Mount)
	return path, nil
}

// Unmount releases one use of a container's mount made by Mount; force
// releases all of them. A container Roost itself keeps mounted (created or
// running) keeps that one mount: a running container's root is never
// unmounted under it. It returns the full id.
func (e *Engine) Unmount(ref string, force bool) (string, error) {
	c, l, err := e.locked(context.TODO(), ref)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	n, err := e.Store.Mounted(c.ID)
	if err != nil {
		return "", fmt.Errorf("mount count of %s: %w", c.Name, err)
	}
	keep := 0
	if e.holdsMount(c) {
		keep = 1
	}
	if n <= keep {
		if keep == 1 && c.State.Status != StatusCreated {
			// Never pull the root filesystem out from under a running container.
			return "", fmt.Errorf("cannot unmount %s: its root filesystem is in use: stop it first: %w", c.Name, ErrRunning)
		}
		return c.ID, nil // nothing of the user's to release
	}
	release := 1
	if force {
		release = n - keep
	}
	for i := 0; i < release; i++ {
		if _, err := e.Store.Unmount(c.ID, false); err != nil {
			return "", fmt.Errorf("unmount container %s: %w", c.Name, err)
		}
	}
	e.event(c, events.Unmount)
	return c.ID, nil
}

// holdsMount: Roost mounts a container's root at create and at each start,
// and releases it when the container exits.
func (e *Engine) holdsMount(c *Container) bool {
	switch c.State.Status {
	case StatusCreated, StatusRunning, StatusStopping, StatusUnknown:
		return true
	}
	return false
}

// Mounted lists the containers whose root filesystem is mounted.
func (e *Engine) Mounted() ([]MountPoint, error) {
	var all []Container
	err := e.DB.View(func(tx *state.Tx) (err error) {
		all, err = state.List[Container](tx, state.Containers)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []MountPoint
	for _, c := range all {
		if n, err := e.Store.Mounted(c.ID); err != nil || n == 0 {
			continue
		}
		sc, err := e.Store.Container(c.ID)
		if err != nil {
			continue
		}
		layer, err := e.Store.Layer(sc.LayerID)
		if err != nil || layer.MountPoint == "" {
			continue
		}
		// Storage's counts outlive a killed namespace holder; the kernel's
		// mount table says what is really mounted here (vfs mounts nothing).
		if ok, err := mount.Mounted(layer.MountPoint); e.Store.GraphDriverName() != "vfs" && (err != nil || !ok) {
			continue
		}
		out = append(out, MountPoint{ID: c.ID, Names: []string{c.Name}, Path: layer.MountPoint})
	}
	return out, nil
}
