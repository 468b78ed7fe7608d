package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

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
	infraID    string
	created    time.Time
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
		if isNotFound(err) {
			if v, verr := core.Volumes().Get(ref); verr == nil {
				docs = append(docs, claimOf(v.Name, v.Labels, v.CreatedAt))
				continue
			}
		}
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
		out, err := encode(d)
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
		s := source{name: p.Name, labels: p.Labels, hostname: p.Hostname, createdPod: true, infraID: p.Infra, created: p.Created}
		for _, c := range list {
			if c.Pod != nil && c.Pod.IsInfra {
				s.ports = c.Ports
				s.hostNet = c.Net.Mode == container.NetHost
				continue
			}
			s.members = append(s.members, c)
		}
		if len(s.members) == 0 {
			return s, fmt.Errorf("pod %s only has an infra container: add a container to generate it", p.Name)
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
		return source{}, fmt.Errorf("no pod, container or volume %q: %w", ref, err)
	}
	if c.Pod != nil {
		return source{}, fmt.Errorf("container %s is in a pod: generate the pod", c.Name)
	}
	return source{name: c.Name + "-pod", members: []container.Container{*c}, ports: c.Ports,
		hostNet: c.Net.Mode == container.NetHost, created: c.Created}, nil
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
	if s.createdPod {
		pod.Spec.Hostname = s.hostname
		if pod.Spec.Hostname == "" {
			pod.Spec.Hostname = s.name
		}
	}
	if !s.created.IsZero() {
		pod.CreationTimestamp = metav1.NewTime(s.created.UTC())
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
		}
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		for k, v := range c.Spec.Annotations {
			pod.Annotations[k] = v
		}
		for k, v := range containerAnnotations(c, kc.Name, s.infraID) {
			pod.Annotations[k] = v
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
	kc := corev1.Container{Name: dnsName(name), Image: c.ImageName, WorkingDir: pr.WorkDir}
	switch {
	case pr.Entrypoint != nil:
		kc.Command, kc.Args = *pr.Entrypoint, pr.Args
	case len(c.Spec.Image.Entrypoint) == 0:
		// Without an entrypoint the words are the whole command, which
		// Podman writes as command.
		kc.Command = pr.Args
	default:
		kc.Args = pr.Args
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
	if !sec.Privileged {
		if caps := capabilitiesOf(sec); caps != nil {
			sc.Capabilities, set = caps, true
		}
	}
	if !set {
		return nil, nil
	}
	return sc, nil
}

// kubeDefaultCaps are the capabilities Kubernetes' runtimes give a
// container by default (the CRI's list), in their order.
var kubeDefaultCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}

// capabilitiesOf says how the container's capabilities differ from
// Kubernetes' defaults, so the pod there gets the same set as here (Roost's
// defaults lack MKNOD, NET_RAW and AUDIT_WRITE, as Podman's).
func capabilitiesOf(sec spec.SecurityOptions) *corev1.Capabilities {
	norm := func(c string) string {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		return c
	}
	have := map[string]bool{}
	base := spec.DefaultCapabilities
	if sec.DefaultCaps != nil {
		base = sec.DefaultCaps
	}
	for _, c := range base {
		have[norm(c)] = true
	}
	for _, c := range sec.CapAdd {
		if strings.EqualFold(c, "all") {
			return &corev1.Capabilities{Add: []corev1.Capability{"ALL"}}
		}
		have[norm(c)] = true
	}
	for _, c := range sec.CapDrop {
		delete(have, norm(c))
	}
	caps := &corev1.Capabilities{}
	inKube := map[string]bool{}
	for _, c := range kubeDefaultCaps {
		inKube[c] = true
		if !have[c] {
			caps.Drop = append(caps.Drop, corev1.Capability(c))
		}
	}
	var added []string
	for c := range have {
		if !inKube[c] {
			added = append(added, c)
		}
	}
	sort.Strings(added)
	for _, c := range added {
		caps.Add = append(caps.Add, corev1.Capability(c))
	}
	if len(caps.Add)+len(caps.Drop) == 0 {
		return nil
	}
	return caps
}

// containerAnnotations are Podman's per-container annotations, which its
// `kube play` reads back (Roost's too).
func containerAnnotations(c container.Container, name, infra string) map[string]string {
	b := func(v bool) string { return strings.ToUpper(strconv.FormatBool(v)) }
	a := map[string]string{
		annotTTY + "/" + name:        strconv.FormatBool(c.Run.Terminal),
		annotAutoRemove + "/" + name: b(c.Run.Remove),
		annotInit + "/" + name:       b(c.Spec.Process.Init),
		annotPrivileged + "/" + name: b(c.Spec.Security.Privileged),
		annotPublishAll + "/" + name: b(false),
	}
	if infra != "" {
		a["io.kubernetes.cri-o.ContainerType/"+name] = "container"
		// Podman refuses annotation values longer than 63 characters (and
		// cuts its own to that), so the infra's id is cut as Podman cuts it.
		a["io.kubernetes.cri-o.SandboxID/"+name] = infra[:min(len(infra), 63)]
	}
	return a
}

// Podman's annotation keys, per container (KEY/CONTAINER).
const (
	annotTTY        = "io.kubernetes.cri-o.TTY"
	annotAutoRemove = "io.podman.annotations.autoremove"
	annotInit       = "io.podman.annotations.init"
	annotPrivileged = "io.podman.annotations.privileged"
	annotPublishAll = "io.podman.annotations.publish-all"
)

// claimOf is the PersistentVolumeClaim of a named volume.
func claimOf(name string, labels map[string]string, created time.Time) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, CreationTimestamp: metav1.NewTime(created.UTC())},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
}

// encode writes an object as YAML without its status: what Roost writes
// is a request to a cluster, and a status is the cluster's answer.
func encode(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	return yaml.Marshal(m)
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
