package kube

import "testing"

// FuzzDecode: any input decodes or fails with an error, never panics, and
// what decodes can be planned without panicking.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{goodPod, appYAML, "", "---\n---\n", "apiVersion: v1\nkind: Pod\n", "kind: [", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: []\n", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: -1}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Decode(data)
		if err != nil {
			return
		}
		if len(docs) == 0 {
			t.Fatal("no documents and no error")
		}
		_, _ = MakePlan(docs, PlanOptions{})
	})
}
