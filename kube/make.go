package kube

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/volume"
	"github.com/roost-containers/roost/pods"
)

// make creates the pod, its own volumes and containers, runs the init
// containers to completion and starts the pod (unless --start=false).
func (p *podPlan) make(ctx context.Context, core *engine.Engine, o PlayOptions) (PodReport, error) {
	mgr, err := core.Pods()
	if err != nil {
		return PodReport{}, err
	}
	if o.Replace {
		t := uint(0)
		if _, err := mgr.Remove(ctx, p.w.name, pods.RemoveOptions{Force: true, Timeout: &t}); err != nil && !isNotFound(err) {
			return PodReport{}, fmt.Errorf("replace pod %s: %w", p.w.name, err)
		}
	}
	pod, err := core.CreatePod(ctx, p.pod)
	if err != nil {
		return PodReport{}, err
	}
	rep := PodReport{ID: pod.ID, Name: pod.Name}
	if err := p.makeVolumes(core); err != nil {
		return rep, err
	}
	ce, err := core.Containers()
	if err != nil {
		return rep, err
	}
	if o.Start {
		for i, r := range p.init {
			id, err := p.runInit(ctx, core, mgr, ce, r, i == 0)
			if err != nil {
				return rep, err
			}
			rep.Init = append(rep.Init, id)
		}
	}
	for _, r := range p.main {
		res, err := core.CreateContainer(ctx, r)
		if err != nil {
			return rep, fmt.Errorf("container %s: %w", r.Options.Name, err)
		}
		rep.Containers = append(rep.Containers, res.Container.ID)
	}
	if o.Start {
		if _, err := mgr.Start(ctx, pod.ID); err != nil {
			return rep, fmt.Errorf("start pod %s: %w", pod.Name, err)
		}
	}
	return rep, nil
}

// runInit creates an init container, runs it to its end and removes it:
// a non-zero exit stops the play, as the pod would not start.
func (p *podPlan) runInit(ctx context.Context, core *engine.Engine, mgr *pods.Manager, ce *container.Engine, r engine.CreateRequest, first bool) (string, error) {
	res, err := core.CreateContainer(ctx, r)
	if err != nil {
		return "", fmt.Errorf("init container %s: %w", r.Options.Name, err)
	}
	id := res.Container.ID
	if first {
		_, err = mgr.Start(ctx, p.w.name) // the infra, then this one
	} else {
		_, err = ce.Start(ctx, id, container.StartOptions{})
	}
	if err != nil {
		return id, fmt.Errorf("start init container %s: %w", r.Options.Name, err)
	}
	code, err := ce.Wait(ctx, id)
	if err != nil {
		return id, fmt.Errorf("init container %s: %w", r.Options.Name, err)
	}
	if code != 0 {
		return id, fmt.Errorf("init container %s exited with status %d", r.Options.Name, code)
	}
	if _, err := ce.Remove(ctx, id, container.RemoveOptions{}); err != nil {
		return id, fmt.Errorf("remove init container %s: %w", r.Options.Name, err)
	}
	return id, nil
}

// makeVolumes creates the pod's own volumes and writes the ConfigMap and
// Secret files into theirs.
func (p *podPlan) makeVolumes(core *engine.Engine) error {
	vm := core.Volumes()
	for _, name := range p.podVolumes {
		labels := map[string]string{LabelPlayed: p.w.from, labelPod: p.w.name}
		if _, err := vm.Create(volume.CreateOptions{Name: name, Labels: labels, IgnoreExisting: true}); err != nil {
			return fmt.Errorf("volume %s: %w", name, err)
		}
		for rel, content := range p.files[name] {
			path := filepath.Join(vm.Mountpoint(name), rel)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				return fmt.Errorf("volume %s: %w", name, err)
			}
		}
	}
	return nil
}
