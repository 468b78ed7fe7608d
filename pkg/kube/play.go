package kube

import (
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
)

// LabelPlay marks the pods and volumes kube play made, so that kube down
// removes exactly those (a volume that existed before is left alone).
const LabelPlay = "io.roost.kube.play"

// Plan is everything a YAML stream asks for, checked and mapped before
// anything is made.
type Plan struct {
	Pods []PodPlan
	// Volumes are named volumes to make: the claims, and the ConfigMap and
	// Secret volumes with their files.
	Volumes []VolumePlan
}

// PodPlan is one pod to make.
type PodPlan struct {
	Name     string
	Kind     string // the workload it comes from: Pod, Deployment, DaemonSet, Job
	Labels   map[string]string
	Hostname string
	HostNet  bool
	Ports    []container.PortMapping
	Init     []ContainerPlan
	Members  []ContainerPlan
	// Aliases are the pod's names on networks with DNS (--network): its
	// own and those of the Services whose selector matches it, so pods
	// reach each other by Service name as in a cluster.
	Aliases []string
	// DNS, DNSSearch, DNSOptions and AddHosts (host:ip) are the pod's
	// dnsConfig and hostAliases; SharePID is shareProcessNamespace.
	DNS, DNSSearch, DNSOptions, AddHosts []string
	SharePID                             bool
	// HostPaths are the hostPath volumes, checked (and made for the
	// *OrCreate types) before anything else is.
	HostPaths []HostPath
	// Warnings are what the user should be told about this pod.
	Warnings []string
}

// HostPath is a hostPath volume's path and type.
type HostPath struct {
	Path string
	Type corev1.HostPathType
}

// ContainerPlan is one container of a pod: its image and options.
type ContainerPlan struct {
	Image string
	// Pull is imagePullPolicy's; empty: containers.conf's (missing).
	Pull    engine.PullPolicy
	Options container.CreateOptions
	// Unset marks what the YAML left to containers.conf (stop timeout,
	// read-only root, init).
	Unset engine.Unset
}

// VolumePlan is a named volume; Files (name -> content) are written into
// a new one (ConfigMap and Secret volumes).
type VolumePlan struct {
	Name  string
	Files map[string][]byte
	Mode  uint32 // of the files
	// Claim: a PersistentVolumeClaim's volume, whose data outlives a
	// --replace (kube down removes it).
	Claim bool
	// Options are the local driver's (volume create --opt), from the
	// claim's annotations in Podman's spelling.
	Options map[string]string
}

// Annotations of a PersistentVolumeClaim: Podman's volume options, and
// the Roost volume's own name where it is not a Kubernetes name.
const (
	AnnotationVolumeDevice  = "volume.podman.io/device"
	AnnotationVolumeType    = "volume.podman.io/type"
	AnnotationVolumeOptions = "volume.podman.io/mount-options"
	AnnotationVolumeUID     = "volume.podman.io/uid"
	AnnotationVolumeGID     = "volume.podman.io/gid"
	AnnotationVolumeName    = "io.roost.volume/name"
)

func claimOptions(c *corev1.PersistentVolumeClaim) map[string]string {
	out := map[string]string{}
	for ann, opt := range map[string]string{
		AnnotationVolumeDevice: "device", AnnotationVolumeType: "type", AnnotationVolumeOptions: "o",
		AnnotationVolumeUID: "uid", AnnotationVolumeGID: "gid",
	} {
		if v, ok := c.Annotations[ann]; ok {
			out[opt] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// volumeOf is the volume a claim name stands for: the claim's
// io.roost.volume/name when it has one (generate kube writes it for a
// volume whose name Kubernetes would refuse), else the claim's name.
func (o objects) volumeOf(claim string) string {
	if c, ok := o.claims[claim]; ok && c.Annotations[AnnotationVolumeName] != "" {
		return c.Annotations[AnnotationVolumeName]
	}
	return claim
}

// PlanOptions are kube play's flags that shape the plan.
type PlanOptions struct {
	// ConfigMaps are objects from --configmap files, looked up like the
	// stream's own.
	ConfigMaps []Document
	// LogDriver is --log-driver ("" the default).
	LogDriver string
	// Lenient skips references to ConfigMaps and Secrets that are not
	// there: kube down needs only the names of what play made.
	Lenient bool
	// Annotations are added to every container (--annotation).
	Annotations map[string]string
}

type objects struct {
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	claims     map[string]*corev1.PersistentVolumeClaim
	services   []*corev1.Service
	lenient    bool
	// pod is the pod being planned, for env's fieldRef (downward API).
	pod *downward
}

// downward is what env[].valueFrom.fieldRef may read of a pod.
type downward struct {
	name                string
	labels, annotations map[string]string
}

var fieldKey = regexp.MustCompile(`^metadata\.(labels|annotations)\['([^']*)'\]$`)

// field is a fieldRef's value: the pod's name and namespace, a label or
// an annotation, the node's name (this machine's).
func (d *downward) field(path string) (string, bool) {
	switch path {
	case "metadata.name":
		return d.name, true
	case "metadata.namespace":
		return "default", true
	case "spec.nodeName":
		h, _ := os.Hostname()
		return h, true
	}
	if m := fieldKey.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return d.labels[m[2]], true
		}
		return d.annotations[m[2]], true
	}
	return "", false
}

// MakePlan maps decoded documents onto pods and volumes. Errors name the
// document and the field, like Decode's.
func MakePlan(docs []Document, o PlanOptions) (*Plan, error) {
	objs := objects{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}, claims: map[string]*corev1.PersistentVolumeClaim{}, lenient: o.Lenient}
	for _, d := range append(append([]Document{}, o.ConfigMaps...), docs...) {
		switch v := d.Object.(type) {
		case *corev1.ConfigMap:
			objs.configMaps[v.Name] = v
		case *corev1.Secret:
			objs.secrets[v.Name] = v
		case *corev1.PersistentVolumeClaim:
			objs.claims[v.Name] = v
		case *corev1.Service:
			objs.services = append(objs.services, v)
		}
	}
	p := &Plan{}
	for _, c := range objs.claims {
		p.Volumes = append(p.Volumes, VolumePlan{Name: objs.volumeOf(c.Name), Claim: true, Options: claimOptions(c)})
	}
	sort.Slice(p.Volumes, func(i, j int) bool { return p.Volumes[i].Name < p.Volumes[j].Name })
	madeBy := map[string]int{} // pod name -> the document that makes it
	for _, d := range docs {
		pods, vols, err := planWorkload(d, objs, o)
		if err != nil {
			return nil, err
		}
		for _, pp := range pods {
			if other, ok := madeBy[pp.Name]; ok {
				return nil, &DocError{Index: d.Index, Kind: d.Kind, Name: d.Name, Path: "metadata.name",
					Reason: fmt.Sprintf("pod %s is made twice (document %d makes it too): rename one", pp.Name, other)}
			}
			madeBy[pp.Name] = d.Index
		}
		p.Pods = append(p.Pods, pods...)
		p.Volumes = append(p.Volumes, vols...)
	}
	return p, nil
}

// PodNames are the pods a document makes (kube down removes these).
func planWorkload(d Document, objs objects, o PlanOptions) ([]PodPlan, []VolumePlan, error) {
	wrap := func(err error) error {
		if fe, ok := err.(*fieldErr); ok {
			return &DocError{Index: d.Index, Kind: d.Kind, Name: d.Name, Path: fe.path, Reason: fe.reason}
		}
		return &DocError{Index: d.Index, Kind: d.Kind, Name: d.Name, Reason: err.Error()}
	}
	var names []string
	var backoff *int32 // a Job's retries
	var meta metav1.ObjectMeta
	var tmpl corev1.PodTemplateSpec
	prefix := "spec.template.spec"
	switch v := d.Object.(type) {
	case *corev1.Pod:
		names, meta, tmpl, prefix = []string{v.Name}, v.ObjectMeta, corev1.PodTemplateSpec{ObjectMeta: v.ObjectMeta, Spec: v.Spec}, "spec"
	case *appsv1.Deployment:
		n := int32(1)
		if v.Spec.Replicas != nil {
			n = *v.Spec.Replicas
		}
		if n > MaxReplicas {
			return nil, nil, wrap(errAt("spec.replicas", "%d pods on one machine: Roost plays at most %d replicas", n, MaxReplicas))
		}
		names, meta, tmpl = replicaNames(v.Name, int(n)), v.ObjectMeta, v.Spec.Template
	case *appsv1.DaemonSet:
		// One machine: a DaemonSet is one pod.
		names, meta, tmpl = []string{v.Name + "-pod"}, v.ObjectMeta, v.Spec.Template
	case *batchv1.Job:
		names, meta, tmpl = []string{v.Name + "-pod"}, v.ObjectMeta, v.Spec.Template
		backoff = v.Spec.BackoffLimit
	default:
		return nil, nil, nil
	}
	var pods []PodPlan
	var vols []VolumePlan
	for i, name := range names {
		pp, vv, err := planPod(name, d.Kind, meta, tmpl, prefix, objs, o)
		if err != nil {
			return nil, nil, wrap(err)
		}
		for j := range pp.Members {
			r := &pp.Members[j].Options.Run.Restart
			if backoff != nil && r.Policy == monitor.RestartOnFailure {
				r.MaxRetries = int(*backoff)
			}
		}
		if i > 0 && len(pp.Ports) > 0 {
			// One machine publishes a host port once: the first replica
			// has it, as a cluster would put the others on other nodes.
			pp.Ports = nil
			pp.Warnings = append(pp.Warnings, fmt.Sprintf("pod %s: host ports are published by %s only: one machine cannot publish a port twice", name, names[0]))
		}
		pods, vols = append(pods, pp), append(vols, vv...)
	}
	return pods, vols, nil
}

// MaxReplicas bounds a Deployment's pods: one machine, not a cluster.
const MaxReplicas = 100

// replicaNames: NAME-pod for one replica (Podman's name), NAME-pod-I for
// several.
func replicaNames(name string, n int) []string {
	if n == 1 {
		return []string{name + "-pod"}
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-pod-%d", name, i)
	}
	return out
}

type fieldErr struct{ path, reason string }

func (e *fieldErr) Error() string { return e.path + ": " + e.reason }

func errAt(path, format string, args ...any) error {
	return &fieldErr{path: path, reason: fmt.Sprintf(format, args...)}
}

func planPod(name, kind string, meta metav1.ObjectMeta, t corev1.PodTemplateSpec, prefix string, objs objects, o PlanOptions) (PodPlan, []VolumePlan, error) {
	s := t.Spec
	pp := PodPlan{Name: name, Kind: kind, Hostname: s.Hostname, HostNet: s.HostNetwork, Labels: map[string]string{}}
	for k, v := range meta.Labels {
		pp.Labels[k] = v
	}
	for k, v := range t.Labels {
		pp.Labels[k] = v
	}
	pp.Labels[LabelPlay] = kind
	pp.Aliases = append([]string{name}, objs.servicesOf(pp.Labels)...)
	podNetwork(&pp, s)
	objs.pod = &downward{name: name, labels: t.Labels, annotations: t.Annotations}
	mounts, vols, err := podVolumes(name, s, prefix, objs)
	if err != nil {
		return pp, nil, err
	}
	for _, v := range s.Volumes {
		if v.HostPath != nil {
			hp := HostPath{Path: v.HostPath.Path}
			if v.HostPath.Type != nil {
				hp.Type = *v.HostPath.Type
			}
			pp.HostPaths = append(pp.HostPaths, hp)
		}
	}
	restart := restartOf(s.RestartPolicy, kind)
	for i := range s.InitContainers {
		c, err := planContainer(name, &s.InitContainers[i], fmt.Sprintf("%s.initContainers[%d]", prefix, i), mounts, objs, o, monitor.RestartPolicy{Policy: monitor.RestartNo})
		if err != nil {
			return pp, nil, err
		}
		pp.Init = append(pp.Init, c)
	}
	for i := range s.Containers {
		kc := &s.Containers[i]
		c, err := planContainer(name, kc, fmt.Sprintf("%s.containers[%d]", prefix, i), mounts, objs, o, restart)
		if err != nil {
			return pp, nil, err
		}
		if g := s.TerminationGracePeriodSeconds; g != nil && *g >= 0 {
			c.Options.Run.StopTimeout, c.Unset.StopTimeout = uint(*g), false
		}
		if d := s.ActiveDeadlineSeconds; d != nil && *d > 0 {
			c.Options.Run.Timeout = uint(*d) // the pod's deadline: each container's --timeout
		}
		c.Options.Spec.Annotations = map[string]string{}
		for k, v := range t.Annotations {
			c.Options.Spec.Annotations[k] = v
		}
		for k, v := range o.Annotations {
			c.Options.Spec.Annotations[k] = v
		}
		podmanAnnotations(kc.Name, t.Annotations, &c.Options, &c.Unset.Init)
		pp.Members = append(pp.Members, c)
		for _, port := range kc.Ports {
			host := port.HostPort
			if host == 0 && port.Name != "" {
				host = port.ContainerPort // a named port is published as itself, as Podman does
			}
			if host == 0 {
				continue // Kubernetes publishes only host ports
			}
			pp.Ports = append(pp.Ports, container.PortMapping{
				HostIP: port.HostIP, HostPort: uint16(host), ContainerPort: uint16(port.ContainerPort),
				Protocol: strings.ToLower(protoOr(string(port.Protocol))),
			})
		}
	}
	return pp, vols, nil
}

// restartOf: a pod's restartPolicy as the monitor's (Kubernetes' default
// is Always; a Job's containers run to completion).
func restartOf(p corev1.RestartPolicy, kind string) monitor.RestartPolicy {
	switch p {
	case corev1.RestartPolicyOnFailure:
		return monitor.RestartPolicy{Policy: monitor.RestartOnFailure}
	case corev1.RestartPolicyNever:
		return monitor.RestartPolicy{Policy: monitor.RestartNo}
	}
	if kind == "Job" {
		return monitor.RestartPolicy{Policy: monitor.RestartNo}
	}
	return monitor.RestartPolicy{Policy: monitor.RestartAlways}
}

// podVolumes maps the pod's volumes onto mounts by volume name, and the
// named volumes ConfigMaps and Secrets become.
func podVolumes(pod string, s corev1.PodSpec, prefix string, objs objects) (map[string]spec.Mount, []VolumePlan, error) {
	mounts := map[string]spec.Mount{}
	var vols []VolumePlan
	for i, v := range s.Volumes {
		path := fmt.Sprintf("%s.volumes[%d]", prefix, i)
		switch {
		case v.PersistentVolumeClaim != nil:
			m := spec.Mount{Type: spec.TypeVolume, Source: objs.volumeOf(v.PersistentVolumeClaim.ClaimName)}
			if v.PersistentVolumeClaim.ReadOnly {
				m.Options = []string{"ro"}
			}
			mounts[v.Name] = m
		case v.HostPath != nil:
			if !strings.HasPrefix(v.HostPath.Path, "/") {
				return nil, nil, errAt(path+".hostPath.path", "%q is not an absolute path", v.HostPath.Path)
			}
			mounts[v.Name] = spec.Mount{Type: spec.TypeBind, Source: v.HostPath.Path}
		case v.EmptyDir != nil:
			if v.EmptyDir.Medium == corev1.StorageMediumMemory {
				opts := []string{}
				if v.EmptyDir.SizeLimit != nil {
					opts = append(opts, "size="+strconv.FormatInt(v.EmptyDir.SizeLimit.Value(), 10))
				}
				mounts[v.Name] = spec.Mount{Type: spec.TypeTmpfs, Source: "tmpfs", Options: opts}
			} else {
				// An emptyDir lives as long as the pod: a volume of the pod's.
				vn := pod + "-" + v.Name
				mounts[v.Name] = spec.Mount{Type: spec.TypeVolume, Source: vn}
				vols = append(vols, VolumePlan{Name: vn})
			}
		case v.ConfigMap != nil:
			vp, err := configMapVolume(pod, v, path, objs)
			if err != nil {
				return nil, nil, err
			}
			if vp != nil {
				vols = append(vols, *vp)
				mounts[v.Name] = spec.Mount{Type: spec.TypeVolume, Source: vp.Name, Options: []string{"ro"}}
			}
		case v.Secret != nil:
			vp, err := secretVolume(pod, v, path, objs)
			if err != nil {
				return nil, nil, err
			}
			if vp != nil {
				vols = append(vols, *vp)
				mounts[v.Name] = spec.Mount{Type: spec.TypeVolume, Source: vp.Name, Options: []string{"ro"}}
			}
		default:
			return nil, nil, errAt(path, "this volume type is not supported: Roost plays persistentVolumeClaim, hostPath, emptyDir, configMap and secret volumes")
		}
	}
	return mounts, vols, nil
}

func configMapVolume(pod string, v corev1.Volume, path string, objs objects) (*VolumePlan, error) {
	cm, ok := objs.configMaps[v.ConfigMap.Name]
	if !ok {
		if objs.lenient || (v.ConfigMap.Optional != nil && *v.ConfigMap.Optional) {
			return nil, nil
		}
		return nil, errAt(path+".configMap.name", "ConfigMap %q is not in the YAML nor in a --configmap file", v.ConfigMap.Name)
	}
	data := map[string][]byte{}
	for k, val := range cm.Data {
		data[k] = []byte(val)
	}
	for k, val := range cm.BinaryData {
		data[k] = val
	}
	files, err := selectItems(data, v.ConfigMap.Items, path+".configMap.items")
	if err != nil {
		return nil, err
	}
	return &VolumePlan{Name: pod + "-" + v.Name, Files: files, Mode: fileMode(v.ConfigMap.DefaultMode)}, nil
}

func secretVolume(pod string, v corev1.Volume, path string, objs objects) (*VolumePlan, error) {
	sec, ok := objs.secrets[v.Secret.SecretName]
	if !ok {
		if objs.lenient || (v.Secret.Optional != nil && *v.Secret.Optional) {
			return nil, nil
		}
		return nil, errAt(path+".secret.secretName", "Secret %q is not in the YAML", v.Secret.SecretName)
	}
	files, err := selectItems(secretData(sec), v.Secret.Items, path+".secret.items")
	if err != nil {
		return nil, err
	}
	return &VolumePlan{Name: pod + "-" + v.Name, Files: files, Mode: fileMode(v.Secret.DefaultMode)}, nil
}

func secretData(s *corev1.Secret) map[string][]byte {
	data := map[string][]byte{}
	for k, v := range s.Data {
		data[k] = v
	}
	for k, v := range s.StringData {
		data[k] = []byte(v)
	}
	return data
}

// selectItems: every key as a file, or only the items listed, at their paths.
func selectItems(data map[string][]byte, items []corev1.KeyToPath, path string) (map[string][]byte, error) {
	if len(items) == 0 {
		return data, nil
	}
	out := map[string][]byte{}
	for i, it := range items {
		val, ok := data[it.Key]
		if !ok {
			return nil, errAt(fmt.Sprintf("%s[%d].key", path, i), "key %q is not in the object", it.Key)
		}
		if strings.HasPrefix(it.Path, "/") || strings.Contains(it.Path, "..") {
			return nil, errAt(fmt.Sprintf("%s[%d].path", path, i), "%q must be a relative path without ..", it.Path)
		}
		out[it.Path] = val
	}
	return out, nil
}

func fileMode(m *int32) uint32 {
	if m == nil {
		return 0o644
	}
	return uint32(*m) & 0o777
}

func planContainer(pod string, kc *corev1.Container, path string, mounts map[string]spec.Mount, objs objects, o PlanOptions, restart monitor.RestartPolicy) (ContainerPlan, error) {
	cp := ContainerPlan{Image: kc.Image, Unset: engine.Unset{StopTimeout: true, Init: true, ReadOnly: true}}
	switch kc.ImagePullPolicy {
	case corev1.PullAlways:
		cp.Pull = engine.PullAlways
	case corev1.PullNever:
		cp.Pull = engine.PullNever
	case corev1.PullIfNotPresent:
		cp.Pull = engine.PullMissing
	}
	if sc := kc.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil {
		cp.Unset.ReadOnly = false
	}
	co := &cp.Options
	co.Name = pod + "-" + kc.Name
	co.Labels = map[string]string{}
	pr := &co.Spec.Process
	if len(kc.Command) > 0 {
		ep := append([]string{}, kc.Command...)
		pr.Entrypoint = &ep
	}
	pr.Args, pr.WorkDir, pr.Terminal = kc.Args, kc.WorkingDir, kc.TTY
	env, err := containerEnv(kc, path, objs)
	if err != nil {
		return cp, err
	}
	pr.Env = env
	for i, vm := range kc.VolumeMounts {
		m, ok := mounts[vm.Name]
		if !ok {
			return cp, errAt(fmt.Sprintf("%s.volumeMounts[%d].name", path, i), "no volume %q in the pod", vm.Name)
		}
		m.Destination = vm.MountPath
		if vm.SubPath != "" {
			return cp, errAt(fmt.Sprintf("%s.volumeMounts[%d].subPath", path, i), "subPath is not supported")
		}
		m.Options = append([]string{}, m.Options...)
		if vm.ReadOnly {
			m.Options = append(m.Options, "ro")
		}
		co.Spec.Mounts = append(co.Spec.Mounts, m)
	}
	if err := applySecurity(kc.SecurityContext, &co.Spec); err != nil {
		return cp, errAt(path+".securityContext", "%v", err)
	}
	co.Spec.Resources = kubeResources(kc.Resources)
	// An empty log driver is containers.conf's (k8s-file by default).
	co.Run = container.RunOptions{Restart: restart, StopTimeout: 10, Terminal: kc.TTY, Stdin: kc.Stdin, LogDriver: o.LogDriver}
	h, err := probeHealth(kc.LivenessProbe)
	if err != nil {
		return cp, errAt(path+".livenessProbe", "%v", err)
	}
	co.Run.Health = h
	return cp, nil
}

// containerEnv: env (values and references) after envFrom, as Kubernetes
// orders them.
func containerEnv(kc *corev1.Container, path string, objs objects) ([]string, error) {
	var env []string
	for i, ef := range kc.EnvFrom {
		p := fmt.Sprintf("%s.envFrom[%d]", path, i)
		var data map[string][]byte
		switch {
		case ef.ConfigMapRef != nil:
			cm, ok := objs.configMaps[ef.ConfigMapRef.Name]
			if !ok {
				if objs.lenient || (ef.ConfigMapRef.Optional != nil && *ef.ConfigMapRef.Optional) {
					continue
				}
				return nil, errAt(p+".configMapRef.name", "ConfigMap %q is not in the YAML nor in a --configmap file", ef.ConfigMapRef.Name)
			}
			data = map[string][]byte{}
			for k, v := range cm.Data {
				data[k] = []byte(v)
			}
		case ef.SecretRef != nil:
			sec, ok := objs.secrets[ef.SecretRef.Name]
			if !ok {
				if objs.lenient || (ef.SecretRef.Optional != nil && *ef.SecretRef.Optional) {
					continue
				}
				return nil, errAt(p+".secretRef.name", "Secret %q is not in the YAML", ef.SecretRef.Name)
			}
			data = secretData(sec)
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, ef.Prefix+k+"="+string(data[k]))
		}
	}
	for i, e := range kc.Env {
		p := fmt.Sprintf("%s.env[%d].valueFrom", path, i)
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
			continue
		}
		v, ok, err := envRef(e.ValueFrom, p, objs)
		if err != nil {
			return nil, err
		}
		if ok {
			env = append(env, e.Name+"="+v)
		}
	}
	return env, nil
}

func envRef(src *corev1.EnvVarSource, p string, objs objects) (string, bool, error) {
	switch {
	case src.ConfigMapKeyRef != nil:
		r := src.ConfigMapKeyRef
		cm, ok := objs.configMaps[r.Name]
		optional := objs.lenient || (r.Optional != nil && *r.Optional)
		if !ok {
			if optional {
				return "", false, nil
			}
			return "", false, errAt(p+".configMapKeyRef.name", "ConfigMap %q is not in the YAML nor in a --configmap file", r.Name)
		}
		v, ok := cm.Data[r.Key]
		if !ok && !optional {
			return "", false, errAt(p+".configMapKeyRef.key", "ConfigMap %q has no key %q", r.Name, r.Key)
		}
		return v, ok, nil
	case src.SecretKeyRef != nil:
		r := src.SecretKeyRef
		sec, ok := objs.secrets[r.Name]
		optional := objs.lenient || (r.Optional != nil && *r.Optional)
		if !ok {
			if optional {
				return "", false, nil
			}
			return "", false, errAt(p+".secretKeyRef.name", "Secret %q is not in the YAML", r.Name)
		}
		v, ok := secretData(sec)[r.Key]
		if !ok && !optional {
			return "", false, errAt(p+".secretKeyRef.key", "Secret %q has no key %q", r.Name, r.Key)
		}
		return string(v), ok, nil
	case src.FieldRef != nil && objs.pod != nil:
		v, ok := objs.pod.field(src.FieldRef.FieldPath)
		if !ok {
			return "", false, errAt(p+".fieldRef.fieldPath", "%q is not supported: use metadata.name, metadata.namespace, metadata.labels['KEY'], metadata.annotations['KEY'] or spec.nodeName", src.FieldRef.FieldPath)
		}
		return v, true, nil
	}
	return "", false, errAt(p, "only configMapKeyRef, secretKeyRef and fieldRef are supported")
}

func applySecurity(sc *corev1.SecurityContext, s *spec.Options) error {
	if sc == nil {
		return nil
	}
	if sc.Privileged != nil {
		s.Security.Privileged = *sc.Privileged
	}
	if sc.ReadOnlyRootFilesystem != nil {
		s.Security.ReadOnlyRootfs = *sc.ReadOnlyRootFilesystem
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		s.Process.NoNewPrivileges = true
	}
	if c := sc.Capabilities; c != nil {
		for _, v := range c.Add {
			s.Security.CapAdd = append(s.Security.CapAdd, string(v))
		}
		for _, v := range c.Drop {
			s.Security.CapDrop = append(s.Security.CapDrop, string(v))
		}
	}
	if sc.RunAsUser != nil {
		s.Process.User = strconv.FormatInt(*sc.RunAsUser, 10)
		if sc.RunAsGroup != nil {
			s.Process.User += ":" + strconv.FormatInt(*sc.RunAsGroup, 10)
		}
	} else if sc.RunAsGroup != nil {
		return fmt.Errorf("runAsGroup needs runAsUser")
	}
	return nil
}

func kubeResources(r corev1.ResourceRequirements) *spec.Resources {
	var out spec.Resources
	if q, ok := r.Limits[corev1.ResourceMemory]; ok {
		out.Memory = q.Value()
	}
	if q, ok := r.Limits[corev1.ResourceCPU]; ok {
		out.NanoCPUs = q.MilliValue() * 1e6
	}
	if q, ok := r.Requests[corev1.ResourceMemory]; ok {
		out.MemoryReservation = q.Value()
	}
	if out.Memory == 0 && out.NanoCPUs == 0 && out.MemoryReservation == 0 {
		return nil
	}
	return &out
}

// probeHealth maps a liveness probe onto the monitor's healthcheck: exec
// as is, httpGet and tcpSocket as commands run in the container.
func probeHealth(p *corev1.Probe) (*monitor.HealthConfig, error) {
	if p == nil {
		return nil, nil
	}
	var test []string
	switch {
	case p.Exec != nil:
		test = p.Exec.Command
	case p.HTTPGet != nil:
		url := fmt.Sprintf("http://localhost:%s%s", p.HTTPGet.Port.String(), p.HTTPGet.Path)
		test = []string{"/bin/sh", "-c", fmt.Sprintf("wget -q -O /dev/null %s || curl -fsS -o /dev/null %s", url, url)}
	case p.TCPSocket != nil:
		test = []string{"/bin/sh", "-c", "nc -z localhost " + p.TCPSocket.Port.String()}
	default:
		return nil, fmt.Errorf("only exec, httpGet and tcpSocket probes are supported")
	}
	if len(test) == 0 {
		return nil, fmt.Errorf("exec probe has no command")
	}
	h := monitor.HealthConfig{
		Test:        test,
		Interval:    time.Duration(p.PeriodSeconds) * time.Second,
		Timeout:     time.Duration(p.TimeoutSeconds) * time.Second,
		StartPeriod: time.Duration(p.InitialDelaySeconds) * time.Second,
		Retries:     int(p.FailureThreshold),
	}.WithDefaults()
	return &h, nil
}

// PodNames are the pods a plan makes, for kube down.
func (p *Plan) PodNames() []string {
	out := make([]string, 0, len(p.Pods))
	for _, pp := range p.Pods {
		out = append(out, pp.Name)
	}
	return out
}

// Podman's per-container annotations (KEY/CONTAINER: "TRUE"), which
// Podman's generate kube writes and its kube play reads.
const (
	AnnotationInit       = "io.podman.annotations.init"
	AnnotationAutoremove = "io.podman.annotations.autoremove"
	AnnotationPrivileged = "io.podman.annotations.privileged"
	AnnotationPublishAll = "io.podman.annotations.publish-all"
)

func podmanAnnotations(ctr string, ann map[string]string, o *container.CreateOptions, unsetInit *bool) {
	on := func(key string) bool { return strings.EqualFold(ann[key+"/"+ctr], "true") }
	if v, ok := ann[AnnotationInit+"/"+ctr]; ok {
		o.Spec.Process.Init = strings.EqualFold(v, "true")
		*unsetInit = false
	}
	if on(AnnotationAutoremove) {
		o.Run.Remove = true
	}
	if on(AnnotationPrivileged) {
		o.Spec.Security.Privileged = true
	}
}

// podNetwork reads the pod's hostAliases, dnsConfig and
// shareProcessNamespace.
func podNetwork(pp *PodPlan, s corev1.PodSpec) {
	for _, h := range s.HostAliases {
		for _, name := range h.Hostnames {
			pp.AddHosts = append(pp.AddHosts, name+":"+h.IP)
		}
	}
	if d := s.DNSConfig; d != nil {
		pp.DNS, pp.DNSSearch = d.Nameservers, d.Searches
		for _, o := range d.Options {
			if o.Value != nil {
				pp.DNSOptions = append(pp.DNSOptions, o.Name+":"+*o.Value)
			} else {
				pp.DNSOptions = append(pp.DNSOptions, o.Name)
			}
		}
	}
	pp.SharePID = s.ShareProcessNamespace != nil && *s.ShareProcessNamespace
}

// servicesOf names the Services whose selector the labels match.
func (o objects) servicesOf(l map[string]string) []string {
	var out []string
	for _, svc := range o.services {
		sel := svc.Spec.Selector
		if len(sel) == 0 {
			continue
		}
		match := true
		for k, v := range sel {
			match = match && l[k] == v
		}
		if match {
			out = append(out, svc.Name)
		}
	}
	return out
}
