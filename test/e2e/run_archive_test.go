package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRunFromArchives: run and create take an image saved on disk
// (docker-archive:FILE, oci-archive:FILE), loading it with its name and
// showing the copy as a pull does; commit keeps what the container was
// created with, so the reloaded image runs as the container did.
func TestRunFromArchives(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "myc", "-e", "GREETING=kept", "--entrypoint", `["/bin/sh","-c","echo magic-$GREETING"]`, busybox)
	e.roostOK("commit", "-q", "myc", "myi")
	dockerTar := filepath.Join(e.Home, "archive.tar")
	ociTar := filepath.Join(e.Home, "oci.tar")
	e.roostOK("save", "-q", "-o", dockerTar, "myi")
	e.roostOK("save", "-q", "--format", "oci-archive", "-o", ociTar, "myi")
	e.roostOK("rm", "myc")
	e.roostOK("rmi", "myi")

	r := e.roost("run", "--rm", "docker-archive:"+dockerTar)
	if r.Code != 0 || r.Stdout != "magic-kept\n" {
		t.Fatalf("run docker-archive: %s", r)
	}
	for _, want := range []string{"Getting image source signatures", "Copying blob", "Copying config", "Writing manifest"} {
		if !strings.Contains(r.Stderr, want) {
			t.Fatalf("run docker-archive: no %q in its progress: %s", want, r)
		}
	}
	if got := e.roostLine("images", "--format", "{{.Repository}}:{{.Tag}}", "myi"); got != "localhost/myi:latest" {
		t.Fatalf("after run docker-archive the image is listed as %q", got)
	}
	e.roostOK("rmi", "myi")

	cid := e.roostLine("create", "-q", "oci-archive:"+ociTar)
	cid = cid[strings.LastIndex(cid, "\n")+1:]
	if out := e.roostOK("start", "--attach", cid); out != "magic-kept\n" {
		t.Fatalf("start --attach of a container created from oci-archive printed %q", out)
	}
	e.roostOK("rm", cid)
	e.roostOK("rmi", "myi")

	// A missing file: one line naming it, exit 125, nothing made.
	out := e.roostFails(125, "run", "docker-archive:"+filepath.Join(e.Home, "nosuch.tar"))
	if !strings.Contains(out, "nosuch.tar") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("run of a missing archive said %q", out)
	}
	// A file of the wrong format says which format it was read as.
	out = e.roostFails(125, "run", "oci-archive:"+dockerTar)
	if !strings.Contains(out, "oci-archive") {
		t.Fatalf("run oci-archive: of a docker archive said %q", out)
	}
	if got := e.roostOK("ps", "-aq"); got != "" {
		t.Fatalf("failed runs left containers: %q", got)
	}
	if got := e.roostOK("images", "-q", "myi"); got != "" {
		t.Fatalf("failed runs left images: %q", got)
	}
}
