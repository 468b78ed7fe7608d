package kube

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// envSources are the ConfigMaps and Secrets a play can read from: the
// file's, then --configmap's.
type envSources struct {
	configMaps map[string]map[string]string
	secrets    map[string]map[string]string
}

func newEnvSources(docs []Document, extra [][]byte) (*envSources, error) {
	s := &envSources{configMaps: map[string]map[string]string{}, secrets: map[string]map[string]string{}}
	add := func(d Document) {
		switch obj := d.Obj.(type) {
		case *corev1.ConfigMap:
			m := map[string]string{}
			for k, v := range obj.Data {
				m[k] = v
			}
			for k, v := range obj.BinaryData {
				m[k] = string(v)
			}
			s.configMaps[obj.Name] = m
		case *corev1.Secret:
			m := map[string]string{}
			for k, v := range obj.Data {
				m[k] = string(v)
			}
			for k, v := range obj.StringData {
				m[k] = v
			}
			s.secrets[obj.Name] = m
		}
	}
	for _, d := range docs {
		add(d)
	}
	for i, b := range extra {
		more, err := Decode(b)
		if err != nil {
			return nil, fmt.Errorf("--configmap file %d: %w", i+1, err)
		}
		for _, d := range more {
			if _, ok := d.Obj.(*corev1.ConfigMap); !ok {
				return nil, fmt.Errorf("--configmap file %d: document %d is a %s, not a ConfigMap", i+1, d.Index, d.Kind)
			}
			add(d)
		}
	}
	return s, nil
}

// source is the named ConfigMap's or Secret's data; nil without error
// when it is missing and optional.
func (s *envSources) source(kind, name string, optional bool) (map[string]string, error) {
	src := s.configMaps
	if kind == "Secret" {
		src = s.secrets
	}
	m, found := src[name]
	if !found && !optional {
		return nil, fmt.Errorf("%s %q is not in the file nor given with --configmap", kind, name)
	}
	return m, nil
}

// lookup reads key of the named ConfigMap or Secret; optional ones that
// are missing give ok false and no error.
func (s *envSources) lookup(kind, name, key string, optional bool) (string, bool, error) {
	m, err := s.source(kind, name, optional)
	if err != nil || m == nil {
		return "", false, err
	}
	v, found := m[key]
	if !found && !optional {
		return "", false, fmt.Errorf("%s %q has no key %q", kind, name, key)
	}
	return v, found, nil
}

// all is every key of the named ConfigMap or Secret, sorted.
func (s *envSources) all(kind, name string, optional bool) ([][2]string, error) {
	m, err := s.source(kind, name, optional)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, m[k]}
	}
	return out, nil
}

// containerEnv is a container's environment: envFrom first, then env,
// a later entry winning, as Kubernetes resolves them.
func (s *envSources) containerEnv(c corev1.Container) ([]string, error) {
	var out []string
	for _, from := range c.EnvFrom {
		var pairs [][2]string
		var err error
		switch {
		case from.ConfigMapRef != nil:
			pairs, err = s.all("ConfigMap", from.ConfigMapRef.Name, from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional)
		case from.SecretRef != nil:
			pairs, err = s.all("Secret", from.SecretRef.Name, from.SecretRef.Optional != nil && *from.SecretRef.Optional)
		}
		if err != nil {
			return nil, fmt.Errorf("container %s: envFrom: %w", c.Name, err)
		}
		for _, p := range pairs {
			out = append(out, from.Prefix+p[0]+"="+p[1])
		}
	}
	for _, e := range c.Env {
		v, ok, err := s.envValue(e)
		if err != nil {
			return nil, fmt.Errorf("container %s: env %s: %w", c.Name, e.Name, err)
		}
		if ok {
			out = append(out, e.Name+"="+v)
		}
	}
	return out, nil
}

func (s *envSources) envValue(e corev1.EnvVar) (string, bool, error) {
	if e.ValueFrom == nil {
		return e.Value, true, nil
	}
	switch vf := e.ValueFrom; {
	case vf.ConfigMapKeyRef != nil:
		r := vf.ConfigMapKeyRef
		return s.lookup("ConfigMap", r.Name, r.Key, r.Optional != nil && *r.Optional)
	case vf.SecretKeyRef != nil:
		r := vf.SecretKeyRef
		return s.lookup("Secret", r.Name, r.Key, r.Optional != nil && *r.Optional)
	}
	return "", false, fmt.Errorf("only configMapKeyRef and secretKeyRef are supported in valueFrom")
}
