package container

import (
	"errors"
	"testing"
)

func TestLandFollowsPodmanCopyRules(t *testing.T) {
	file := func(p, n string) endpoint { return endpoint{Path: p, Name: n, Exists: true} }
	dir := func(p, n string) endpoint { return endpoint{Path: p, Name: n, Exists: true, IsDir: true} }
	none := func(p, n string) endpoint { return endpoint{Path: p, Name: n} }
	cases := []struct {
		name     string
		src, dst endpoint
		want     landing
		err      error
	}{
		{"file into dir", file("/a/f", "f"), dir("/d", "d"), landing{Name: "f"}, nil},
		{"file onto file", file("/a/f", "f"), file("/d/g", "g"), landing{Parent: true, Name: "g"}, nil},
		{"file to new name", file("/a/f", "f"), none("/d/g", "g"), landing{Parent: true, Name: "g"}, nil},
		{"dir into dir", dir("/a/s", "s"), dir("/d", "d"), landing{Name: "s"}, nil},
		{"dir/ into dir", dir("/a/s/", "s"), dir("/d", "d"), landing{Name: "s"}, nil},
		{"dir contents into dir", dir("/a/s/.", "s"), dir("/d", "d"), landing{}, nil},
		{"workdir contents into dir", dir(".", "srv"), dir("/d", "d"), landing{}, nil},
		{"root contents into dir", dir("/", "/"), dir("/d", "d"), landing{}, nil},
		{"dir to new dir", dir("/a/s", "s"), none("/d/n", "n"), landing{Parent: true, Name: "n"}, nil},
		{"dir contents to new dir", dir("/a/s/.", "s"), none("/d/n", "n"), landing{Parent: true, Name: "n"}, nil},
		{"symlinked dir to new name", dir("/tmp/sub/weirdlink", "tmp"), none("dest", "dest"), landing{Parent: true, Name: "dest"}, nil},
		{"dir onto file", dir("/a/s", "s"), file("/d/g", "g"), landing{}, errDirOntoFile},
	}
	for _, c := range cases {
		got, err := land(c.src, c.dst)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("%s: land(%+v, %+v) = %+v, %v", c.name, c.src, c.dst, got, err)
		}
	}
}
