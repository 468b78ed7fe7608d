package image

import (
	"strings"
	"testing"
)

func TestPushDestination(t *testing.T) {
	for dest, want := range map[string]string{
		"127.0.0.1:5000/busybox:1":  "docker",
		"localhost:5000/x":          "docker",
		"docker://quay.io/a/b:c":    "docker",
		"busybox":                   "docker",
		"oci:/tmp/layout:v1":        "oci",
		"oci-archive:/tmp/x.tar":    "oci-archive",
		"docker-archive:/tmp/d.tar": "docker-archive",
		"dir:/tmp/d":                "dir",
	} {
		ref, err := pushDestination(dest)
		if err != nil {
			t.Errorf("%s: %v", dest, err)
			continue
		}
		if got := ref.Transport().Name(); got != want {
			t.Errorf("%s: transport %s, want %s", dest, got, want)
		}
	}
	for dest, want := range map[string]string{
		"bogus:x":     `unknown transport "bogus"`,
		"Bad Name:1":  "invalid destination",
		"docker://UP": "invalid destination",
	} {
		if _, err := pushDestination(dest); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", dest, err, want)
		}
	}
}

func TestPushMIME(t *testing.T) {
	for _, f := range []string{"", "oci", "v2s2", "docker", "v2s1"} {
		if _, err := pushMIME(f); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	if _, err := pushMIME("tar"); err == nil {
		t.Error("unknown format accepted")
	}
}
