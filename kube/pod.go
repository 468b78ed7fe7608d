package kube

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// podPlan is one pod checked and translated, ready to make.
type podPlan struct {
	w          workload
	pod        engine.PodRequest
	init, main []engine.CreateRequest
	// files are volumes to fill from ConfigMaps and Secrets: volume name
	// -> file path in it -> content.
	files map[string]map[string]string
	// podVolumes are the pod's own volumes (emptyDir, configMap, secret)
	// to create, named after the pod.
	podVolumes []string
}

// planPod translates a pod's spec into the engine's requests, checking
// everything a make would meet.
func planPod(w workload, env *envSources, o PlayOptions) (*podPlan, error) {
	p := &podPlan{w: w, files: map[string]map[string]string{}}
	po := pods.CreateOptions{Name: w.name, Hostname: w.spec.Hostname, Infra: true, Share: pods.DefaultShare,
		Labels: map[string]string{LabelPlayed: w.from}, ExitPolicy: pods.ExitStop}
	for k, v := range w.labels {
		po.Labels[k] = v
	}
	if po.Hostname == "" {
		po.Hostname = w.name
	}
	nf := engine.NetworkFlags{Networks: o.Networks, Publish: append([]string{}, o.Publish...)}
	if w.spec.HostNetwork {
		nf.Networks = []string{"host"}
	}
	for _, c := range append(append([]corev1.Container{}, w.spec.InitContainers...), w.spec.Containers...) {
		for _, port := range c.Ports {
			host := port.HostPort
			if host == 0 && o.PublishAll {
				host = port.ContainerPort
			}
			if host == 0 {
				continue
			}
			v := fmt.Sprintf("%d:%d/%s", host, port.ContainerPort, strings.ToLower(string(orTCP(port.Protocol))))
			if port.HostIP != "" {
				v = port.HostIP + ":" + v
			}
			nf.Publish = append(nf.Publish, v)
		}
	}
	ns, err := nf.Parse(true)
	if err != nil {
		return nil, err
	}
	po.Net, po.Ports = ns.Net, ns.Ports
	p.pod = engine.PodRequest{Options: po, NetworkGiven: len(o.Networks) > 0 || w.spec.HostNetwork}
	mounts, err := p.volumes(w, env)
	if err != nil {
		return nil, err
	}
	restart, err := restartPolicy(w)
	if err != nil {
		return nil, err
	}
	for i, c := range w.spec.InitContainers {
		r, err := containerRequest(w, c, env, mounts, "no", o)
		if err != nil {
			return nil, fmt.Errorf("initContainers[%d]: %w", i, err)
		}
		p.init = append(p.init, r)
	}
	if len(w.spec.Containers) == 0 {
		return nil, fmt.Errorf("spec.containers: a pod needs at least one container")
	}
	for i, c := range w.spec.Containers {
		r, err := containerRequest(w, c, env, mounts, restart, o)
		if err != nil {
			return nil, fmt.Errorf("containers[%d]: %w", i, err)
		}
		p.main = append(p.main, r)
	}
	return p, nil
}

func orTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// restartPolicy is the pod's restartPolicy as a Roost restart policy; a
// Job's pod never restarts when it succeeds.
func restartPolicy(w workload) (string, error) {
	switch w.spec.RestartPolicy {
	case "", corev1.RestartPolicyAlways:
		if w.isJob {
			if w.spec.RestartPolicy == corev1.RestartPolicyAlways {
				return "", fmt.Errorf("spec.template.spec.restartPolicy: a Job's pods take Never or OnFailure")
			}
			return "no", nil
		}
		return "always", nil
	case corev1.RestartPolicyOnFailure:
		return "on-failure", nil
	case corev1.RestartPolicyNever:
		return "no", nil
	}
	return "", fmt.Errorf("spec.restartPolicy %q: use Always, OnFailure or Never", w.spec.RestartPolicy)
}

// volumes maps the pod's volumes to mounts: a claim to its named volume,
// hostPath to a bind mount, emptyDir to a volume of the pod's (tmpfs
// with medium Memory), configMap and secret to a volume of the pod's
// filled with their keys.
func (p *podPlan) volumes(w workload, env *envSources) (map[string]spec.Mount, error) {
	out := map[string]spec.Mount{}
	for i, v := range w.spec.Volumes {
		path := fmt.Sprintf("spec.volumes[%d]", i)
		own := w.name + "-" + v.Name
		switch s := v.VolumeSource; {
		case s.PersistentVolumeClaim != nil:
			m := spec.Mount{Type: spec.TypeVolume, Source: s.PersistentVolumeClaim.ClaimName}
			if s.PersistentVolumeClaim.ReadOnly {
				m.Options = []string{"ro"}
			}
			out[v.Name] = m
		case s.HostPath != nil:
			out[v.Name] = spec.Mount{Type: spec.TypeBind, Source: s.HostPath.Path}
			if t := s.HostPath.Type; t != nil && *t != corev1.HostPathDirectoryOrCreate && *t != corev1.HostPathUnset {
				if _, err := os.Stat(s.HostPath.Path); err != nil {
					return nil, fmt.Errorf("%s.hostPath: %w", path, err)
				}
			}
		case s.EmptyDir != nil && s.EmptyDir.Medium == corev1.StorageMediumMemory:
			out[v.Name] = spec.Mount{Type: spec.TypeTmpfs, Source: "tmpfs"}
		case s.EmptyDir != nil:
			p.podVolumes = append(p.podVolumes, own)
			out[v.Name] = spec.Mount{Type: spec.TypeVolume, Source: own}
		case s.ConfigMap != nil, s.Secret != nil:
			kind, name, items, optional := "ConfigMap", "", []corev1.KeyToPath(nil), false
			if s.ConfigMap != nil {
				name, items, optional = s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional != nil && *s.ConfigMap.Optional
			} else {
				kind, name, items, optional = "Secret", s.Secret.SecretName, s.Secret.Items, s.Secret.Optional != nil && *s.Secret.Optional
			}
			files, err := volumeFiles(env, kind, name, items, optional)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			p.podVolumes = append(p.podVolumes, own)
			p.files[own] = files
			out[v.Name] = spec.Mount{Type: spec.TypeVolume, Source: own, Options: []string{"ro"}}
		default:
			return nil, fmt.Errorf("%s (%s): only persistentVolumeClaim, hostPath, emptyDir, configMap and secret volumes are supported", path, v.Name)
		}
	}
	return out, nil
}

func volumeFiles(env *envSources, kind, name string, items []corev1.KeyToPath, optional bool) (map[string]string, error) {
	files := map[string]string{}
	if len(items) == 0 {
		all, err := env.all(kind, name, optional)
		for _, kv := range all {
			files[kv[0]] = kv[1]
		}
		return files, err
	}
	for _, it := range items {
		v, ok, err := env.lookup(kind, name, it.Key, optional)
		if err != nil {
			return nil, err
		}
		if ok {
			files[filepath.Clean("/" + it.Path)[1:]] = v
		}
	}
	return files, nil
}

// containerRequest translates one container of the pod.
func containerRequest(w workload, c corev1.Container, env *envSources, vols map[string]spec.Mount, restart string, o PlayOptions) (engine.CreateRequest, error) {
	if c.Image == "" {
		return engine.CreateRequest{}, fmt.Errorf("%s: image is required", c.Name)
	}
	var co container.CreateOptions
	co.Name = w.name + "-" + c.Name
	co.Labels = map[string]string{LabelPlayed: w.from}
	sp := &co.Spec
	sp.Annotations = map[string]string{}
	for k, v := range w.annot {
		sp.Annotations[k] = v
	}
	for k, v := range o.Annotations {
		sp.Annotations[k] = v
	}
	sp.Process.Init = w.annot[annotInit+"/"+c.Name] == "TRUE"
	sp.Process.Args, sp.Process.WorkDir = c.Args, c.WorkingDir
	if len(c.Command) > 0 {
		ep := append([]string{}, c.Command...)
		sp.Process.Entrypoint = &ep
	}
	var err error
	if sp.Process.Env, err = env.containerEnv(c); err != nil {
		return engine.CreateRequest{}, err
	}
	sp.Process.Terminal = c.TTY || w.annot[annotTTY+"/"+c.Name] == "true"
	if err := security(w.spec.SecurityContext, c.SecurityContext, sp); err != nil {
		return engine.CreateRequest{}, fmt.Errorf("%s: securityContext: %w", c.Name, err)
	}
	if w.annot[annotPrivileged+"/"+c.Name] == "TRUE" {
		sp.Security.Privileged = true
	}
	for _, vm := range c.VolumeMounts {
		m, ok := vols[vm.Name]
		if !ok {
			return engine.CreateRequest{}, fmt.Errorf("%s: volumeMounts: no volume named %q in spec.volumes", c.Name, vm.Name)
		}
		m.Destination = vm.MountPath
		if vm.ReadOnly {
			m.Options = append(append([]string{}, m.Options...), "ro")
		}
		sp.Mounts = append(sp.Mounts, m)
	}
	if sp.Resources, err = resources(c.Resources); err != nil {
		return engine.CreateRequest{}, fmt.Errorf("%s: resources: %w", c.Name, err)
	}
	co.Run = container.RunOptions{StopTimeout: 10, Terminal: sp.Process.Terminal, Stdin: c.Stdin, LogDriver: o.LogDriver}
	if co.Run.Restart, err = monitor.ParseRestartPolicy(restart); err != nil {
		return engine.CreateRequest{}, err
	}
	if co.Run.Health, err = probe(c.LivenessProbe); err != nil {
		return engine.CreateRequest{}, fmt.Errorf("%s: livenessProbe: %w", c.Name, err)
	}
	pull, err := engine.ParsePullPolicy(string(c.ImagePullPolicy))
	if err != nil {
		return engine.CreateRequest{}, fmt.Errorf("%s: imagePullPolicy: %w", c.Name, err)
	}
	img := o.Progress
	img.Name, img.Pull = c.Image, pull
	return engine.CreateRequest{Image: img, Options: co, Pod: w.name}, nil
}

// security applies the pod's, then the container's, securityContext.
func security(pod *corev1.PodSecurityContext, c *corev1.SecurityContext, sp *spec.Options) error {
	var uid, gid *int64
	if pod != nil {
		uid, gid = pod.RunAsUser, pod.RunAsGroup
	}
	if c != nil {
		if c.RunAsUser != nil {
			uid = c.RunAsUser
		}
		if c.RunAsGroup != nil {
			gid = c.RunAsGroup
		}
		sp.Security.Privileged = c.Privileged != nil && *c.Privileged
		sp.Security.ReadOnlyRootfs = c.ReadOnlyRootFilesystem != nil && *c.ReadOnlyRootFilesystem
		if c.AllowPrivilegeEscalation != nil && !*c.AllowPrivilegeEscalation {
			sp.Process.NoNewPrivileges = true
		}
		if caps := c.Capabilities; caps != nil {
			for _, a := range caps.Add {
				sp.Security.CapAdd = append(sp.Security.CapAdd, string(a))
			}
			for _, d := range caps.Drop {
				sp.Security.CapDrop = append(sp.Security.CapDrop, string(d))
			}
		}
	}
	switch {
	case uid != nil && gid != nil:
		sp.Process.User = fmt.Sprintf("%d:%d", *uid, *gid)
	case uid != nil:
		sp.Process.User = strconv.FormatInt(*uid, 10)
	case gid != nil:
		return fmt.Errorf("runAsGroup needs runAsUser")
	}
	return nil
}

// resources maps limits (requests are a scheduler's business).
func resources(r corev1.ResourceRequirements) (*spec.Resources, error) {
	if len(r.Limits) == 0 {
		return nil, nil
	}
	out := &spec.Resources{}
	if m, ok := r.Limits[corev1.ResourceMemory]; ok {
		out.Memory = m.Value()
	}
	if c, ok := r.Limits[corev1.ResourceCPU]; ok {
		out.NanoCPUs = c.MilliValue() * 1e6
	}
	return out, nil
}
