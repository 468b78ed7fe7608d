package kube

import (
	"fmt"
	"os"
	"path/filepath"
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

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
)

// Kinds generate kube writes (--type).
const (
	TypePod        = "pod"
	TypeDeployment = "deployment"
	TypeJob        = "job"
)

// GenerateOptions are generate kube's flags.
type GenerateOptions struct {
	Type     string // pod (""), deployment or job
	Replicas int32  // deployment only; 0: 1
	Service  bool   // add a Service for the published ports
	// Volumes are named volumes asked for by name: a claim each.
	Volumes []string
}

// PodInput is what one Kubernetes pod is made from: a Roost pod and its
// members, or a lone container (then Name is its name and Ports its own).
type PodInput struct {
	Name       string
	Labels     map[string]string
	Hostname   string
	Ports      []container.PortMapping
	Containers []container.Container
	// VolumeOptions are the named volumes' driver options, by name.
	VolumeOptions map[string]map[string]string
	// Created is the pod's (or the first container's) creation time;
	// InfraID the pod's infra container, empty for lone containers.
	Created time.Time
	InfraID string
	// Net is the pod's (its infra's, or the lone container's) network:
	// its --add-host and --dns settings are written.
	Net container.NetOptions
}

// Generate maps pods to Kubernetes objects: one workload per input, the
// PersistentVolumeClaims of the named volumes they mount, and with
// Service a Service per workload that publishes ports.
func Generate(in []PodInput, o GenerateOptions) ([]any, error) {
	switch o.Type {
	case "", TypePod, TypeDeployment, TypeJob:
	default:
		return nil, fmt.Errorf("invalid --type %q: use pod, deployment or job", o.Type)
	}
	if o.Replicas != 0 && o.Type != TypeDeployment {
		return nil, fmt.Errorf("--replicas applies to --type deployment only")
	}
	var objs, claims []any
	seen := map[string]bool{}
	for _, v := range o.Volumes {
		if !seen[v] {
			seen[v] = true
			claims = append(claims, claim(v, nil))
		}
	}
	for _, p := range in {
		t, vols, err := podTemplate(p, o.Type)
		if err != nil {
			return nil, err
		}
		objs = append(objs, workload(t, o))
		for _, v := range vols {
			if !seen[v] {
				seen[v] = true
				claims = append(claims, claim(v, p.VolumeOptions[v]))
			}
		}
		if o.Service {
			if s := service(t); s != nil {
				objs = append(objs, s)
			}
		}
	}
	return append(claims, objs...), nil
}

// workload wraps a pod template in the kind asked.
func workload(t corev1.PodTemplateSpec, o GenerateOptions) any {
	meta := metav1.ObjectMeta{Name: t.Name, Labels: t.Labels, Annotations: t.Annotations}
	switch o.Type {
	case TypeDeployment:
		n := o.Replicas
		if n == 0 {
			n = 1
		}
		t.Spec.RestartPolicy = corev1.RestartPolicyAlways
		t.ObjectMeta = metav1.ObjectMeta{Labels: t.Labels, Annotations: t.Annotations}
		return &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{
				Replicas: &n,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": t.Labels["app"]}},
				Template: t,
			},
		}
	case TypeJob:
		if t.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
			t.Spec.RestartPolicy = corev1.RestartPolicyNever
		}
		t.ObjectMeta = metav1.ObjectMeta{Labels: t.Labels, Annotations: t.Annotations}
		return &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: meta,
			Spec:       batchv1.JobSpec{Template: t},
		}
	}
	return &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: t.ObjectMeta, Spec: t.Spec}
}

// podTemplate is one pod's spec, and the named volumes it mounts.
func podTemplate(p PodInput, kind string) (corev1.PodTemplateSpec, []string, error) {
	name := Sanitize(p.Name)
	t := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}, CreationTimestamp: metav1.NewTime(p.Created.UTC().Truncate(time.Second))}}
	for k, v := range p.Labels {
		t.Labels[k] = v
	}
	if p.Hostname != "" {
		t.Spec.Hostname = p.Hostname
	}
	vs := &volumeSet{byKey: map[string]string{}}
	restart := ""
	taken := map[string]bool{}
	for i, c := range p.Containers {
		kc, err := kubeContainer(c, p.Name, vs)
		if err != nil {
			return t, nil, err
		}
		// Two Roost names may make one DNS label (web_1, web-1).
		for base, n := kc.Name, 2; taken[kc.Name]; n++ {
			kc.Name = fmt.Sprintf("%s-%d", base, n)
		}
		taken[kc.Name] = true
		if i == 0 {
			restart = c.Run.Restart.Policy
		}
		for k, v := range c.Spec.Annotations {
			annotate(&t, k, v)
		}
		podmanContainerAnnotations(&t, kc.Name, c, p.InfraID)
		t.Spec.Containers = append(t.Spec.Containers, kc)
	}
	if len(t.Spec.Containers) == 0 {
		return t, nil, fmt.Errorf("pod %s only has an infra container: add containers to it to generate its YAML", p.Name)
	}
	placePorts(&t.Spec, p)
	hostAliases(&t.Spec, p.Net)
	t.Spec.Volumes = vs.list
	t.Spec.RestartPolicy = restartPolicy(restart)
	return t, vs.claims, nil
}

// placePorts puts a pod's published ports on the container whose image
// exposes them, else on the first container (Kubernetes has no pod-level
// ports: hostPort belongs to a container).
func placePorts(s *corev1.PodSpec, p PodInput) {
	for _, pm := range p.Ports {
		i := 0
		key := fmt.Sprintf("%d/%s", pm.ContainerPort, strings.ToLower(pm.Protocol))
		for j, c := range p.Containers {
			if _, ok := c.Spec.Image.ExposedPorts[key]; ok {
				i = j
				break
			}
		}
		s.Containers[i].Ports = append(s.Containers[i].Ports, corev1.ContainerPort{
			ContainerPort: int32(pm.ContainerPort), HostPort: int32(pm.HostPort), HostIP: pm.HostIP,
			Protocol: corev1.Protocol(strings.ToUpper(protoOr(pm.Protocol))),
		})
	}
}

func protoOr(p string) string {
	if p == "" {
		return "tcp"
	}
	return p
}

func restartPolicy(p string) corev1.RestartPolicy {
	switch p {
	case monitor.RestartAlways, monitor.RestartUnlessStopped:
		return corev1.RestartPolicyAlways
	case monitor.RestartOnFailure:
		return corev1.RestartPolicyOnFailure
	}
	return corev1.RestartPolicyNever
}

func kubeContainer(c container.Container, pod string, vs *volumeSet) (corev1.Container, error) {
	sp := c.Spec
	kc := corev1.Container{
		Name:       Sanitize(strings.TrimPrefix(c.Name, pod+"-")),
		Image:      c.ImageName,
		WorkingDir: sp.Process.WorkDir,
		TTY:        sp.Process.Terminal,
		Stdin:      c.Run.Stdin,
	}
	kc.Command, kc.Args = commandOf(sp)
	if sp.Process.WorkDir == sp.Image.WorkingDir {
		kc.WorkingDir = ""
	}
	for _, kv := range sp.Process.Env {
		k, v, _ := strings.Cut(kv, "=")
		kc.Env = append(kc.Env, corev1.EnvVar{Name: k, Value: v})
	}
	for _, m := range sp.Mounts {
		vm, err := vs.add(m)
		if err != nil {
			return kc, fmt.Errorf("container %s: %w", c.Name, err)
		}
		kc.VolumeMounts = append(kc.VolumeMounts, vm)
	}
	kc.Resources = resources(sp.Resources)
	kc.SecurityContext = securityContext(sp)
	kc.LivenessProbe = probe(c.Run.Health)
	return kc, nil
}

func resources(r *spec.Resources) corev1.ResourceRequirements {
	var out corev1.ResourceRequirements
	if r == nil {
		return out
	}
	if r.Memory > 0 || r.NanoCPUs > 0 {
		out.Limits = corev1.ResourceList{}
	}
	if r.Memory > 0 {
		out.Limits[corev1.ResourceMemory] = *resource.NewQuantity(r.Memory, resource.BinarySI)
	}
	if r.NanoCPUs > 0 {
		out.Limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(r.NanoCPUs/1e6, resource.DecimalSI)
	}
	if r.MemoryReservation > 0 {
		out.Requests = corev1.ResourceList{corev1.ResourceMemory: *resource.NewQuantity(r.MemoryReservation, resource.BinarySI)}
	}
	return out
}

func securityContext(sp spec.Options) *corev1.SecurityContext {
	var sc corev1.SecurityContext
	set := false
	if sp.Security.Privileged {
		sc.Privileged, set = ptr(true), true
	}
	if sp.Security.ReadOnlyRootfs {
		sc.ReadOnlyRootFilesystem, set = ptr(true), true
	}
	if caps := capabilities(sp.Security); caps != nil && !sp.Security.Privileged {
		sc.Capabilities, set = caps, true
	}
	if u, g, ok := numericUser(sp.Process.User); ok {
		sc.RunAsUser, set = &u, true
		if g >= 0 {
			sc.RunAsGroup = &g
		}
	}
	if !set {
		return nil
	}
	return &sc
}

// numericUser reads "uid[:gid]" when both are numbers (Kubernetes has no
// user names); gid -1 when absent.
func numericUser(s string) (int64, int64, bool) {
	if s == "" {
		return 0, 0, false
	}
	us, gs, hasG := strings.Cut(s, ":")
	u, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	g := int64(-1)
	if hasG {
		if g, err = strconv.ParseInt(gs, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return u, g, true
}

// runtimeDefaultCaps are what a Kubernetes node's runtime (CRI-O,
// containerd) gives a container, in Docker's order: Roost's defaults and
// AUDIT_WRITE, MKNOD and NET_RAW.
var runtimeDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

func capName(c string) string {
	c = strings.ToUpper(c)
	if c == "ALL" || strings.HasPrefix(c, "CAP_") {
		return c
	}
	return "CAP_" + c
}

// capabilities are the container's capabilities as the difference from a
// node's default set, so that the cluster gives the same ones (Podman's
// spelling, CAP_ prefixed: its generate kube drops CAP_MKNOD, CAP_NET_RAW
// and CAP_AUDIT_WRITE from every container).
func capabilities(sec spec.SecurityOptions) *corev1.Capabilities {
	has := map[string]bool{}
	defaults := sec.DefaultCaps
	if defaults == nil {
		defaults = spec.DefaultCapabilities
	}
	dropAll := false
	for _, c := range sec.CapDrop {
		dropAll = dropAll || capName(c) == "ALL"
	}
	if !dropAll {
		for _, c := range defaults {
			has[capName(c)] = true
		}
	}
	var out corev1.Capabilities
	for _, c := range sec.CapAdd {
		has[capName(c)] = true
	}
	for _, c := range sec.CapDrop {
		delete(has, capName(c))
	}
	if dropAll {
		out.Drop = []corev1.Capability{"ALL"}
	} else {
		for _, c := range runtimeDefaultCaps {
			if !has[c] {
				out.Drop = append(out.Drop, corev1.Capability(c))
			}
		}
	}
	base := map[string]bool{}
	if !dropAll {
		for _, c := range runtimeDefaultCaps {
			base[c] = true
		}
	}
	var add []string
	for c := range has {
		if !base[c] {
			add = append(add, c)
		}
	}
	sort.Strings(add)
	for _, c := range add {
		out.Add = append(out.Add, corev1.Capability(c))
	}
	if out.Add == nil && out.Drop == nil {
		return nil
	}
	return &out
}

// commandOf splits the container's command as Kubernetes runs it: the
// effective entrypoint as command and the rest as args, or, without an
// entrypoint, the whole command (as Podman writes it).
func commandOf(sp spec.Options) ([]string, []string) {
	ep := sp.Image.Entrypoint
	if sp.Process.Entrypoint != nil {
		ep = *sp.Process.Entrypoint
	}
	if len(ep) == 1 && ep[0] == "" {
		ep = nil
	}
	cmd := sp.Process.Args
	if len(cmd) == 0 && sp.Process.Entrypoint == nil {
		cmd = sp.Image.Cmd
	}
	if len(ep) == 0 {
		return cmd, nil
	}
	return ep, cmd
}

// podmanContainerAnnotations writes Podman's per-container annotations,
// which its kube play reads.
func podmanContainerAnnotations(t *corev1.PodTemplateSpec, name string, c container.Container, infra string) {
	b := func(v bool) string {
		if v {
			return "TRUE"
		}
		return "FALSE"
	}
	annotate(t, "io.kubernetes.cri-o.TTY/"+name, strconv.FormatBool(c.Spec.Process.Terminal))
	annotate(t, AnnotationAutoremove+"/"+name, b(c.Run.Remove))
	annotate(t, AnnotationInit+"/"+name, b(c.Spec.Process.Init))
	annotate(t, AnnotationPrivileged+"/"+name, b(c.Spec.Security.Privileged))
	annotate(t, AnnotationPublishAll+"/"+name, b(false))
	if infra != "" {
		annotate(t, "io.kubernetes.cri-o.ContainerType/"+name, "container")
		if len(infra) > 63 {
			infra = infra[:63] // Kubernetes' limit for a label-like value
		}
		annotate(t, "io.kubernetes.cri-o.SandboxID/"+name, infra)
	}
}

func probe(h *monitor.HealthConfig) *corev1.Probe {
	if h == nil || len(h.Test) == 0 {
		return nil
	}
	return &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: h.Test}},
		InitialDelaySeconds: int32(h.StartPeriod.Seconds()),
		PeriodSeconds:       int32(h.Interval.Seconds()),
		TimeoutSeconds:      int32(h.Timeout.Seconds()),
		FailureThreshold:    int32(h.Retries),
	}
}

// volumeSet gathers a pod's volumes: one entry per named volume, host
// path or tmpfs, shared by the containers that mount it.
type volumeSet struct {
	list   []corev1.Volume
	byKey  map[string]string
	claims []string
}

func (vs *volumeSet) add(m spec.Mount) (corev1.VolumeMount, error) {
	ro := hasOpt(m.Options, "ro")
	var key, name string
	var src corev1.VolumeSource
	switch m.Type {
	case spec.TypeVolume:
		if m.Source == "" {
			return corev1.VolumeMount{}, fmt.Errorf("anonymous volume at %s has no name a claim could carry: use a named volume", m.Destination)
		}
		key, name = "v:"+m.Source, Sanitize(m.Source)+"-pvc"
		src.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{ClaimName: Sanitize(m.Source)}
	case spec.TypeBind:
		key, name = "b:"+m.Source, Sanitize(strings.Trim(m.Source, "/"))+"-host"
		src.HostPath = &corev1.HostPathVolumeSource{Path: m.Source, Type: hostPathType(m.Source)}
	case spec.TypeTmpfs:
		key, name = "t:"+m.Destination, Sanitize(strings.Trim(m.Destination, "/"))+"-tmpfs"
		src.EmptyDir = &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}
	default:
		return corev1.VolumeMount{}, fmt.Errorf("a %s mount at %s has no Kubernetes volume", m.Type, m.Destination)
	}
	if have, ok := vs.byKey[key]; ok {
		return corev1.VolumeMount{Name: have, MountPath: m.Destination, ReadOnly: ro}, nil
	}
	name = vs.unique(name)
	vs.byKey[key] = name
	vs.list = append(vs.list, corev1.Volume{Name: name, VolumeSource: src})
	if m.Type == spec.TypeVolume {
		vs.claims = append(vs.claims, m.Source)
	}
	return corev1.VolumeMount{Name: name, MountPath: m.Destination, ReadOnly: ro}, nil
}

func (vs *volumeSet) unique(name string) string {
	taken := func(n string) bool {
		for _, v := range vs.list {
			if v.Name == n {
				return true
			}
		}
		return false
	}
	out := name
	for i := 1; taken(out); i++ {
		out = fmt.Sprintf("%s-%d", name, i)
	}
	return out
}

func hasOpt(opts []string, o string) bool {
	for _, v := range opts {
		if v == o {
			return true
		}
	}
	return false
}

// claim is a named volume as a PersistentVolumeClaim: kube play makes the
// volume of that name again, with its driver options (Podman's
// annotations); a name Kubernetes refuses is kept in an annotation.
func claim(name string, opts map[string]string) *corev1.PersistentVolumeClaim {
	ann := map[string]string{}
	if Sanitize(name) != name {
		ann[AnnotationVolumeName] = name
	}
	for opt, key := range map[string]string{
		"device": AnnotationVolumeDevice, "type": AnnotationVolumeType, "o": AnnotationVolumeOptions,
		"uid": AnnotationVolumeUID, "gid": AnnotationVolumeGID,
	} {
		if v, ok := opts[opt]; ok {
			ann[key] = v
		}
	}
	if len(ann) == 0 {
		ann = nil
	}
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Name: Sanitize(name), Annotations: ann},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse("1Gi"),
			}},
		},
	}
}

// service publishes a pod's host ports as a NodePort Service; nil when the
// pod publishes none.
func service(t corev1.PodTemplateSpec) *corev1.Service {
	var ports []corev1.ServicePort
	for _, c := range t.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			ports = append(ports, corev1.ServicePort{
				Name: fmt.Sprintf("%d-%s", p.HostPort, strings.ToLower(string(p.Protocol))), Protocol: p.Protocol,
				Port: p.HostPort, TargetPort: intstr.FromInt32(p.ContainerPort),
			})
		}
	}
	if len(ports) == 0 {
		return nil
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i].Port < ports[j].Port })
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: t.Name, Labels: map[string]string{"app": t.Labels["app"]}},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: map[string]string{"app": t.Labels["app"]},
			Ports:    ports,
		},
	}
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// Sanitize makes a Roost name (letters, digits, _ . -) a DNS-1123 label,
// as Kubernetes wants names of pods, containers, volumes and claims.
func Sanitize(s string) string {
	s = notLabel.ReplaceAllString(strings.ToLower(filepath.ToSlash(s)), "-")
	s = strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	if s == "" {
		s = "x"
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func annotate(t *corev1.PodTemplateSpec, k, v string) {
	if t.Annotations == nil {
		t.Annotations = map[string]string{}
	}
	t.Annotations[k] = v
}

// hostPathType says what the bind mount's source is, as Podman writes it
// (the cluster checks it); nil when it cannot be read here.
func hostPathType(path string) *corev1.HostPathType {
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	t := corev1.HostPathFile
	if st.IsDir() {
		t = corev1.HostPathDirectory
	}
	return &t
}

// hostAliases writes --add-host (host:ip) as hostAliases, one per IP in
// the order given, and --dns, --dns-search, --dns-option as dnsConfig.
func hostAliases(s *corev1.PodSpec, n container.NetOptions) {
	at := map[string]int{}
	for _, h := range n.AddHosts {
		name, ip, ok := strings.Cut(h, ":")
		if !ok {
			continue
		}
		i, seen := at[ip]
		if !seen {
			i = len(s.HostAliases)
			at[ip] = i
			s.HostAliases = append(s.HostAliases, corev1.HostAlias{IP: ip})
		}
		s.HostAliases[i].Hostnames = append(s.HostAliases[i].Hostnames, name)
	}
	if len(n.DNS) == 0 && len(n.DNSSearch) == 0 && len(n.DNSOptions) == 0 {
		return
	}
	d := &corev1.PodDNSConfig{Nameservers: n.DNS, Searches: n.DNSSearch}
	for _, o := range n.DNSOptions {
		name, v, hasV := strings.Cut(o, ":")
		opt := corev1.PodDNSConfigOption{Name: name}
		if hasV {
			opt.Value = &v
		}
		d.Options = append(d.Options, opt)
	}
	s.DNSConfig = d
}
