// Package kube reads and writes Kubernetes YAML: it plays Pods,
// Deployments, DaemonSets, Jobs, ConfigMaps, Secrets and
// PersistentVolumeClaims through the engine (as compose plays compose
// files), tears down what it made, and generates YAML from Roost's pods
// and containers. Types are k8s.io/api's; decoding is strict.
package kube

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Document is one YAML document of a file: its place (1-based), kind and
// the decoded object (a pointer to a k8s.io/api type).
type Document struct {
	Index int
	Kind  string
	Name  string
	Obj   any
}

// DecodeError says which document is wrong, where and why.
type DecodeError struct {
	Index int
	Kind  string
	Err   error
}

func (e *DecodeError) Error() string {
	where := fmt.Sprintf("document %d", e.Index)
	if e.Kind != "" {
		where += " (" + e.Kind + ")"
	}
	return where + ": " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// kinds are the objects Roost plays, by apiVersion and kind.
var kinds = map[string]func() any{
	"v1/Pod":                   func() any { return &corev1.Pod{} },
	"v1/ConfigMap":             func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                func() any { return &corev1.Secret{} },
	"v1/PersistentVolumeClaim": func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Service":               func() any { return &corev1.Service{} },
	"apps/v1/Deployment":       func() any { return &appsv1.Deployment{} },
	"apps/v1/DaemonSet":        func() any { return &appsv1.DaemonSet{} },
	"batch/v1/Job":             func() any { return &batchv1.Job{} },
}

// Decode reads every document of a multi-document YAML file strictly: an
// unknown field, a value of the wrong type or a kind Roost does not play
// is an error naming the document and the field's path.
func Decode(data []byte) ([]Document, error) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []Document
	for i := 1; ; i++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &DecodeError{Index: i, Err: err}
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			continue // counted all the same: the index is where it is in the file
		}
		d, err := decodeOne(raw)
		if err != nil {
			return nil, &DecodeError{Index: i, Kind: d.Kind, Err: err}
		}
		d.Index = i
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		return nil, errors.New("no Kubernetes object in the file")
	}
	return docs, nil
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
			out = append(out, '\n')
		}
	}
	return out
}

func decodeOne(raw []byte) (Document, error) {
	j, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return Document{}, fmt.Errorf("not valid YAML: %w", err)
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(j, &head); err != nil {
		return Document{}, fmt.Errorf("not a Kubernetes object: %w", err)
	}
	d := Document{Kind: head.Kind, Name: head.Metadata.Name}
	if head.Kind == "" || head.APIVersion == "" {
		return d, errors.New("apiVersion and kind are required")
	}
	mk, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return d, fmt.Errorf("%s %s is not supported: Roost plays v1 Pod, ConfigMap, Secret, PersistentVolumeClaim, Service, apps/v1 Deployment and DaemonSet, batch/v1 Job", head.APIVersion, head.Kind)
	}
	obj := mk()
	strict, err := kjson.UnmarshalStrict(j, obj)
	if err != nil {
		return d, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return d, errors.New(strings.Join(msgs, "; "))
	}
	if d.Name == "" {
		return d, errors.New("metadata.name is required")
	}
	d.Obj = obj
	return d, nil
}
