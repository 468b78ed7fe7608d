package format

import (
	"bytes"
	"strings"
	"testing"
)

func TestSplitCamel(t *testing.T) {
	for in, want := range map[string]string{
		"ID": "ID", "ImageID": "Image ID", "CreatedAt": "Created At", "IDName": "ID Name",
		"PodName": "Pod Name", "PIDNS": "PIDNS", "RunningFor": "Running For", "Names": "Names", "": "",
	} {
		if got := strings.Join(SplitCamel(in), " "); got != want {
			t.Errorf("SplitCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

type row struct {
	ID, ImageID string
	Labels      map[string]string
}

func (r row) Label(k string) string { return r.Labels[k] }

func TestTable(t *testing.T) {
	rows := []row{{ID: "a1", ImageID: "i1", Labels: map[string]string{"app": "<web>"}}}
	var b bytes.Buffer
	err := List(&b, `table {{.ID}}\t{{.ImageID}}\t{{.Label "app"}}\t{{json .Labels}}\t{{upper .ID}}`, "", map[string]string{"ID": "CONTAINER ID"}, rows, false)
	if err != nil {
		t.Fatal(err)
	}
	want := "CONTAINER ID  IMAGE ID  LABEL  LABELS           CONTAINER ID\na1            i1        <web>  {\"app\":\"<web>\"}  A1\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := List(&b, "{{.ID}} {{lower .ImageID}}", "", nil, rows, false); err != nil || b.String() != "a1 i1\n" {
		t.Errorf("plain template: %q %v", b.String(), err)
	}
	b.Reset()
	if err := List(&b, "table", "table {{.ID}}", nil, rows, true); err != nil || b.String() != "a1\n" {
		t.Errorf("bare table: %q %v", b.String(), err)
	}
	b.Reset()
	// Spaces between actions are column breaks (Podman's table rule); a
	// space inside an action's string argument is not.
	long := []row{{ID: "abcdef", ImageID: "i1", Labels: map[string]string{"a b": "v"}}, {ID: "a", ImageID: "i2"}}
	if err := List(&b, `table {{.ID}} {{ .ImageID }} {{.Label "a b"}}`, "", nil, long, false); err != nil ||
		b.String() != "ID      IMAGE ID  LABEL\nabcdef  i1        v\na       i2        \n" {
		t.Errorf("spaced table: %q %v", b.String(), err)
	}
	b.Reset()
	if err := List(&b, "json", "", nil, []row(nil), false); err != nil || b.String() != "[]\n" {
		t.Errorf("json of none: %q %v", b.String(), err)
	}
	if err := List(&b, "{{.Nope}}", "", nil, rows, false); err == nil {
		t.Error("a field that does not exist is an error")
	}
}

// FuzzTable: any --format either fails with an error or renders; it never
// panics, and a header line is always made.
func FuzzTable(f *testing.F) {
	for _, s := range []string{"table {{.ID}}", "{{json .}}", "table {{.Label \"x\"}}\t{{.ImageID}}", "{{", "table", "{{range .Labels}}{{.}}{{end}}", "{{- .ID -}}"} {
		f.Add(s)
	}
	rows := []row{{ID: "a", Labels: map[string]string{"x": "y"}}}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		_ = List(&b, s, "table {{.ID}}", nil, rows, false)
		_ = headerLine(s, nil)
	})
}

func TestInspectTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"{{.Id}}":                             "{{.ID}}",
		"{{ .Id }} {{(index .Mounts 0).Src}}": "{{.ID}} {{(index .Mounts 0).Source}}",
		"{{.ImageID}}":                        "{{.Image}}",
	} {
		if got := InspectTemplate(in); got != want {
			t.Errorf("InspectTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}
