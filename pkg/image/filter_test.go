package image

import (
	"errors"
	"testing"
	"time"

	cstorage "go.podman.io/storage"
)

var (
	t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	busybox = entry{
		img:     &cstorage.Image{ID: "b0b0", Names: []string{"127.0.0.1:5000/busybox:latest"}},
		labels:  map[string]string{"org.roost.fixture": "busybox"},
		created: t0,
	}
	debian = entry{
		img:        &cstorage.Image{ID: "d0d0", Names: []string{"127.0.0.1:5000/debian:bookworm"}},
		labels:     map[string]string{"org.roost.fixture": "debian", "tier": "base"},
		created:    t0.Add(time.Hour),
		containers: 1,
	}
	orphan = entry{
		img:      &cstorage.Image{ID: "0000"},
		created:  t0.Add(2 * time.Hour),
		dangling: true,
	}
	all = []entry{busybox, debian, orphan}
)

// byName resolves before= and since= against the fake images.
func byName(name string) (time.Time, error) {
	for _, e := range all {
		for _, n := range e.img.Names {
			if matchReference(name, []string{n}) {
				return e.created, nil
			}
		}
	}
	return time.Time{}, errors.New(name + ": image not known")
}

func ids(t *testing.T, filters ...string) []string {
	t.Helper()
	keep, err := compileFilters(filters, byName)
	if err != nil {
		t.Fatalf("compileFilters(%q): %v", filters, err)
	}
	var out []string
	for _, e := range all {
		if keep(e) {
			out = append(out, e.img.ID)
		}
	}
	return out
}

func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilters(t *testing.T) {
	cases := []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"b0b0", "d0d0", "0000"}},
		{[]string{"dangling=true"}, []string{"0000"}},
		{[]string{"dangling=false"}, []string{"b0b0", "d0d0"}},
		{[]string{"reference=busybox"}, []string{"b0b0"}},
		{[]string{"reference=*box*"}, []string{"b0b0"}},
		{[]string{"reference=127.0.0.1:5000/deb*"}, []string{"d0d0"}},
		{[]string{"reference=debian:bookworm"}, []string{"d0d0"}},
		{[]string{"reference=debian:latest"}, nil},
		// Several values of one key: any may match.
		{[]string{"reference=busybox", "reference=debian"}, []string{"b0b0", "d0d0"}},
		{[]string{"label=org.roost.fixture"}, []string{"b0b0", "d0d0"}},
		{[]string{"label=org.roost.fixture=debian"}, []string{"d0d0"}},
		// Several labels: all must match.
		{[]string{"label=org.roost.fixture", "label=tier=base"}, []string{"d0d0"}},
		{[]string{"label=org.roost.fixture=busybox", "label=tier=base"}, nil},
		{[]string{"label!=tier"}, []string{"b0b0", "0000"}},
		// Different keys: all must match.
		{[]string{"label=org.roost.fixture", "dangling=false", "reference=busybox"}, []string{"b0b0"}},
		{[]string{"before=debian"}, []string{"b0b0"}},
		{[]string{"since=busybox"}, []string{"d0d0", "0000"}},
		{[]string{"after=debian"}, []string{"0000"}},
		{[]string{"until=2024-01-01T00:30:00Z"}, []string{"b0b0"}},
		{[]string{"containers=true"}, []string{"d0d0"}},
		{[]string{"id=d0"}, []string{"d0d0"}},
	}
	for _, c := range cases {
		if got := ids(t, c.filters...); !same(got, c.want) {
			t.Errorf("filters %q: got %v, want %v", c.filters, got, c.want)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	for _, bad := range [][]string{
		{"colour=red"}, {"dangling"}, {"dangling=maybe"}, {"until=soon"}, {"before=nope"}, {"=x"},
	} {
		if _, err := compileFilters(bad, byName); err == nil {
			t.Errorf("compileFilters(%q): want an error", bad)
		}
	}
}

func TestNameForms(t *testing.T) {
	forms := nameForms("127.0.0.1:5000/library/busybox:latest")
	want := map[string]bool{
		"127.0.0.1:5000/library/busybox":        true,
		"127.0.0.1:5000/library/busybox:latest": true,
		"library/busybox:latest":                true,
		"busybox":                               true,
		"busybox:latest":                        true,
	}
	got := map[string]bool{}
	for _, f := range forms {
		got[f] = true
	}
	for w := range want {
		if !got[w] {
			t.Errorf("nameForms lacks %q: %v", w, forms)
		}
	}
}
