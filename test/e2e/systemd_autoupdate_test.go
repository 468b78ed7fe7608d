package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// skopeo runs skopeo as root against the test registry (plain HTTP).
func skopeo(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("skopeo", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func pushAs(t *testing.T, src, dst string) {
	t.Helper()
	skopeo(t, "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false", src, "docker://"+dst)
}

func registryDigest(t *testing.T, ref string) string {
	t.Helper()
	return strings.TrimSpace(skopeo(t, "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://"+ref))
}

// brokenImage builds an image with no programs at all (so the unit's
// `sleep` cannot run) into an OCI layout and returns its skopeo reference.
func brokenImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mk := filepath.Join(dir, "mkimage")
	build := exec.Command("go", "build", "-o", mk, "./test/host/mkimage")
	build.Dir = "../.."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build mkimage: %v\n%s", err, out)
	}
	layout := filepath.Join(dir, "oci")
	spec := fmt.Sprintf(`{"layout": %q, "layers": {"only": {"created_by": "a file", "entries": [{"path": "/etc/broken", "content": "no programs here\n", "mode": "0644"}]}},
 "images": [{"ref": "broken", "manifests": [{"platform": {"architecture": "amd64", "os": "linux"}, "layers": ["only"], "config": {"Cmd": ["sleep", "1"]}}]}]}`, layout)
	cmd := exec.Command(mk, "-spec", "-")
	cmd.Stdin = strings.NewReader(spec)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkimage: %v\n%s", err, out)
	}
	return "oci:" + layout + ":broken"
}

// TestSystemdAutoUpdate: a Quadlet unit with AutoUpdate=registry runs the
// new image after a new one is pushed and auto-update runs; with a broken
// new image the unit fails and auto-update rolls back to the previous image.
func TestSystemdAutoUpdate(t *testing.T) {
	e := newEnv(t)
	repo := fmt.Sprintf("%s/roost-e2e-autoupdate-%d-%d:latest", registry, os.Getpid(), envSeq.Load())
	pushAs(t, "docker://"+busybox, repo)
	t.Cleanup(func() {
		exec.Command("skopeo", "delete", "--tls-verify=false", "docker://"+repo).Run()
	})
	s := bootSystemd(t, e)
	s.installGenerator()
	e.writeFile(".config/roost/systemd/au.container", "[Container]\nImage="+repo+"\nContainerName=au\nAutoUpdate=registry\nExec=sleep 100000\n")
	s.roostOK("pull", "-q", repo)
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "au.service")
	first := s.runningContainer("au")
	firstImage := s.imageOf("au")

	report := `{{.Unit}} {{.Policy}} {{.Updated}}`
	if out := s.roostOK("auto-update", "--dry-run", "--format", report); out != "au.service registry false\n" {
		t.Fatalf("dry run with nothing new: %q", out)
	}
	pushAs(t, "docker://"+registry+"/debian:bookworm", repo) // busybox:1.35 is the same image as :latest
	if out := s.roostOK("auto-update", "--dry-run", "--format", report); out != "au.service registry pending\n" {
		t.Fatalf("dry run with a newer image: %q", out)
	}
	if now := s.runningContainer("au"); now.id != first.id {
		t.Fatal("--dry-run restarted the unit")
	}
	if out := s.roostOK("auto-update", "--format", report); out != "au.service registry true\n" {
		t.Fatalf("auto-update: %q", out)
	}
	second := s.runningContainer("au")
	newImage := s.imageOf("au")
	if second.id == first.id || newImage == firstImage {
		t.Fatalf("the unit did not get a new container with the new image")
	}
	if d := strings.TrimSpace(s.roostOK("image", "inspect", "--format", "{{.Digest}}", newImage)); d != registryDigest(t, repo) {
		t.Fatalf("the unit runs image %s with digest %s, the registry has %s", newImage, d, registryDigest(t, repo))
	}

	// A broken image: the restarted unit fails, auto-update goes back.
	pushAs(t, brokenImage(t), repo)
	r := s.roost("auto-update", "--format", report)
	if r.Code != 0 || r.Stdout != "au.service registry rolled back\n" {
		t.Fatalf("auto-update with a broken image: %s\n%s", r, s.journal())
	}
	third := s.runningContainer("au")
	if got := s.imageOf("au"); got != newImage || third.id == second.id {
		t.Fatalf("after the rollback the unit runs image %s, want %s", got, newImage)
	}
	if st := s.property("au.service", "ActiveState"); st != "active" {
		t.Fatalf("after the rollback the unit is %s", st)
	}

	// The timer's service, installed by the user, runs auto-update.
	out := s.roostOK("systemd", "install")
	for _, u := range []string{"roost-auto-update.service", "roost-auto-update.timer"} {
		p := filepath.Join(s.homeDir, ".config/systemd/user", u)
		if !strings.Contains(out, p) {
			t.Fatalf("systemd install did not write %s: %q", p, out)
		}
		if r := s.user("systemd-analyze", "verify", "--user", p); r.Code != 0 {
			t.Fatalf("verify %s: %s", u, r)
		}
	}
	s.systemctlOK("daemon-reload")
	s.systemctlOK("enable", "--now", "roost-auto-update.timer")
	s.systemctlOK("start", "roost-auto-update.service")
	if res := s.property("roost-auto-update.service", "Result"); res != "success" {
		t.Fatalf("roost-auto-update.service: %s\n%s", res, s.journal())
	}
}

// imageOf is the image id a container runs.
func (s *userSystemd) imageOf(name string) string {
	s.t.Helper()
	return strings.TrimSpace(s.roostOK("inspect", "--format", "{{.Image}}", name))
}
