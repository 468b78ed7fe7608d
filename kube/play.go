package kube

import (
	"context"
	"errors"
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
	"github.com/roost-containers/roost/pods"
)

// Labels Roost puts on what it plays, so `kube down` and `ps` can tell.
const (
	LabelPlayed = "io.roost.kube.played" // on pods, containers, volumes: the object's Kind/name
	labelPod    = "io.roost.kube.pod"    // on a pod's own volumes (emptyDir, configMap, secret)
)

func isNotFound(err error) bool { return errors.Is(err, state.ErrNotFound) }

// PlayOptions are `kube play`'s flags.
type PlayOptions struct {
	Start    bool     // start the pods (--start, default true)
	Replace  bool     // remove pods of the same names first
	Networks []string // --network: the pods' networks; empty: the default
	Publish  []string // --publish: more ports for every pod
	// PublishAll publishes every containerPort on the same host port when
	// it has no hostPort (--publish-all; Kubernetes publishes none).
	PublishAll bool
	// Annotations go on every container (--annotation).
	Annotations map[string]string
	// Build and ContextDir: images named after a directory of ContextDir
	// with a Containerfile are built from it (BuildAuto: when missing).
	Build       string
	ContextDir  string
	BuildOutput io.Writer
	LogDriver   string
	// ConfigMaps are more ConfigMap documents (--configmap FILE...).
	ConfigMaps [][]byte
	// Registry and Pull are how images are pulled.
	Progress engine.ImageRequest
}

// PodReport is one pod played: its id and its containers' ids.
type PodReport struct {
	ID, Name   string
	Containers []string
	Init       []string
}

// PlayReport is what a play made.
type PlayReport struct {
	Pods    []PodReport
	Volumes []string
}

// workload is one pod to make: its name, template and what it came from.
type workload struct {
	name   string
	from   string // Kind/Name, for messages and the label
	meta   map[string]string
	annot  map[string]string
	spec   corev1.PodSpec
	isJob  bool
	labels map[string]string
}

// Play makes (and starts) the pods the documents describe, with their
// volumes. Everything is checked before anything is made; a failure
// while making removes what this play made.
func Play(ctx context.Context, core *engine.Engine, docs []Document, o PlayOptions) (PlayReport, error) {
	env, err := newEnvSources(docs, o.ConfigMaps)
	if err != nil {
		return PlayReport{}, err
	}
	loads, err := workloads(docs)
	if err != nil {
		return PlayReport{}, err
	}
	plans := make([]*podPlan, 0, len(loads))
	for _, w := range loads {
		p, err := planPod(w, env, o)
		if err != nil {
			return PlayReport{}, fmt.Errorf("%s: %w", w.from, err)
		}
		plans = append(plans, p)
	}
	if err := buildImages(ctx, core, plans, o); err != nil {
		return PlayReport{}, err
	}
	var rep PlayReport
	if err := makeClaims(core, docs, &rep); err != nil {
		return rep, err
	}
	for _, p := range plans {
		pr, err := p.make(ctx, core, o)
		if err != nil {
			if pr.ID != "" {
				rep.Pods = append(rep.Pods, pr) // made in part: it goes too
			}
			undo(ctx, core, rep)
			return PlayReport{}, fmt.Errorf("%s: %w", p.w.from, err)
		}
		rep.Pods = append(rep.Pods, pr)
	}
	return rep, nil
}

// workloads are the pods of every Pod, Deployment (one per replica),
// DaemonSet (one: this is one node) and Job.
func workloads(docs []Document) ([]workload, error) {
	var out []workload
	for _, d := range docs {
		switch obj := d.Obj.(type) {
		case *corev1.Pod:
			out = append(out, workload{name: obj.Name, from: "Pod/" + obj.Name, labels: obj.Labels, annot: obj.Annotations, spec: obj.Spec})
		case *appsv1.Deployment:
			n := 1
			if obj.Spec.Replicas != nil {
				n = int(*obj.Spec.Replicas)
			}
			for i := 0; i < n; i++ {
				out = append(out, workload{name: fmt.Sprintf("%s-pod-%d", obj.Name, i), from: "Deployment/" + obj.Name,
					labels: obj.Spec.Template.Labels, annot: obj.Spec.Template.Annotations, spec: obj.Spec.Template.Spec})
			}
		case *appsv1.DaemonSet:
			out = append(out, workload{name: obj.Name + "-pod", from: "DaemonSet/" + obj.Name,
				labels: obj.Spec.Template.Labels, annot: obj.Spec.Template.Annotations, spec: obj.Spec.Template.Spec})
		case *batchv1.Job:
			out = append(out, workload{name: obj.Name + "-pod", from: "Job/" + obj.Name, isJob: true,
				labels: obj.Spec.Template.Labels, annot: obj.Spec.Template.Annotations, spec: obj.Spec.Template.Spec})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no Pod, Deployment, DaemonSet or Job in the file: nothing to play")
	}
	return out, nil
}

// PodNames are the names of the pods the documents make, for `kube down`.
func PodNames(docs []Document) []string {
	loads, err := workloads(docs)
	if err != nil {
		return nil
	}
	names := make([]string, len(loads))
	for i, w := range loads {
		names[i] = w.name
	}
	return names
}

// makeClaims creates a named volume for each PersistentVolumeClaim that
// has none yet.
func makeClaims(core *engine.Engine, docs []Document, rep *PlayReport) error {
	vm := core.Volumes()
	for _, d := range docs {
		pvc, ok := d.Obj.(*corev1.PersistentVolumeClaim)
		if !ok {
			continue
		}
		if _, err := vm.Get(pvc.Name); err == nil {
			continue
		}
		labels := map[string]string{LabelPlayed: "PersistentVolumeClaim/" + pvc.Name}
		for k, v := range pvc.Labels {
			labels[k] = v
		}
		if _, err := vm.Create(volume.CreateOptions{Name: pvc.Name, Labels: labels}); err != nil {
			return fmt.Errorf("PersistentVolumeClaim/%s: %w", pvc.Name, err)
		}
		rep.Volumes = append(rep.Volumes, pvc.Name)
	}
	return nil
}

// undo removes the pods a failed play made (its volumes stay, as data).
func undo(ctx context.Context, core *engine.Engine, rep PlayReport) {
	mgr, err := core.Pods()
	if err != nil {
		return
	}
	t := uint(0)
	for _, p := range rep.Pods {
		_, _ = mgr.Remove(ctx, p.ID, pods.RemoveOptions{Force: true, Timeout: &t})
	}
}
