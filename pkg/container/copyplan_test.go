package container

import "testing"

func TestLandFollowsDockerCopyRules(t *testing.T) {
	file := func(p string) endpoint { return endpoint{Path: p, Exists: true} }
	dir := func(p string) endpoint { return endpoint{Path: p, Exists: true, IsDir: true} }
	none := func(p string) endpoint { return endpoint{Path: p} }
	cases := []struct {
		name     string
		src, dst endpoint
		want     landing
		fails    bool
	}{
		{"file into dir", file("/a/f"), dir("/d"), landing{Dir: "/d", Name: "f"}, false},
		{"file onto file", file("/a/f"), file("/d/g"), landing{Dir: "/d", Name: "g"}, false},
		{"file to new name", file("/a/f"), none("/d/g"), landing{Dir: "/d", Name: "g"}, false},
		{"file to missing dir/", file("/a/f"), none("/d/g/"), landing{}, true},
		{"file onto file/", file("/a/f"), file("/d/g/"), landing{}, true},
		{"file/ is not a dir", file("/a/f/"), dir("/d"), landing{}, true},
		{"missing source", none("/a/f"), dir("/d"), landing{}, true},
		{"dir into dir", dir("/a/s"), dir("/d"), landing{Dir: "/d", Name: "s"}, false},
		{"dir/ into dir", dir("/a/s/"), dir("/d"), landing{Dir: "/d", Name: "s"}, false},
		{"dir contents into dir", dir("/a/s/."), dir("/d"), landing{Dir: "/d"}, false},
		{"root contents into dir", dir("/"), dir("/d"), landing{Dir: "/d"}, false},
		{"dir to new dir", dir("/a/s"), none("/d/n"), landing{Dir: "/d", Name: "n"}, false},
		{"dir to new dir/", dir("/a/s"), none("/d/n/"), landing{Dir: "/d", Name: "n"}, false},
		{"dir onto file", dir("/a/s"), file("/d/g"), landing{}, true},
		{"relative host paths", file("f"), none("out"), landing{Dir: ".", Name: "out"}, false},
	}
	for _, c := range cases {
		got, err := land(c.src, c.dst)
		if (err != nil) != c.fails || got != c.want {
			t.Errorf("%s: land(%+v, %+v) = %+v, %v", c.name, c.src, c.dst, got, err)
		}
	}
}
