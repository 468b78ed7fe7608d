package format

import (
	"bytes"
	"testing"
)

func TestYAML(t *testing.T) {
	v := map[string]any{
		"b":     []string{"x", "y"},
		"a":     map[string]any{"n": 1, "s": "true", "e": map[string]any{}},
		"c":     []map[string]int{{"k": 1, "l": 2}},
		"empty": []string{},
		"path":  "/usr/bin/crun",
	}
	var out bytes.Buffer
	if err := YAML(&out, v); err != nil {
		t.Fatal(err)
	}
	want := `a:
  e: {}
  "n": 1
  s: "true"
b:
- x
- "y"
c:
- k: 1
  l: 2
empty: []
path: /usr/bin/crun
`
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
