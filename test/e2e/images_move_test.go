package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// imageState is what save and load must keep: the ID, the names and the
// history of one image.
func imageState(t *testing.T, e *env, ref string) string {
	t.Helper()
	return e.roostOK("image", "inspect", "--format", "{{.Id}} {{.RepoTags}}", ref) +
		e.roostOK("history", "--no-trunc", "--format", "{{.ID}} {{.CreatedBy}}", ref)
}

func TestSaveRmiLoadKeepsImageInEveryFormat(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, debianRef)
	want := imageState(t, e, debianRef)
	for _, format := range []string{"docker-archive", "oci-archive", "oci-dir", "docker-dir"} {
		out := filepath.Join(e.Home, "saved-"+format)
		e.roostOK("save", "-q", "--format", format, "-o", out, debianRef)
		e.roostOK("rmi", debianRef)
		r := e.roost("load", "-q", "-i", out)
		if r.Code != 0 {
			t.Fatalf("load %s: %s", format, r)
		}
		if format == "docker-dir" {
			// A docker-dir holds no name: the image comes back as <none>.
			if strings.TrimSpace(r.Stdout) != "Loaded image: sha256:"+id {
				t.Errorf("load docker-dir printed %q", r.Stdout)
			}
			e.roostOK("tag", id, debianRef)
		} else if strings.TrimSpace(r.Stdout) != "Loaded image: "+debianRef {
			t.Errorf("load %s printed %q", format, r.Stdout)
		}
		if got := imageState(t, e, debianRef); got != want {
			t.Errorf("after save/load as %s:\n%s\nwant\n%s", format, got, want)
		}
	}
}

func TestSaveByIDLoadsWithoutName(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	out := filepath.Join(e.Home, "byid.tar")
	e.roostOK("save", "-o", out, id)
	e.roostOK("rmi", id)
	if got := strings.TrimSpace(e.roostOK("load", "-i", out)); got != "Loaded image: sha256:"+id {
		t.Errorf("load printed %q", got)
	}
	if rows := imgRows(t, e); len(rows) != 1 || rows[0][0] != "<none>" || rows[0][2] != id[:12] {
		t.Errorf("images after load by ID: %v", rows)
	}
}

func TestSaveMultiImageArchiveThroughPipe(t *testing.T) {
	e := newEnv(t)
	bb := imgPull(t, e, busyboxRef)
	deb := imgPull(t, e, debianRef)
	roost := filepath.Join(binDir, "roost")
	// stdout is a pipe: save writes the archive there, load reads stdin.
	r := e.run("sh", "-c", roost+" save -m "+busyboxRef+" "+debianRef+" >multi.tar && "+
		roost+" rmi -a >/dev/null && "+roost+" load <multi.tar")
	if r.Code != 0 {
		t.Fatalf("save -m | load: %s", r)
	}
	got := lines(r.Stdout)
	if len(got) != 2 || got[0] != "Loaded image: "+busyboxRef || got[1] != "Loaded image: "+debianRef {
		t.Errorf("load printed %q", r.Stdout)
	}
	for ref, id := range map[string]string{busyboxRef: bb, debianRef: deb} {
		if got := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Id}}", ref)); got != id {
			t.Errorf("%s has ID %s after load, want %s", ref, got, id)
		}
	}
	r = e.run("sh", "-c", roost+" save "+busyboxRef+" | "+roost+" load -q")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "Loaded image: "+busyboxRef {
		t.Errorf("save | load: %s", r)
	}
}

func TestLoadBadInputFailsCleanly(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, debianRef)
	good := filepath.Join(e.Home, "good.tar")
	e.roostOK("save", "-o", good, debianRef)
	e.roostOK("rmi", id)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := e.writeFile("truncated.tar", string(data[:len(data)/2]))
	foreign := e.writeFile("foreign.txt", "not an image archive\n")
	for _, in := range []string{truncated, foreign} {
		line := e.roostFails(125, "load", "-i", in)
		if !strings.Contains(line, "payload does not match any of the supported image formats") {
			t.Errorf("load %s: %q", filepath.Base(in), line)
		}
		if got := e.roostOK("images", "-aq"); got != "" {
			t.Errorf("load of %s left images: %q", filepath.Base(in), got)
		}
	}
	if line := e.roostFails(125, "save", "--format", "tarball", "-o", "x", debianRef); !strings.Contains(line, `unknown format "tarball"`) {
		t.Errorf("save to an unknown format: %q", line)
	}
	if line := e.roostFails(125, "save", "-o", "x", "nosuchimage"); !strings.Contains(line, "nosuchimage: image not known") {
		t.Errorf("save of an unknown image: %q", line)
	}
}
