package kube

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/spec"
)

// GenerateOptions are `generate kube`'s flags.
type GenerateOptions struct {
	Type     string // pod (default), deployment or job
	Replicas int32  // for a deployment; 0: 1
	Service  bool   // also a Service for the published ports
}

// source is one pod's worth of Roost objects: a pod's members, or one
// container on its own.
type source struct {
	name       string
	labels     map[string]string
	hostname   string
	members    []container.Container
	ports      []container.PortMapping
	hostNet    bool
	createdPod bool
}

// Generate writes the YAML of pods and containers: one document per
// object (and a Service after each with --service), "---" between them.
func Generate(ctx context.Context, core *engine.Engine, refs []string, o GenerateOptions) ([]byte, error) {
	switch o.Type {
	case "", "pod", "deployment", "job":
	default:
		return nil, fmt.Errorf("invalid --type %q: use pod, deployment or job", o.Type)
	}
	if o.Replicas != 0 && o.Type != "deployment" {
		return nil, fmt.Errorf("--replicas is only for --type deployment")
	}
	var docs []any
	for _, ref := range refs {
		src, err := sourceOf(ctx, core, ref)
		if err != nil {
			return nil, err
		}
		pod, err := podOf(src)
		if err != nil {
			return nil, fmt.Errorf("generate kube %s: %w", ref, err)
		}
		obj, err := wrap(pod, o)
		if err != nil {
			return nil, err
		}
		docs = append(docs, obj)
		if o.Service {
			if svc := serviceOf(pod); svc != nil {
				docs = append(docs, svc)
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("# Save the output of this file and use kubectl create -f to import it into Kubernetes.\n#\n# Created with roost\n")
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		out, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		b.Write(out)
	}
	return b.Bytes(), nil
}

// sourceOf finds ref as a pod, else as a container.
func sourceOf(ctx context.Context, core *engine.Engine, ref string) (source, error) {
	mgr, err := core.Pods()
	if err != nil {
		return source{}, err
	}
	if p, list, err := mgr.GetWithContainers(ctx, ref); err == nil {
		s := source{name: p.Name, labels: p.Labels, hostname: p.Hostname, createdPod: true}
		for _, c := range list {
			if c.Pod != nil && c.Pod.IsInfra {
				s.ports = c.Ports
				s.hostNet = c.Net.Mode == container.NetHost
				continue
			}
			s.members = append(s.members, c)
		}
		if len(s.members) == 0 {
			return s, fmt.Errorf("pod %s has no containers but its infra: nothing to generate", p.Name)
		}
		return s, nil
	} else if !isNotFound(err) {
		return source{}, err
	}
	ce, err := core.Containers()
	if err != nil {
		return source{}, err
	}
	c, err := ce.Get(ref)
	if err != nil {
		return source{}, fmt.Errorf("no pod or container %q: %w", ref, err)
	}
	if c.Pod != nil {
		return source{}, fmt.Errorf("container %s is in a pod: generate the pod", c.Name)
	}
	return source{name: c.Name + "-pod", labels: nil, members: []container.Container{*c}, ports: c.Ports,
		hostNet: c.Net.Mode == container.NetHost}, nil
}

// podOf is the Pod of a source.
func podOf(s source) (*corev1.Pod, error) {
	name := dnsName(s.name)
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
	}
	for k, v := range s.labels {
		pod.Labels[k] = v
	}
	delete(pod.Labels, LabelPlayed)
	if s.hostname != "" && s.hostname != s.name {
		pod.Spec.Hostname = s.hostname
	}
	pod.Spec.HostNetwork = s.hostNet
	vols := map[string]corev1.Volume{}
	for i, c := range s.members {
		kc, err := containerOf(s, c, vols)
		if err != nil {
			return nil, fmt.Errorf("container %s: %w", c.Name, err)
		}
		if i == 0 {
			pod.Spec.RestartPolicy = restartOfRun(c)
			for _, pm := range s.ports {
				kc.Ports = append(kc.Ports, portOf(pm))
			}
			if len(c.Spec.Annotations) > 0 {
				pod.Annotations = c.Spec.Annotations
			}
		}
		pod.Spec.Containers = append(pod.Spec.Containers, kc)
	}
	names := make([]string, 0, len(vols))
	for n := range vols {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pod.Spec.Volumes = append(pod.Spec.Volumes, vols[n])
	}
	return pod, validatePod(&pod.ObjectMeta, &pod.Spec, false)
}

func restartOfRun(c container.Container) corev1.RestartPolicy {
	switch c.Run.Restart.Policy {
	case "always", "unless-stopped":
		return corev1.RestartPolicyAlways
	case "on-failure":
		return corev1.RestartPolicyOnFailure
	}
	return corev1.RestartPolicyNever
}

func portOf(pm container.PortMapping) corev1.ContainerPort {
	p := corev1.ContainerPort{ContainerPort: int32(pm.ContainerPort), HostPort: int32(pm.HostPort)}
	if pm.Protocol == "udp" {
		p.Protocol = corev1.ProtocolUDP
	}
	if pm.HostIP != "" && pm.HostIP != "0.0.0.0" {
		p.HostIP = pm.HostIP
	}
	return p
}

// containerOf maps one container; its mounts add to the pod's volumes.
func containerOf(s source, c container.Container, vols map[string]corev1.Volume) (corev1.Container, error) {
	name := c.Name
	if s.createdPod {
		name = strings.TrimPrefix(name, s.name+"-")
	}
	pr := c.Spec.Process
	kc := corev1.Container{Name: dnsName(name), Image: c.ImageName, Args: pr.Args, WorkingDir: pr.WorkDir}
	if pr.Entrypoint != nil {
		kc.Command = *pr.Entrypoint
	}
	for _, kv := range pr.Env {
		k, v, _ := strings.Cut(kv, "=")
		kc.Env = append(kc.Env, corev1.EnvVar{Name: k, Value: v})
	}
	kc.TTY, kc.Stdin = c.Run.Terminal, c.Run.Stdin
	for _, m := range c.Spec.Mounts {
		vm, v, err := mountOf(m)
		if err != nil {
			return kc, err
		}
		kc.VolumeMounts = append(kc.VolumeMounts, vm)
		vols[v.Name] = v
	}
	if r := c.Spec.Resources; r != nil && (r.Memory > 0 || r.NanoCPUs > 0) {
		kc.Resources.Limits = corev1.ResourceList{}
		if r.Memory > 0 {
			kc.Resources.Limits[corev1.ResourceMemory] = *resource.NewQuantity(r.Memory, resource.BinarySI)
		}
		if r.NanoCPUs > 0 {
			kc.Resources.Limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(r.NanoCPUs/1e6, resource.DecimalSI)
		}
	}
	sc, err := securityOf(c)
	if err != nil {
		return kc, err
	}
	kc.SecurityContext = sc
	if h := c.Run.Health; h != nil {
		kc.LivenessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: h.Test}},
			PeriodSeconds: int32(h.Interval.Seconds()), TimeoutSeconds: int32(h.Timeout.Seconds()),
			InitialDelaySeconds: int32(h.StartPeriod.Seconds()), FailureThreshold: int32(h.Retries),
		}
	}
	return kc, nil
}

// mountOf maps a mount: a named volume to a claim, a host path to
// hostPath, a tmpfs to an in-memory emptyDir.
func mountOf(m spec.Mount) (corev1.VolumeMount, corev1.Volume, error) {
	vm := corev1.VolumeMount{MountPath: m.Destination}
	for _, o := range m.Options {
		if o == "ro" || o == "readonly" {
			vm.ReadOnly = true
		}
	}
	var v corev1.Volume
	switch m.Type {
	case spec.TypeVolume:
		if m.Source == "" {
			return vm, v, fmt.Errorf("the anonymous volume at %s has no name to claim: give it one", m.Destination)
		}
		v = corev1.Volume{Name: volumeName(m.Source, "pvc"), VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: m.Source}}}
	case spec.TypeBind:
		t := corev1.HostPathDirectory
		if st, err := os.Stat(m.Source); err == nil && !st.IsDir() {
			t = corev1.HostPathFile
		}
		v = corev1.Volume{Name: volumeName(m.Source, "host"), VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: m.Source, Type: &t}}}
	case spec.TypeTmpfs:
		v = corev1.Volume{Name: volumeName(m.Destination, "tmpfs"), VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}
	default:
		return vm, v, fmt.Errorf("the %s mount at %s has no Kubernetes form", m.Type, m.Destination)
	}
	vm.Name = v.Name
	return vm, v, nil
}

func securityOf(c container.Container) (*corev1.SecurityContext, error) {
	sec, pr := c.Spec.Security, c.Spec.Process
	sc := &corev1.SecurityContext{}
	set := false
	if pr.User != "" {
		u, g, hasG := strings.Cut(pr.User, ":")
		uid, err := strconv.ParseInt(u, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("user %q: Kubernetes takes a numeric runAsUser", pr.User)
		}
		sc.RunAsUser, set = &uid, true
		if hasG {
			gid, err := strconv.ParseInt(g, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("group %q: Kubernetes takes a numeric runAsGroup", g)
			}
			sc.RunAsGroup = &gid
		}
	}
	if sec.Privileged {
		sc.Privileged, set = &sec.Privileged, true
	}
	if sec.ReadOnlyRootfs {
		sc.ReadOnlyRootFilesystem, set = &sec.ReadOnlyRootfs, true
	}
	if pr.NoNewPrivileges {
		f := false
		sc.AllowPrivilegeEscalation, set = &f, true
	}
	if len(sec.CapAdd)+len(sec.CapDrop) > 0 {
		sc.Capabilities, set = &corev1.Capabilities{}, true
		for _, a := range sec.CapAdd {
			sc.Capabilities.Add = append(sc.Capabilities.Add, corev1.Capability(strings.TrimPrefix(strings.ToUpper(a), "CAP_")))
		}
		for _, d := range sec.CapDrop {
			sc.Capabilities.Drop = append(sc.Capabilities.Drop, corev1.Capability(strings.TrimPrefix(strings.ToUpper(d), "CAP_")))
		}
	}
	if !set {
		return nil, nil
	}
	return sc, nil
}

// wrap puts the pod in a Deployment or Job when asked.
func wrap(pod *corev1.Pod, o GenerateOptions) (any, error) {
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels, Annotations: pod.Annotations}, Spec: pod.Spec}
	switch o.Type {
	case "deployment":
		n := o.Replicas
		if n == 0 {
			n = 1
		}
		tmpl.Spec.RestartPolicy = corev1.RestartPolicyAlways
		return &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name + "-deployment", Labels: pod.Labels},
			Spec: appsv1.DeploymentSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": pod.Name}},
				Template: tmpl},
		}, nil
	case "job":
		if tmpl.Spec.RestartPolicy == corev1.RestartPolicyAlways {
			tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
		}
		return &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name + "-job", Labels: pod.Labels},
			Spec:       batchv1.JobSpec{Template: tmpl},
		}, nil
	}
	return pod, nil
}

// serviceOf is a NodePort Service for the pod's published ports; nil
// when it publishes none.
func serviceOf(pod *corev1.Pod) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Labels: map[string]string{"app": pod.Name}},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": pod.Name}},
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := orTCP(p.Protocol)
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
				Name: fmt.Sprintf("%d-%s", p.ContainerPort, strings.ToLower(string(proto))), Protocol: proto,
				Port: p.ContainerPort, TargetPort: intstr.FromInt32(p.ContainerPort),
			})
		}
	}
	if len(svc.Spec.Ports) == 0 {
		return nil
	}
	return svc
}

// volumeName is a pod volume's name: what it comes from, then its kind,
// as one DNS-1123 label (the kind kept when the rest is cut short).
func volumeName(from, kind string) string {
	base := dnsName(from)
	if max := 63 - len(kind) - 1; len(base) > max {
		base = strings.Trim(base[len(base)-max:], "-")
	}
	return base + "-" + kind
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName makes a name a DNS-1123 label, as Kubernetes requires.
func dnsName(s string) string {
	n := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(n) > 63 {
		n = strings.Trim(n[:63], "-")
	}
	if n == "" {
		n = "x"
	}
	return n
}
