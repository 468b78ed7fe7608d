package container

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/spec"
)

// UpdateResources gives a container new cgroup limits (`update`), merged
// over those it has: a running container's cgroup first, through the
// runtime, so that a refused value changes nothing; then the record and the
// bundle's config.json, which every later start and inspect read.
func (e *Engine) UpdateResources(ctx context.Context, ref string, n *spec.Resources) (*Container, error) {
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	merged, err := c.Spec.Resources.Merge(n)
	if err != nil {
		return nil, err
	}
	lr, err := merged.Linux()
	if err != nil {
		return nil, err
	}
	bundle := filepath.Join(e.runDir(c.ID), "config.json")
	sp, _ := readSpec(bundle) // none yet: the next start writes it
	full := overlayResources(sp, lr)
	if c.State.Status == StatusRunning && c.Spec.Cgroups {
		if err := e.runtime(c).Update(ctx, c.ID, full); err != nil {
			return nil, fmt.Errorf("update container %s: %w", c.Name, err)
		}
	}
	rec, err := e.update(c.ID, func(r *Container) error {
		r.Spec.Resources = merged
		return nil
	})
	if err != nil || sp == nil {
		return rec, err
	}
	sp.Linux.Resources = full
	return rec, writeSpec(bundle, sp)
}

// overlayResources lays the limits of lr over the bundle's resources, keeping
// what only the bundle has (the device cgroup rules).
func overlayResources(sp *specs.Spec, lr *specs.LinuxResources) *specs.LinuxResources {
	out := specs.LinuxResources{}
	if sp != nil && sp.Linux != nil && sp.Linux.Resources != nil {
		out = *sp.Linux.Resources
	}
	if lr.Memory != nil {
		out.Memory = lr.Memory
	}
	if lr.CPU != nil {
		out.CPU = lr.CPU
	}
	if lr.Pids != nil {
		out.Pids = lr.Pids
	}
	if lr.BlockIO != nil {
		out.BlockIO = lr.BlockIO
	}
	if len(lr.Unified) > 0 {
		out.Unified = lr.Unified
	}
	return &out
}

func readSpec(path string) (*specs.Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sp specs.Spec
	if err := json.Unmarshal(b, &sp); err != nil || sp.Linux == nil {
		return nil, fmt.Errorf("%s: not a bundle's config: %v", path, err)
	}
	return &sp, nil
}

func writeSpec(path string, sp *specs.Spec) error {
	b, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
