package image

import (
	"errors"
	"testing"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"mybox":                      "localhost/mybox:latest",
		"mybox:v1":                   "localhost/mybox:v1",
		"team/app":                   "localhost/team/app:latest",
		"127.0.0.1:5000/busybox":     "127.0.0.1:5000/busybox:latest",
		"quay.io/x/y:2":              "quay.io/x/y:2",
		"docker.io/busybox":          "docker.io/library/busybox:latest",
		"localhost/already:there":    "localhost/already:there",
		"registry.example.com/a/b/c": "registry.example.com/a/b/c:latest",
	} {
		got, err := NormalizeName(in)
		if err != nil || got.String() != want {
			t.Errorf("NormalizeName(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"Bad::Ref", "UPPER", "x@sha256:" + digest.FromString("x").Encoded(), ""} {
		if _, err := NormalizeName(bad); err == nil {
			t.Errorf("NormalizeName(%q): want an error", bad)
		}
	}
}

func TestSplitName(t *testing.T) {
	d := digest.FromString("m")
	for in, want := range map[string][2]string{
		"127.0.0.1:5000/busybox:latest": {"127.0.0.1:5000/busybox", "latest"},
		"docker.io/library/debian:12":   {"docker.io/library/debian", "12"},
		"quay.io/x/y@" + d.String():     {"quay.io/x/y", "<none>"},
		"not a name":                    {"<none>", "<none>"},
		"localhost/mybox:latest":        {"localhost/mybox", "latest"},
	} {
		repo, tag := SplitName(in)
		if repo != want[0] || tag != want[1] {
			t.Errorf("SplitName(%q) = %s %s; want %s %s", in, repo, tag, want[0], want[1])
		}
	}
}

func TestQueryMatchesName(t *testing.T) {
	stored := "127.0.0.1:5000/busybox:latest"
	hub := "docker.io/library/debian:12"
	cases := []struct {
		query, name string
		want        bool
	}{
		{"busybox", stored, true},
		{"busybox:latest", stored, true},
		{"busybox:1.35", stored, false},
		{"127.0.0.1:5000/busybox", stored, true},
		{"127.0.0.1:5001/busybox", stored, false},
		{"box", stored, false},
		{"debian:12", hub, true},
		{"library/debian:12", hub, true},
		{"docker.io/debian:12", hub, true},
		{"other/debian:12", hub, false},
		{"busybox@" + digest.FromString("x").String(), stored, true}, // repo only; the digest is checked on the image
	}
	for _, c := range cases {
		q, err := parseQuery(c.query)
		if err != nil {
			t.Fatalf("parseQuery(%q): %v", c.query, err)
		}
		if got := q.matchesName(c.name); got != c.want {
			t.Errorf("%q matches %q = %v; want %v", c.query, c.name, got, c.want)
		}
	}
}

func TestParseQueryID(t *testing.T) {
	id := digest.FromString("img").Encoded()
	for _, in := range []string{id, id[:12], "sha256:" + id} {
		q, err := parseQuery(in)
		if err != nil || q.id == "" {
			t.Errorf("parseQuery(%q) = %+v, %v; want an ID", in, q, err)
		}
	}
	if _, err := parseQuery("Bad::Ref"); err == nil {
		t.Error("parseQuery(Bad::Ref): want an error")
	}
	if _, err := parseQuery("sha256:xyz"); err == nil {
		t.Error("parseQuery(sha256:xyz): want an error")
	}
}

func TestPick(t *testing.T) {
	d1 := digest.FromString("one")
	images := []cstorage.Image{
		{ID: "aaa", Names: []string{"127.0.0.1:5000/busybox:latest", "localhost/mine:latest"}, Digest: d1, Digests: []digest.Digest{d1}},
		{ID: "bbb", Names: []string{"127.0.0.1:5000/debian:bookworm"}},
		{ID: "ccc", Names: []string{"127.0.0.1:5001/debian:bookworm"}},
	}
	find := func(s string) (string, string, error) {
		q, err := parseQuery(s)
		if err != nil {
			return "", "", err
		}
		img, name, err := pick(q, images)
		if err != nil {
			return "", "", err
		}
		return img.ID, name, nil
	}
	if id, name, err := find("busybox"); err != nil || id != "aaa" || name != "127.0.0.1:5000/busybox:latest" {
		t.Errorf("busybox: %s %s %v", id, name, err)
	}
	if id, name, err := find("busybox@" + d1.String()); err != nil || id != "aaa" || name != "" {
		t.Errorf("by digest: %s %q %v (want no name: a digest names the image, not a tag)", id, name, err)
	}
	// An image pulled by digest has NAME@DIGEST among its names: naming it
	// so picks that name (rmi then only untags it).
	images[0].Names = append(images[0].Names, "127.0.0.1:5000/busybox@"+d1.String())
	if id, name, err := find("127.0.0.1:5000/busybox@" + d1.String()); err != nil || id != "aaa" || name != "127.0.0.1:5000/busybox@"+d1.String() {
		t.Errorf("stored digest name: %s %q %v", id, name, err)
	}
	if _, _, err := find("busybox@" + digest.FromString("two").String()); !errors.Is(err, cstorage.ErrImageUnknown) {
		t.Errorf("unknown digest: %v", err)
	}
	if _, _, err := find("debian:bookworm"); err == nil {
		t.Error("debian:bookworm names two images: want an error")
	}
	if _, _, err := find("nope"); !errors.Is(err, cstorage.ErrImageUnknown) {
		t.Errorf("nope: %v; want image not known", err)
	}
}

func TestParsePlatform(t *testing.T) {
	p, err := ParsePlatform("linux/arm64/v8")
	if err != nil || p != (Platform{OS: "linux", Arch: "arm64", Variant: "v8"}) {
		t.Errorf("got %+v %v", p, err)
	}
	for _, bad := range []string{"linux", "linux/", "/arm64", "a/b/c/d", ""} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q): want an error", bad)
		}
	}
}

func TestLoginKey(t *testing.T) {
	for in, want := range map[string][2]string{
		"127.0.0.1:5001":        {"127.0.0.1:5001", "127.0.0.1:5001"},
		"https://quay.io/":      {"quay.io", "quay.io"},
		"http://127.0.0.1:5001": {"127.0.0.1:5001", "127.0.0.1:5001"},
		"quay.io/team":          {"quay.io/team", "quay.io"},
	} {
		key, reg, err := LoginKey(in)
		if err != nil || key != want[0] || reg != want[1] {
			t.Errorf("LoginKey(%q) = %s %s %v; want %s %s", in, key, reg, err, want[0], want[1])
		}
	}
	if _, _, err := LoginKey("https://"); err == nil {
		t.Error("LoginKey(https://): want an error")
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:             "0 B",
		812:           "812 B",
		4_272_330:     "4.27 MB",
		2_132_203:     "2.13 MB",
		121_482_530:   "121 MB",
		1_500_000_000: "1.5 GB",
	} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestDropTagOfDigested(t *testing.T) {
	d := digest.FromString("x").String()
	for in, want := range map[string]string{
		"quay.io/a/b:1@" + d:      "quay.io/a/b@" + d,
		"127.0.0.1:5000/b:t@" + d: "127.0.0.1:5000/b@" + d,
		"busybox:latest@" + d:     "busybox@" + d,
		"127.0.0.1:5000/b@" + d:   "127.0.0.1:5000/b@" + d,
		"127.0.0.1:5000/b:t":      "127.0.0.1:5000/b:t",
		"not a ref:@":             "not a ref:@",
	} {
		if got := dropTagOfDigested(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// FuzzDropTagOfDigested: the result always parses when the input did, and
// keeps the input's digest.
func FuzzDropTagOfDigested(f *testing.F) {
	d := digest.FromString("x").String()
	for _, s := range []string{"a/b:1@" + d, "h:5000/b:t@" + d, "b@" + d, "b:t", "", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in, err := reference.ParseNormalizedNamed(s)
		out := dropTagOfDigested(s)
		if err != nil {
			return
		}
		got, err := reference.ParseNormalizedNamed(out)
		if err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, out, err)
		}
		if di, ok := in.(reference.Digested); ok {
			if dg, ok := got.(reference.Digested); !ok || dg.Digest() != di.Digest() {
				t.Fatalf("%q -> %q lost the digest", s, out)
			}
		}
	})
}
