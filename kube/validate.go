package kube

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// validatePod applies the API server's rules that need no cluster to what
// Roost writes: names (DNS-1123), labels, unique container and volume
// names, mounts of declared volumes, ports, env names, restart policy.
// A Deployment's template must restart Always.
func validatePod(meta *metav1.ObjectMeta, s *corev1.PodSpec, deployment bool) error {
	var errs []string
	bad := func(path string, msgs []string) {
		for _, m := range msgs {
			errs = append(errs, path+": "+m)
		}
	}
	bad("metadata.name", validation.IsDNS1123Subdomain(meta.Name))
	for k, v := range meta.Labels {
		bad("metadata.labels["+k+"]", append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...))
	}
	volumes := map[string]bool{}
	for i, v := range s.Volumes {
		p := fmt.Sprintf("spec.volumes[%d].name", i)
		bad(p, validation.IsDNS1123Label(v.Name))
		if volumes[v.Name] {
			errs = append(errs, p+": duplicate "+v.Name)
		}
		volumes[v.Name] = true
	}
	switch s.RestartPolicy {
	case corev1.RestartPolicyAlways:
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever, "":
		if deployment {
			errs = append(errs, "spec.restartPolicy: a Deployment's pods must restart Always")
		}
	default:
		errs = append(errs, fmt.Sprintf("spec.restartPolicy: unsupported value %q", s.RestartPolicy))
	}
	if len(s.Containers) == 0 {
		errs = append(errs, "spec.containers: required")
	}
	names := map[string]bool{}
	for i, c := range s.Containers {
		p := fmt.Sprintf("spec.containers[%d]", i)
		bad(p+".name", validation.IsDNS1123Label(c.Name))
		if names[c.Name] {
			errs = append(errs, p+".name: duplicate "+c.Name)
		}
		names[c.Name] = true
		if c.Image == "" {
			errs = append(errs, p+".image: required")
		}
		for j, e := range c.Env {
			bad(fmt.Sprintf("%s.env[%d].name", p, j), validation.IsEnvVarName(e.Name))
		}
		for j, port := range c.Ports {
			pp := fmt.Sprintf("%s.ports[%d]", p, j)
			bad(pp+".containerPort", validation.IsValidPortNum(int(port.ContainerPort)))
			if port.HostPort != 0 {
				bad(pp+".hostPort", validation.IsValidPortNum(int(port.HostPort)))
			}
			switch port.Protocol {
			case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			default:
				errs = append(errs, pp+".protocol: unsupported "+string(port.Protocol))
			}
		}
		for j, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				errs = append(errs, fmt.Sprintf("%s.volumeMounts[%d].name: no volume %q", p, j, m.Name))
			}
			if !strings.HasPrefix(m.MountPath, "/") {
				errs = append(errs, fmt.Sprintf("%s.volumeMounts[%d].mountPath: must be absolute", p, j))
			}
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}
