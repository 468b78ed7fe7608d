package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pods"
	"github.com/roost-containers/roost/userns"
)

// SystemReset removes everything the user has: pods and containers
// (stopped first), volumes, networks, images and the store with the state
// database, then stops the namespace holder, so that nothing Roost started
// keeps running. It goes on past failures and returns them joined; what
// could not be removed one by one goes with the directories anyway.
func (e *Engine) SystemReset(ctx context.Context) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if ce, err := e.Containers(); err == nil {
		add(e.removeEveryPod(ctx))
		add(removeEveryContainer(ctx, ce))
		add(e.removeEveryVolume(ctx, ce))
	} else {
		add(err)
	}
	add(e.removeEveryNetwork(ctx))
	add(e.Networks().EndIdle())
	add(e.dropStore())
	add(e.removeDirs())
	add(stopHolder(e.opts.Config.HolderDir))
	return errors.Join(errs...)
}

func (e *Engine) removeEveryPod(ctx context.Context) error {
	pm, err := e.Pods()
	if err != nil {
		return err
	}
	all, err := pm.All()
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range all {
		if _, err := pm.Remove(ctx, p.ID, pods.RemoveOptions{Force: true}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func removeEveryContainer(ctx context.Context, ce *container.Engine) error {
	list, err := ce.List(ctx, container.ListOptions{All: true})
	if err != nil {
		return err
	}
	var errs []error
	// Dependents first: the list is newest first, and a container can
	// only depend on an older one.
	for i := range list {
		if _, err := ce.Remove(ctx, list[i].ID, container.RemoveOptions{Force: true, Volumes: true}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) removeEveryVolume(ctx context.Context, ce *container.Engine) error {
	vols, err := e.Volumes().List()
	if err != nil {
		return err
	}
	var errs []error
	for _, v := range vols {
		if _, err := ce.RemoveVolume(ctx, v.Name, container.VolumeRemoveOptions{Force: true}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) removeEveryNetwork(ctx context.Context) error {
	nets, err := e.Networks().List()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range nets {
		if n.Name == network.DefaultName {
			continue
		}
		if _, err := e.RemoveNetwork(ctx, n.Name, NetworkRemoveOptions{Force: true}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// dropStore unmounts every layer and closes storage, so its directories
// can go.
func (e *Engine) dropStore() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.store == nil {
		if _, err := e.storeLocked(); err != nil {
			return nil // nothing opened, nothing mounted
		}
	}
	_, err := e.store.Shutdown(true)
	e.store, e.containers, e.networks = nil, nil, nil
	if err != nil {
		return fmt.Errorf("shut storage down: %w", err)
	}
	return nil
}

// removeDirs removes the graph root (images, layers, the state database),
// the volumes and storage's run root.
func (e *Engine) removeDirs() error {
	cfg := e.opts.Config
	dirs := []string{cfg.GraphRoot, cfg.StorageRunRoot, e.Volumes().Dir}
	var errs []error
	for _, d := range dirs {
		if err := removeAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeAll removes dir; a mount left under it (a layer another command
// still had mounted, a network namespace file) is detached first.
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || !errors.Is(err, syscall.EBUSY) {
		return wrapRemove(dir, err)
	}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			_ = syscall.Unmount(p, syscall.MNT_DETACH)
		}
		return nil
	})
	return wrapRemove(dir, os.RemoveAll(dir))
}

func wrapRemove(dir string, err error) error {
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// stopHolder ends the namespace holder (its namespaces go with the last
// process in them) and removes the run directory's files, so the next
// command starts from nothing.
func stopHolder(runDir string) error {
	if h, err := userns.ReadHolder(runDir); err == nil {
		if err := syscall.Kill(h.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop the namespace holder %d: %w", h.Pid, err)
		}
	}
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return nil
	}
	var errs []error
	for _, en := range entries {
		// The lock stays: a command waiting on it keeps a valid lock.
		if strings.HasSuffix(en.Name(), ".lock") {
			continue
		}
		if err := removeAll(filepath.Join(runDir, en.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
