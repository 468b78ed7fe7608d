package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pods"
)

// DownReport is what `kube down` removed.
type DownReport struct {
	Pods    []string // ids
	Volumes []string
}

// Down removes the pods the documents make (with their containers) and
// their own volumes (emptyDir, configMap, secret); with force, the
// claims' volumes too, as Podman's `kube down --force`. Pods already gone
// are skipped.
func Down(ctx context.Context, core *engine.Engine, docs []Document, force bool) (DownReport, error) {
	var rep DownReport
	mgr, err := core.Pods()
	if err != nil {
		return rep, err
	}
	t := uint(10)
	names := PodNames(docs)
	for _, name := range names {
		id, err := mgr.Remove(ctx, name, pods.RemoveOptions{Force: true, Timeout: &t})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("remove pod %s: %w", name, err)
		}
		rep.Pods = append(rep.Pods, id)
	}
	ce, err := core.Containers()
	if err != nil {
		return rep, err
	}
	vols, err := core.Volumes().List()
	if err != nil {
		return rep, err
	}
	mine := map[string]bool{}
	for _, n := range names {
		mine[n] = true
	}
	claims := map[string]bool{}
	if force {
		claims = claimNames(docs)
	}
	for _, v := range vols {
		if !mine[v.Labels[labelPod]] && !claims[v.Name] {
			continue
		}
		if _, err := ce.RemoveVolume(ctx, v.Name, container.VolumeRemoveOptions{}); err != nil && !isNotFound(err) {
			return rep, fmt.Errorf("remove volume %s: %w", v.Name, err)
		}
		rep.Volumes = append(rep.Volumes, v.Name)
	}
	return rep, nil
}

// claimNames are the volumes the file claims: its PersistentVolumeClaims
// and the claims its pods mount.
func claimNames(docs []Document) map[string]bool {
	out := map[string]bool{}
	for _, d := range docs {
		if pvc, ok := d.Obj.(*corev1.PersistentVolumeClaim); ok {
			out[pvc.Name] = true
		}
	}
	loads, _ := workloads(docs)
	for _, w := range loads {
		for _, v := range w.spec.Volumes {
			if c := v.PersistentVolumeClaim; c != nil {
				out[c.ClaimName] = true
			}
		}
	}
	return out
}
