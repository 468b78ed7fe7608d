package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
	"github.com/roost-containers/roost/pods"
)

// PlayOptions are kube play's flags that act on the engine.
type PlayOptions struct {
	Network []string // --network, as run's
	Publish []string // --publish: more ports for every pod
	Start   bool     // start the pods (--start, default true)
	Replace bool     // remove what the same YAML made first
	// Build builds an image whose name matches a directory of BuildDir
	// (--context-dir, default the current directory) holding a
	// Containerfile or Dockerfile.
	Build    bool
	BuildDir string
	Progress io.Writer // pulls' and builds' progress; nil: none
	// Registry is how pulls reach registries (--authfile, --tls-verify,
	// --cert-dir, --creds).
	Registry image.RegistryOptions
	// UserNS is the pods' containers' user namespace (--userns).
	UserNS string
}

// PodReport is one pod made: its id and its containers' ids.
type PodReport struct {
	Name       string
	ID         string
	Containers []string
}

// Report is what kube play made, and what the user should be told.
type Report struct {
	Pods     []PodReport
	Volumes  []string
	Warnings []string // the engine's, each once
}

func (r *Report) warn(ws []string) {
	for _, w := range ws {
		if !slices.Contains(r.Warnings, w) {
			r.Warnings = append(r.Warnings, w)
		}
	}
}

// Play makes the plan's volumes and pods through the engine and starts
// them. Whatever fails to be made, nothing made by this call is left.
func Play(ctx context.Context, e *engine.Engine, p *Plan, o PlayOptions) (*Report, error) {
	if err := checkFree(e, p, o.Replace); err != nil {
		return nil, err
	}
	if err := checkHostPaths(p); err != nil {
		return nil, err
	}
	if o.Replace {
		if _, err := down(ctx, e, p, true); err != nil {
			return nil, err
		}
	}
	r := &Report{}
	if err := makeAll(ctx, e, p, o, r); err != nil {
		undo(ctx, e, r)
		return nil, err
	}
	if o.Start {
		if err := start(ctx, e, p, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// checkFree refuses a plan whose pods exist already, unless kube play made
// them and --replace says to remove them first.
func checkFree(e *engine.Engine, p *Plan, replace bool) error {
	mgr, err := e.Pods()
	if err != nil {
		return err
	}
	for _, pp := range p.Pods {
		pod, err := mgr.Get(pp.Name)
		if err != nil {
			continue
		}
		if _, played := pod.Labels[LabelPlay]; !played {
			return fmt.Errorf("pod %s already exists and kube play did not make it: remove it (`pod rm`) or rename the YAML's pod", pp.Name)
		}
		if !replace {
			return fmt.Errorf("pod %s already exists: remove it with `kube down`, or play with --replace", pp.Name)
		}
	}
	return nil
}

// checkHostPaths checks the hostPath volumes' types as the kubelet does:
// Directory and File must be there; DirectoryOrCreate and FileOrCreate are
// made (the only host change play makes, and kube down leaves them).
func checkHostPaths(p *Plan) error {
	for _, pp := range p.Pods {
		for _, hp := range pp.HostPaths {
			st, err := os.Stat(hp.Path)
			switch hp.Type {
			case corev1.HostPathDirectory:
				if err != nil || !st.IsDir() {
					return fmt.Errorf("pod %s: hostPath %s is not a directory (type Directory): make it, or use DirectoryOrCreate", pp.Name, hp.Path)
				}
			case corev1.HostPathFile:
				if err != nil || !st.Mode().IsRegular() {
					return fmt.Errorf("pod %s: hostPath %s is not a file (type File): make it, or use FileOrCreate", pp.Name, hp.Path)
				}
			case corev1.HostPathDirectoryOrCreate:
				if err != nil {
					if err := os.MkdirAll(hp.Path, 0o755); err != nil {
						return fmt.Errorf("pod %s: hostPath %s: %w", pp.Name, hp.Path, err)
					}
				}
			case corev1.HostPathFileOrCreate:
				if err != nil {
					f, err := os.OpenFile(hp.Path, os.O_CREATE|os.O_WRONLY, 0o644)
					if err != nil {
						return fmt.Errorf("pod %s: hostPath %s: %w", pp.Name, hp.Path, err)
					}
					f.Close()
				}
			default:
				if err != nil {
					return fmt.Errorf("pod %s: hostPath %s: %w", pp.Name, hp.Path, err)
				}
			}
		}
	}
	return nil
}

func makeAll(ctx context.Context, e *engine.Engine, p *Plan, o PlayOptions, r *Report) error {
	for _, v := range p.Volumes {
		made, err := makeVolume(e, v)
		if made {
			r.Volumes = append(r.Volumes, v.Name)
		}
		if err != nil {
			return err
		}
	}
	for _, pp := range p.Pods {
		pr, err := makePod(ctx, e, pp, o, r)
		if pr.ID != "" {
			r.Pods = append(r.Pods, pr) // made, if only in part: undo removes it
		}
		if err != nil {
			return fmt.Errorf("pod %s: %w", pp.Name, err)
		}
	}
	return nil
}

// makeVolume makes a named volume unless it exists (a claim may name a
// volume the user made: it is used and left alone). A ConfigMap or Secret
// volume gets its files.
func makeVolume(e *engine.Engine, v VolumePlan) (bool, error) {
	vm := e.Volumes()
	if _, err := vm.Exact(v.Name); err == nil {
		if v.Files != nil {
			return false, fmt.Errorf("volume %s already exists: remove it, or play with --replace", v.Name)
		}
		return false, nil
	}
	if _, err := vm.Create(volume.CreateOptions{Name: v.Name, Labels: map[string]string{LabelPlay: "true"}, Options: v.Options}); err != nil {
		return false, err
	}
	if v.Files == nil {
		return true, nil
	}
	dir := vm.Mountpoint(v.Name)
	for name, data := range v.Files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return true, err
		}
		if err := os.WriteFile(path, data, os.FileMode(v.Mode)); err != nil {
			return true, err
		}
	}
	// Its files are the data: no copy from the image, no chown on first use.
	return true, vm.Update(v.Name, func(x *volume.Volume) { x.NeedsCopyUp, x.NeedsChown = false, false })
}

func makePod(ctx context.Context, e *engine.Engine, pp PodPlan, o PlayOptions, r *Report) (PodReport, error) {
	nf := engine.NetworkFlags{Networks: o.Network, Publish: o.Publish, DNS: pp.DNS, DNSSearch: pp.DNSSearch, DNSOptions: pp.DNSOptions, AddHosts: pp.AddHosts}
	if pp.HostNet {
		nf.Networks = []string{container.NetHost}
	}
	ns, err := nf.Parse(e.Config().Rootless)
	if err != nil {
		return PodReport{}, err
	}
	for i := range ns.Net.Networks {
		ns.Net.Networks[i].Aliases = append(ns.Net.Networks[i].Aliases, pp.Aliases...)
	}
	ports := append(append([]container.PortMapping{}, pp.Ports...), ns.Ports...)
	if ns.Net.Mode == container.NetHost {
		ports = nil
	}
	po := pods.CreateOptions{
		Name: pp.Name, Labels: pp.Labels, Hostname: pp.Hostname, Infra: true, ShareParent: true,
		Share: pods.DefaultShare, Net: ns.Net, Ports: ports, UserNS: o.UserNS,
		// Podman's for every played pod: done when its containers are, the
		// infra goes too.
		ExitPolicy: pods.ExitStop,
	}
	if pp.SharePID {
		po.Share = append(append([]string{}, pods.DefaultShare...), container.SharePID)
	}
	given := len(o.Network) > 0 || len(pp.DNS) > 0 || len(pp.AddHosts) > 0
	pod, err := e.CreatePod(ctx, engine.PodRequest{Options: po, NetworkGiven: given})
	if err != nil {
		return PodReport{}, err
	}
	pr := PodReport{Name: pp.Name, ID: pod.ID}
	for _, cp := range append(append([]ContainerPlan{}, pp.Init...), pp.Members...) {
		if o.Build {
			if err := buildImage(ctx, e, cp.Image, o); err != nil {
				return pr, err
			}
		}
		res, err := e.CreateContainer(ctx, engine.CreateRequest{
			Image:   engine.ImageRequest{Name: cp.Image, Pull: cp.Pull, Progress: o.Progress, Registry: o.Registry},
			Options: cp.Options, Pod: pod.ID, Unset: cp.Unset,
		})
		r.warn(res.Warnings)
		if err != nil {
			return pr, fmt.Errorf("container %s: %w", cp.Options.Name, err)
		}
		pr.Containers = append(pr.Containers, res.Container.ID)
	}
	return pr, nil
}

// buildImage builds image from BuildDir/NAME (NAME: the image's last path
// part without tag) when that directory has a Containerfile or Dockerfile,
// as Podman's --build does; other images are pulled as usual.
func buildImage(ctx context.Context, e *engine.Engine, ref string, o PlayOptions) error {
	base := ref
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	base, _, _ = strings.Cut(base, ":")
	dir := filepath.Join(o.BuildDir, base)
	found := false
	for _, f := range []string{"Containerfile", "Dockerfile"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			found = true
		}
	}
	if !found {
		return nil
	}
	_, err := e.Build(ctx, engine.BuildRequest{ContextDir: dir, Tags: []string{ref}, Layers: true, RemoveIntermediate: true, Output: o.Progress, Registry: o.Registry})
	if err != nil {
		return fmt.Errorf("build %s from %s: %w", ref, dir, err)
	}
	return nil
}

// undo removes what a failed play made, by id: never a pod or volume of
// the same name that another command made meanwhile.
func undo(ctx context.Context, e *engine.Engine, r *Report) {
	if mgr, err := e.Pods(); err == nil {
		for _, pr := range r.Pods {
			_, _ = mgr.Remove(ctx, pr.ID, pods.RemoveOptions{Force: true})
		}
	}
	if ce, err := e.Containers(); err == nil {
		for _, v := range r.Volumes {
			_, _ = ce.RemoveVolume(ctx, v, container.VolumeRemoveOptions{Force: true})
		}
	}
}

// start runs each pod's init containers to completion, in order, and
// removes them, then starts its containers. An init container that fails stops the pod's
// start, as in Kubernetes.
func start(ctx context.Context, e *engine.Engine, p *Plan, r *Report) error {
	ce, err := e.Containers()
	if err != nil {
		return err
	}
	for i, pp := range p.Pods {
		ids := r.Pods[i].Containers
		for j := range pp.Init {
			id := ids[j]
			if _, err := ce.Start(ctx, id, container.StartOptions{}); err != nil {
				return fmt.Errorf("pod %s: start init container %s: %w", pp.Name, pp.Init[j].Options.Name, err)
			}
			code, err := ce.Wait(ctx, id)
			if err != nil {
				return err
			}
			if code != 0 {
				return fmt.Errorf("pod %s: init container %s exited with code %d", pp.Name, pp.Init[j].Options.Name, code)
			}
			// Run once, as Podman's default init containers: a later pod
			// start does not run it again.
			if _, err := ce.Remove(ctx, id, container.RemoveOptions{}); err != nil {
				return fmt.Errorf("pod %s: remove init container %s: %w", pp.Name, pp.Init[j].Options.Name, err)
			}
		}
		r.Pods[i].Containers = ids[len(pp.Init):]
		for _, id := range ids[len(pp.Init):] {
			if _, err := ce.Start(ctx, id, container.StartOptions{}); err != nil {
				return fmt.Errorf("pod %s: start: %w", pp.Name, err)
			}
		}
	}
	return nil
}

// Down removes what Play made for the plan: its pods (only those labelled
// as played) with their containers, and the volumes it made.
func Down(ctx context.Context, e *engine.Engine, p *Plan) ([]string, error) {
	return down(ctx, e, p, false)
}

// down removes the pods, and the volumes play made (but claims' with
// keepClaims: --replace keeps their data).
func down(ctx context.Context, e *engine.Engine, p *Plan, keepClaims bool) ([]string, error) {
	mgr, err := e.Pods()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, pp := range p.Pods {
		pod, err := mgr.Get(pp.Name)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, ok := pod.Labels[LabelPlay]; !ok {
			continue // a pod of that name kube play did not make
		}
		if _, err := mgr.Remove(ctx, pod.ID, pods.RemoveOptions{Force: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove pod %s: %w", pp.Name, err))
			continue
		}
		removed = append(removed, pod.ID)
	}
	ce, err := e.Containers()
	if err != nil {
		return removed, errors.Join(append(errs, err)...)
	}
	for _, v := range p.Volumes {
		vol, err := e.Volumes().Exact(v.Name)
		if err != nil || vol.Labels[LabelPlay] == "" || (keepClaims && v.Claim) {
			continue
		}
		if _, err := ce.RemoveVolume(ctx, v.Name, container.VolumeRemoveOptions{Force: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}

// Wait waits until every container of the plan's pods (not the infras)
// has exited, or ctx ends.
func Wait(ctx context.Context, e *engine.Engine, r *Report) error {
	ce, err := e.Containers()
	if err != nil {
		return err
	}
	for _, pr := range r.Pods {
		for _, id := range pr.Containers {
			if _, err := ce.Wait(ctx, id); err != nil && !errors.Is(err, state.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}
