package copier

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func context(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func dests(items []Item) string {
	var out []string
	for _, it := range items {
		d := it.Dest
		if it.Parent {
			d += "(dir)"
		}
		out = append(out, d)
	}
	return strings.Join(out, " ")
}

func noDir(string) bool { return false }

func TestPlaceFollowsDockerRules(t *testing.T) {
	dir := context(t, map[string]string{"a.txt": "a", "b.txt": "b", "src/x": "x", "src/sub/y": "y", "skip/z": "z"})
	root := Root{Dir: dir, Ignore: func(rel string) bool { return strings.HasPrefix(rel, "skip") }}
	for _, tc := range []struct {
		sources []string
		dest    string
		isDir   func(string) bool
		want    string
	}{
		{[]string{"a.txt"}, "/f", noDir, "/f"},
		{[]string{"a.txt"}, "/d/", noDir, "/d/a.txt"},
		{[]string{"a.txt"}, "/etc", func(p string) bool { return p == "/etc" }, "/etc/a.txt"},
		{[]string{"*.txt"}, "/d", noDir, "/d/a.txt /d/b.txt"},
		{[]string{"src"}, "/app", noDir, "/app(dir) /app/sub /app/sub/y /app/x"},
		{[]string{"../../a.txt"}, "/f", noDir, "/f"},
	} {
		items, err := Place(root, tc.sources, tc.dest, tc.isDir)
		if err != nil {
			t.Fatalf("%v -> %s: %v", tc.sources, tc.dest, err)
		}
		if got := dests(items); got != tc.want {
			t.Errorf("%v -> %s: got %s, want %s", tc.sources, tc.dest, got, tc.want)
		}
	}
	for _, missing := range []string{"nope", "skip/z", "*.md"} {
		if _, err := Place(root, []string{missing}, "/x", noDir); !errors.Is(err, ErrNoSource) {
			t.Errorf("%s: got %v, want ErrNoSource", missing, err)
		}
	}
}

func TestDigestSeesContentNotTimes(t *testing.T) {
	dir := context(t, map[string]string{"a": "one"})
	root := Root{Dir: dir}
	digest := func() string {
		items, err := Place(root, []string{"a"}, "/a", noDir)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Digest(items, root)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := digest()
	if err := os.Chtimes(filepath.Join(dir, "a"), time0, time0); err != nil {
		t.Fatal(err)
	}
	if digest() != first {
		t.Error("a new modification time changed the digest")
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if digest() == first {
		t.Error("new content kept the digest")
	}
}

func TestWriteLayerOwnersModesAndParents(t *testing.T) {
	dir := context(t, map[string]string{"src/f": "data"})
	root := Root{Dir: dir}
	items, err := Place(root, []string{"src"}, "/opt/app", noDir)
	if err != nil {
		t.Fatal(err)
	}
	mode := os.FileMode(0o751)
	var buf bytes.Buffer
	if err := WriteLayer(&buf, items, root, Options{Owner: &Owner{UID: 5, GID: 6}, Mode: &mode}); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	var got []string
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprintf("%s %d:%d %s", hdr.Name, hdr.Uid, hdr.Gid, os.FileMode(hdr.Mode)))
	}
	want := "opt/ 5:6 -rwxr-xr-x|opt/app/ 5:6 -rwxr-xr-x|opt/app/f 5:6 -rwxr-x--x"
	if strings.Join(got, "|") != want {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
	}
}
