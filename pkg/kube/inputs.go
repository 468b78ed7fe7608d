package kube

import (
	"context"
	"fmt"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// Inputs reads what generate kube maps: each pod named (its members, the
// ports its infra publishes), the lone containers named, which share one
// pod NAME-pod after the first, as in Podman, and the volumes named.
func Inputs(ctx context.Context, e *engine.Engine, refs []string) ([]PodInput, []string, error) {
	var in []PodInput
	var volumes []string
	lone := -1
	for _, ref := range refs {
		pi, isPod, err := input(ctx, e, ref)
		if err != nil {
			// A named volume alone becomes a claim, as in Podman.
			if v, verr := e.Volumes().Exact(ref); verr == nil {
				volumes = append(volumes, v.Name)
				continue
			}
			return nil, nil, err
		}
		if !isPod && lone >= 0 {
			in[lone].Containers = append(in[lone].Containers, pi.Containers...)
			in[lone].Ports = append(in[lone].Ports, pi.Ports...)
			continue
		}
		if !isPod {
			lone = len(in)
		}
		in = append(in, pi)
	}
	for i := range in {
		volumeOptions(e, &in[i])
	}
	return in, volumes, nil
}

func input(ctx context.Context, e *engine.Engine, ref string) (PodInput, bool, error) {
	mgr, err := e.Pods()
	if err != nil {
		return PodInput{}, false, err
	}
	ce, err := e.Containers()
	if err != nil {
		return PodInput{}, false, err
	}
	if p, err := mgr.Get(ref); err == nil {
		all, err := mgr.Containers(ctx, p)
		if err != nil {
			return PodInput{}, true, err
		}
		in := PodInput{Name: p.Name, Hostname: p.Hostname, Labels: map[string]string{}, Containers: pods.Members(all), Created: p.Created, InfraID: p.Infra}
		if in.Hostname == "" {
			in.Hostname = p.Name
		}
		for k, v := range p.Labels {
			if k != LabelPlay {
				in.Labels[k] = v
			}
		}
		if p.Infra != "" {
			if infra, err := ce.Get(p.Infra); err == nil {
				in.Ports, in.Net = infra.Ports, infra.Net
			}
		}
		return in, true, nil
	}
	c, err := ce.Get(ref)
	if err != nil {
		return PodInput{}, false, fmt.Errorf("%s is neither a pod nor a container: %w", ref, err)
	}
	return PodInput{Name: c.Name + "-pod", Ports: c.Ports, Containers: []container.Container{*c}, Created: c.Created, Net: c.Net}, false, nil
}

// volumeOptions records the driver options of the named volumes the pod
// mounts, which the claims carry in Podman's annotations.
func volumeOptions(e *engine.Engine, pi *PodInput) {
	pi.VolumeOptions = map[string]map[string]string{}
	for _, c := range pi.Containers {
		for _, m := range c.Spec.Mounts {
			if m.Type != spec.TypeVolume || m.Source == "" {
				continue
			}
			if v, err := e.Volumes().Exact(m.Source); err == nil && len(v.Options) > 0 {
				pi.VolumeOptions[m.Source] = v.Options
			}
		}
	}
}
