package kube

import (
	"fmt"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FieldError is one rule an object breaks, at its field path.
type FieldError struct {
	Path   string
	Reason string
}

// Validate applies the rules of Kubernetes' API validation that need no
// cluster (names, labels, ports, env names, volume references, restart
// policies, selectors), with apimachinery's own checks where it has them.
// The API server's full validation lives in k8s.io/kubernetes, which is
// not a module Roost can import: these are the rules a file played or
// written by Roost meets most, so that a cluster accepts what Roost writes.
func Validate(obj any) []FieldError { return validator{k8sNames: true}.validate(obj) }

// validatePlay is Validate with Roost's names (letters, digits, _ . -,
// as Podman accepts them: test_pod) where Kubernetes wants DNS names:
// kube play runs what a cluster would refuse only for its names.
func validatePlay(obj any) []FieldError { return validator{}.validate(obj) }

// validator applies the rules; k8sNames: names must be DNS-1123.
type validator struct{ k8sNames bool }

var roostName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func (v validator) validate(obj any) []FieldError {
	var errs field.ErrorList
	switch o := obj.(type) {
	case *corev1.Pod:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		errs = append(errs, v.validatePodSpec(&o.Spec, field.NewPath("spec"), nil)...)
	case *appsv1.Deployment:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		if o.Spec.Replicas != nil && *o.Spec.Replicas < 0 {
			errs = append(errs, field.Invalid(field.NewPath("spec", "replicas"), *o.Spec.Replicas, "must be greater than or equal to 0"))
		}
		errs = append(errs, v.validateTemplate(o.Spec.Selector, &o.Spec.Template, []corev1.RestartPolicy{corev1.RestartPolicyAlways})...)
	case *appsv1.DaemonSet:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		errs = append(errs, v.validateTemplate(o.Spec.Selector, &o.Spec.Template, []corev1.RestartPolicy{corev1.RestartPolicyAlways})...)
	case *batchv1.Job:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		tp := field.NewPath("spec", "template")
		errs = append(errs, v.validateMeta(o.Spec.Template.ObjectMeta, false, tp.Child("metadata"))...)
		if o.Spec.Template.Spec.RestartPolicy == "" || o.Spec.Template.Spec.RestartPolicy == corev1.RestartPolicyAlways {
			errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), o.Spec.Template.Spec.RestartPolicy, []string{"OnFailure", "Never"}))
		}
		errs = append(errs, v.validatePodSpec(&o.Spec.Template.Spec, tp.Child("spec"), nil)...)
	case *corev1.ConfigMap:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		for k := range o.Data {
			errs = append(errs, keyErrors(field.NewPath("data").Key(k), k)...)
		}
		for k := range o.BinaryData {
			errs = append(errs, keyErrors(field.NewPath("binaryData").Key(k), k)...)
		}
	case *corev1.Secret:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		for k := range o.Data {
			errs = append(errs, keyErrors(field.NewPath("data").Key(k), k)...)
		}
		for k := range o.StringData {
			errs = append(errs, keyErrors(field.NewPath("stringData").Key(k), k)...)
		}
	case *corev1.PersistentVolumeClaim:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		if len(o.Spec.AccessModes) == 0 {
			errs = append(errs, field.Required(field.NewPath("spec", "accessModes"), "at least 1 access mode is required"))
		}
		if _, ok := o.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
			errs = append(errs, field.Required(field.NewPath("spec", "resources", "requests", "storage"), ""))
		}
	case *corev1.Service:
		errs = append(errs, v.validateMeta(o.ObjectMeta, true, field.NewPath("metadata"))...)
		errs = append(errs, validateService(o)...)
	}
	out := make([]FieldError, 0, len(errs))
	for _, e := range errs {
		out = append(out, FieldError{Path: e.Field, Reason: reason(e)})
	}
	return out
}

// reason is a field error's message without its path.
func reason(e *field.Error) string { return e.ErrorBody() }

func (v validator) validateMeta(m metav1.ObjectMeta, named bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if named {
		if m.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), "name is required"))
		} else if !v.k8sNames {
			errs = append(errs, v.nameErrors(p.Child("name"), m.Name)...)
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(m.Name) {
				errs = append(errs, field.Invalid(p.Child("name"), m.Name, msg))
			}
		}
	}
	errs = append(errs, metavalidation.ValidateLabels(m.Labels, p.Child("labels"))...)
	errs = append(errs, apivalidation.ValidateAnnotations(m.Annotations, p.Child("annotations"))...)
	return errs
}

// validateTemplate: a workload's selector must be given and match its pod
// template's labels, whose restart policy must be one of allowed.
func (v validator) validateTemplate(sel *metav1.LabelSelector, t *corev1.PodTemplateSpec, allowed []corev1.RestartPolicy) field.ErrorList {
	sp := field.NewPath("spec", "selector")
	tp := field.NewPath("spec", "template")
	var errs field.ErrorList
	errs = append(errs, v.validateMeta(t.ObjectMeta, false, tp.Child("metadata"))...)
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		errs = append(errs, field.Required(sp, ""))
	} else if s, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		errs = append(errs, field.Invalid(sp, sel, err.Error()))
	} else if !s.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	return append(errs, v.validatePodSpec(&t.Spec, tp.Child("spec"), allowed)...)
}

var (
	restartPolicies = []string{"Always", "OnFailure", "Never"}
	pullPolicies    = []string{"Always", "IfNotPresent", "Never"}
	protocols       = []string{"TCP", "UDP", "SCTP"}
)

func (v validator) validatePodSpec(s *corev1.PodSpec, p *field.Path, allowed []corev1.RestartPolicy) field.ErrorList {
	var errs field.ErrorList
	vols := sets.New[string]()
	for i, vol := range s.Volumes {
		vp := p.Child("volumes").Index(i)
		errs = append(errs, v.nameErrors(vp.Child("name"), vol.Name)...)
		if vols.Has(vol.Name) {
			errs = append(errs, field.Duplicate(vp.Child("name"), vol.Name))
		}
		vols.Insert(vol.Name)
		if n := volumeSources(vol.VolumeSource); n != 1 {
			errs = append(errs, field.Invalid(vp, vol.Name, fmt.Sprintf("must specify exactly 1 volume type (has %d)", n)))
		}
	}
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), "at least one container is required"))
	}
	names := sets.New[string]()
	for i := range s.InitContainers {
		errs = append(errs, v.validateContainer(&s.InitContainers[i], p.Child("initContainers").Index(i), vols, names)...)
	}
	for i := range s.Containers {
		errs = append(errs, v.validateContainer(&s.Containers[i], p.Child("containers").Index(i), vols, names)...)
	}
	if rp := s.RestartPolicy; rp != "" {
		if !contains(restartPolicies, string(rp)) {
			errs = append(errs, field.NotSupported(p.Child("restartPolicy"), rp, restartPolicies))
		} else if allowed != nil && !containsPolicy(allowed, rp) {
			errs = append(errs, field.NotSupported(p.Child("restartPolicy"), rp, []string{string(allowed[0])}))
		}
	}
	for i, h := range s.HostAliases {
		errs = append(errs, validation.IsValidIP(p.Child("hostAliases").Index(i).Child("ip"), h.IP)...)
	}
	if d := s.DNSConfig; d != nil {
		for i, ns := range d.Nameservers {
			errs = append(errs, validation.IsValidIP(p.Child("dnsConfig", "nameservers").Index(i), ns)...)
		}
	}
	if s.Hostname != "" {
		for _, msg := range validation.IsDNS1123Label(s.Hostname) {
			errs = append(errs, field.Invalid(p.Child("hostname"), s.Hostname, msg))
		}
	}
	return errs
}

func (v validator) validateContainer(c *corev1.Container, p *field.Path, vols, names sets.Set[string]) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, v.nameErrors(p.Child("name"), c.Name)...)
	if names.Has(c.Name) {
		errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
	}
	names.Insert(c.Name)
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), "every container needs an image"))
	}
	if c.ImagePullPolicy != "" && !contains(pullPolicies, string(c.ImagePullPolicy)) {
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), c.ImagePullPolicy, pullPolicies))
	}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
		}
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(pp.Child("hostPort"), port.HostPort, msg))
			}
		}
		if port.Protocol != "" && !contains(protocols, string(port.Protocol)) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, protocols))
		}
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		for _, msg := range validation.IsEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(ep.Child("name"), e.Name, msg))
		}
		if e.ValueFrom != nil && e.Value != "" {
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not be specified when `value` is not empty"))
		}
	}
	errs = append(errs, validateProbe(c.LivenessProbe, p.Child("livenessProbe"), true)...)
	errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"), false)...)
	errs = append(errs, validateSecurity(c.SecurityContext, p.Child("securityContext"))...)
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if !vols.Has(m.Name) {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(mp.Child("mountPath"), ""))
		}
	}
	return errs
}

func validateService(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "ports")
	if len(s.Spec.Ports) == 0 && s.Spec.ClusterIP != corev1.ClusterIPNone {
		errs = append(errs, field.Required(p, ""))
	}
	for i, port := range s.Spec.Ports {
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(p.Index(i).Child("port"), port.Port, msg))
		}
		if port.Protocol != "" && !contains(protocols, string(port.Protocol)) {
			errs = append(errs, field.NotSupported(p.Index(i).Child("protocol"), port.Protocol, protocols))
		}
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(p.Index(i).Child("name"), "a name is required when there are several ports"))
		}
	}
	return append(errs, metavalidation.ValidateLabels(s.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func (v validator) nameErrors(p *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if !v.k8sNames {
		if !roostName.MatchString(name) {
			errs = append(errs, field.Invalid(p, name, "use letters, digits and _ . - and begin with a letter or digit"))
		}
		return errs
	}
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func keyErrors(p *field.Path, key string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(p, key, msg))
	}
	return errs
}

// volumeSources counts the sources a volume sets (Kubernetes wants one).
func volumeSources(v corev1.VolumeSource) int {
	n := 0
	for _, set := range []bool{
		v.HostPath != nil, v.EmptyDir != nil, v.PersistentVolumeClaim != nil, v.ConfigMap != nil,
		v.Secret != nil, v.Projected != nil, v.DownwardAPI != nil, v.NFS != nil, v.Image != nil,
		v.CSI != nil, v.Ephemeral != nil,
	} {
		if set {
			n++
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsPolicy(list []corev1.RestartPolicy, p corev1.RestartPolicy) bool {
	for _, v := range list {
		if v == p {
			return true
		}
	}
	return false
}

// validateProbe: counts are not negative, and a liveness probe succeeds
// once (successThreshold 1), as the API server requires.
func validateProbe(pr *corev1.Probe, p *field.Path, liveness bool) field.ErrorList {
	if pr == nil {
		return nil
	}
	var errs field.ErrorList
	for name, v := range map[string]int32{
		"initialDelaySeconds": pr.InitialDelaySeconds, "timeoutSeconds": pr.TimeoutSeconds,
		"periodSeconds": pr.PeriodSeconds, "successThreshold": pr.SuccessThreshold, "failureThreshold": pr.FailureThreshold,
	} {
		if v < 0 {
			errs = append(errs, field.Invalid(p.Child(name), v, "must be greater than or equal to 0"))
		}
	}
	if liveness && pr.SuccessThreshold > 1 {
		errs = append(errs, field.Invalid(p.Child("successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	n := 0
	for _, set := range []bool{pr.Exec != nil, pr.HTTPGet != nil, pr.TCPSocket != nil, pr.GRPC != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		errs = append(errs, field.Required(p, "must specify exactly 1 handler type"))
	}
	return errs
}

func validateSecurity(sc *corev1.SecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.RunAsUser != nil && *sc.RunAsUser < 0 {
		errs = append(errs, field.Invalid(p.Child("runAsUser"), *sc.RunAsUser, "must be between 0 and 2147483647, inclusive"))
	}
	if sc.RunAsGroup != nil && *sc.RunAsGroup < 0 {
		errs = append(errs, field.Invalid(p.Child("runAsGroup"), *sc.RunAsGroup, "must be between 0 and 2147483647, inclusive"))
	}
	if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return errs
}
