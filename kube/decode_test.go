package kube

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDecodeStrict(t *testing.T) {
	good := `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: c
    image: busybox
    ports:
    - containerPort: 80
      hostPort: 8080
---
# a comment only
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  k: v
`
	docs, err := Decode([]byte(good))
	if err != nil || len(docs) != 2 {
		t.Fatalf("decode: %v %+v", err, docs)
	}
	if p := docs[0].Obj.(*corev1.Pod); p.Spec.Containers[0].Ports[0].HostPort != 8080 || docs[1].Index != 3 {
		t.Fatalf("pod %+v, second doc index %d", p.Spec.Containers[0], docs[1].Index)
	}
	for _, c := range []struct{ yaml, want string }{
		{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: b\n    bogus: 1\n", `document 1 (Pod): unknown field "spec.containers[0].bogus"`},
		{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: b\n    ports:\n    - containerPort: eighty\n", "document 1 (Pod): "},
		{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec: [\n", "document 1: not valid YAML"},
		{"apiVersion: v1\nkind: Widget\nmetadata:\n  name: x\n", "document 1 (Widget): v1 Widget is not supported"},
		{"kind: Pod\n", "apiVersion and kind are required"},
		{"apiVersion: v1\nkind: Pod\nspec: {}\n", "metadata.name is required"},
		{"# nothing\n", "no Kubernetes object"},
	} {
		_, err := Decode([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.yaml, err, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: b\n"))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 2\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		docs, err := Decode(b)
		if err == nil && len(docs) == 0 {
			t.Fatal("no documents and no error")
		}
		for _, d := range docs {
			if d.Obj == nil || d.Name == "" {
				t.Fatalf("document %d decoded without object or name", d.Index)
			}
		}
	})
}
