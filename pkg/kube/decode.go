// Package kube maps Roost's pods and containers to Kubernetes objects
// (generate kube) and Kubernetes YAML back onto the engine (kube play,
// kube down). Objects are k8s.io/api's own types, decoded strictly: a field
// Kubernetes would not know is an error naming its path, as kubectl's
// server-side field validation reports it.
package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Document is one object of a YAML stream: its place (1-based) and the
// decoded object (a pointer to a k8s.io/api type).
type Document struct {
	Index  int
	Kind   string
	Name   string
	Object any
}

// DocError is what is wrong with one document: where (the document, the
// field path) and why.
type DocError struct {
	Index  int
	Kind   string
	Name   string
	Path   string
	Reason string
}

func (e *DocError) Error() string {
	where := fmt.Sprintf("document %d", e.Index)
	if e.Kind != "" {
		where += " (" + e.Kind
		if e.Name != "" {
			where += " " + e.Name
		}
		where += ")"
	}
	if e.Path != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Path, e.Reason)
	}
	return where + ": " + e.Reason
}

// ErrNoDocuments is a stream with nothing in it.
var ErrNoDocuments = errors.New("the YAML has no Kubernetes objects")

// kinds are the objects Roost reads, by apiVersion and kind.
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

// SupportedKinds lists what Decode accepts, for error messages.
const SupportedKinds = "Pod, Deployment, DaemonSet, Job (v1, apps/v1, batch/v1), ConfigMap, Secret, PersistentVolumeClaim, Service, and v1 Lists of them"

// Decode reads a stream of YAML documents strictly. The first bad document
// stops it: its error is a *DocError.
func Decode(data []byte) ([]Document, error) {
	var out []Document
	for i, raw := range splitDocuments(data) {
		if isBlank(raw) {
			continue
		}
		js, err := toJSON(i+1, raw)
		if err != nil {
			return nil, err
		}
		docs, err := decodeJSON(i+1, js, "")
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	if len(out) == 0 {
		return nil, ErrNoDocuments
	}
	return out, nil
}

// toJSON converts one YAML document, refusing duplicate keys.
func toJSON(index int, raw []byte) ([]byte, error) {
	js, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		return nil, &DocError{Index: index, Reason: "invalid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}
	}
	return js, nil
}

// decodeJSON decodes one object, or the items of a v1 List (what `kubectl
// get -o yaml` writes); prefix is the path of a List's item ("items[2].").
func decodeJSON(index int, js []byte, prefix string) ([]Document, error) {
	d, err := decodeOne(index, js, prefix)
	if err != nil || d.Kind != "List" {
		return []Document{d}, err
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(js, &list); err != nil {
		return nil, &DocError{Index: index, Kind: "List", Path: prefix + "items", Reason: "not a list of objects"}
	}
	var out []Document
	for i, item := range list.Items {
		docs, err := decodeJSON(index, item, fmt.Sprintf("%sitems[%d].", prefix, i))
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

func decodeOne(index int, js []byte, prefix string) (Document, error) {
	d := Document{Index: index}
	docErr := func(path, reason string) error {
		if path != "" || prefix != "" {
			path = prefix + path
			path = strings.TrimSuffix(path, ".")
		}
		return &DocError{Index: index, Kind: d.Kind, Name: d.Name, Path: path, Reason: reason}
	}
	if !bytes.HasPrefix(bytes.TrimSpace(js), []byte("{")) {
		return d, docErr("", "not a Kubernetes object: a document must be a mapping with apiVersion and kind")
	}
	var tm struct {
		metav1.TypeMeta
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(js, &tm)
	switch {
	case tm.Kind == "":
		return d, docErr("kind", "missing: every object needs apiVersion and kind")
	case tm.APIVersion == "":
		d.Kind, d.Name = tm.Kind, tm.Metadata.Name
		return d, docErr("apiVersion", "missing: every object needs apiVersion and kind")
	}
	d.Kind, d.Name = tm.Kind, tm.Metadata.Name
	if tm.APIVersion == "v1" && tm.Kind == "List" {
		return d, nil // its items are decoded one by one
	}
	mk, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return d, docErr("kind", fmt.Sprintf("%s %s is not supported: Roost plays %s", tm.APIVersion, tm.Kind, SupportedKinds))
	}
	obj := mk()
	strict, err := kjson.UnmarshalStrict(js, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return d, docErr(typeErrorPath(err))
	}
	if len(strict) > 0 {
		return d, docErr(strictErrorPath(strict[0]))
	}
	d.Object = obj
	if errs := validatePlay(obj); len(errs) > 0 {
		return d, docErr(errs[0].Path, errs[0].Reason)
	}
	return d, nil
}

var (
	unknownField   = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)
	typeErrorField = regexp.MustCompile(`cannot unmarshal (.+) into Go struct field [A-Za-z0-9_]+\.(\S+) of type (\S+)`)
)

// strictErrorPath splits sigs.k8s.io/json's `unknown field "a.b[0].c"`.
func strictErrorPath(err error) (string, string) {
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return m[2], m[1] + " field"
	}
	return "", err.Error()
}

// typeErrorPath turns "cannot unmarshal string into Go struct field
// Pod.spec.containers.ports of type int32" into the path and the reason.
func typeErrorPath(err error) (string, string) {
	if m := typeErrorField.FindStringSubmatch(err.Error()); m != nil {
		return m[2], fmt.Sprintf("wrong type: %s where %s is expected", m[1], m[3])
	}
	return "", strings.TrimPrefix(err.Error(), "json: ")
}

// splitDocuments cuts a YAML stream at its "---" lines.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		t := bytes.TrimRight(line, " \t\r\n")
		if bytes.Equal(t, []byte("---")) || bytes.HasPrefix(t, []byte("--- ")) {
			docs = append(docs, cur)
			cur = nil
			continue
		}
		cur = append(cur, line...)
	}
	return append(docs, cur)
}

// isBlank: only comments and white space.
func isBlank(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// Encode writes objects as one YAML stream, each with its apiVersion and
// kind, in the order given.
func Encode(objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
