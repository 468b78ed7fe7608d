package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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

// uniqueRepo is a repository name no other test pushes to.
func uniqueRepo(t *testing.T, prefix string) string {
	return fmt.Sprintf("%s/e2e-%s-%d-%d", prefix, strings.ToLower(regexp.MustCompile(`\W`).ReplaceAllString(t.Name(), "")), os.Getpid(), time.Now().UnixNano())
}

func TestPushRmiPullSameDigest(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, debianRef)
	dest := uniqueRepo(t, registry) + ":v1"
	digestFile := filepath.Join(e.Home, "digest")
	r := e.roost("push", "--digestfile", digestFile, debianRef, dest)
	if r.Code != 0 || !strings.Contains(r.Stderr, "Writing manifest to image destination") {
		t.Fatalf("push: %s", r)
	}
	pushed, err := os.ReadFile(digestFile)
	if err != nil || !strings.HasPrefix(string(pushed), "sha256:") {
		t.Fatalf("digest file: %q %v", pushed, err)
	}
	e.roostOK("rmi", "-a")
	if got := imgPull(t, e, dest); got != id {
		t.Errorf("pulled back ID %s, pushed %s", got, id)
	}
	if got := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Digest}}", dest)); got != string(pushed) {
		t.Errorf("pulled digest %s, push wrote %s", got, pushed)
	}
	// The other manifest formats and zstd layers come back as the same image.
	for _, args := range [][]string{{"--format", "oci"}, {"--format", "v2s2"}, {"--compression-format", "zstd"}} {
		d := uniqueRepo(t, registry) + ":x"
		e.roostOK(append(append([]string{"push", "-q"}, args...), dest, d)...)
		if out := e.roostOK("pull", "-q", d); strings.TrimSpace(out) == "" {
			t.Errorf("pull of a push with %v printed nothing", args)
		}
	}
}

func TestPushToTransports(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	for _, dest := range []string{"oci:" + filepath.Join(e.Home, "layout") + ":v1", "oci-archive:" + filepath.Join(e.Home, "o.tar"),
		"docker-archive:" + filepath.Join(e.Home, "d.tar"), "dir:" + filepath.Join(e.Home, "dir")} {
		e.roostOK("push", "-q", busyboxRef, dest)
		path := strings.SplitN(strings.SplitN(dest, ":", 2)[1], ":", 2)[0]
		e.roostOK("rmi", "-a")
		if out := e.roostOK("load", "-q", "-i", path); !strings.HasPrefix(out, "Loaded image: ") {
			t.Errorf("load of %s printed %q", dest, out)
		}
		if got := strings.TrimSpace(e.roostOK("images", "-q", "--no-trunc")); got != "sha256:"+id {
			t.Errorf("after push to %s and load: %q, want %s", dest, got, id)
		}
		e.roostOK("tag", id, busyboxRef)
	}
	if line := e.roostFails(125, "push", busyboxRef, "bogus:somewhere"); !strings.Contains(line, `unknown transport "bogus"`) {
		t.Errorf("unknown transport: %q", line)
	}
	if line := e.roostFails(125, "push", busyboxRef, "127.0.0.1:5999/nothing:1"); !strings.Contains(line, "cannot reach the registry") {
		t.Errorf("unreachable registry: %q", line)
	}
	if line := e.roostFails(125, "push", "nosuchimage", registry+"/x"); !strings.Contains(line, "nosuchimage: image not known") {
		t.Errorf("unknown image: %q", line)
	}
}

func TestPushProtectedRegistryNeedsLogin(t *testing.T) {
	e := newEnv(t)
	imgPull(t, e, busyboxRef)
	dest := uniqueRepo(t, authRegistry) + ":1"
	line := e.roostFails(125, "push", busyboxRef, dest)
	if !strings.Contains(line, "authentication required") || !strings.Contains(line, "roost login "+authRegistry) {
		t.Errorf("push before login: %q", line)
	}
	e.roostOK("login", "-u", authUser, "-p", authPass, authRegistry)
	e.roostOK("push", "-q", busyboxRef, dest)
	e.roostOK("logout", authRegistry)
	if line := e.roostFails(125, "push", busyboxRef, dest); !strings.Contains(line, "authentication required") {
		t.Errorf("push after logout: %q", line)
	}
	e.roostOK("push", "-q", "--creds", authUser+":"+authPass, busyboxRef, dest)
}

func TestHistoryOrderAndTruncation(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, debianRef)
	rows := lines(e.roostOK("history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}", debianRef))
	// Newest first: the image's own ID, then the steps below it.
	if len(rows) < 3 || !strings.HasPrefix(rows[0], id+"|") || !strings.HasPrefix(rows[len(rows)-1], "<missing>|") {
		t.Fatalf("history rows: %q", rows)
	}
	if !strings.Contains(rows[len(rows)-1], "/usr") {
		t.Errorf("oldest step should be the first debootstrap layer: %q", rows[len(rows)-1])
	}
	table := lines(e.roostOK("history", debianRef))
	if f := strings.Fields(table[0]); strings.Join(f, " ") != "ID CREATED CREATED BY SIZE COMMENT" {
		t.Errorf("header: %q", table[0])
	}
	if !strings.HasPrefix(table[1], id[:12]+"  ") {
		t.Errorf("first row: %q", table[1])
	}
	// CREATED BY is cut to 45 characters without --no-trunc.
	full := strings.Split(rows[0], "|")[1]
	if len(full) <= 45 || !strings.Contains(table[1], full[:42]+"...") || strings.Contains(table[1], full) {
		t.Errorf("CREATED BY %q not truncated in %q", full, table[1])
	}
	raw := lines(e.roostOK("history", "--human=false", "--format", "{{.Created}} {{.Size}}", debianRef))
	if !regexp.MustCompile(`^2024-01-01T00:00:00Z [0-9]+$`).MatchString(raw[0]) {
		t.Errorf("--human=false: %q", raw[0])
	}
	var js []map[string]any
	if err := json.Unmarshal([]byte(e.roostOK("history", "--format", "json", debianRef)), &js); err != nil || len(js) != len(rows) || js[0]["id"] != id {
		t.Errorf("history json: %v %v", err, js)
	}
	if q := lines(e.roostOK("history", "-q", debianRef)); len(q) != len(rows) || q[0] != id[:12] {
		t.Errorf("history -q: %q", q)
	}
}

func TestExportImportChangeRun(t *testing.T) {
	e := newEnv(t)
	imgPull(t, e, busyboxRef)
	e.roostOK("run", "--name", "src", busyboxRef, "sh", "-c", "echo imported-content > /marker")
	tarball := filepath.Join(e.Home, "fs.tar")
	e.roostOK("export", "-o", tarball, "src")
	id := strings.TrimSpace(e.roostOK("import", "-q", "--change", "CMD cat /marker", "--message", "from e2e", tarball, "imported:v1"))
	if !fullID.MatchString(id) {
		t.Fatalf("import printed %q", id)
	}
	if out := e.roostOK("run", "--rm", "imported:v1"); out != "imported-content\n" {
		t.Errorf("run of the imported image: %q", out)
	}
	if h := e.roostOK("history", "--format", "{{.Comment}}", "imported:v1"); h != "from e2e\n" {
		t.Errorf("history comment: %q", h)
	}
	// stdin, untagged.
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := e.runInput(f, filepath.Join(binDir, "roost"), "import", "-q", "-")
	if r.Code != 0 {
		t.Fatalf("import -: %s", r)
	}
	if out := e.roostOK("run", "--rm", strings.TrimSpace(r.Stdout), "cat", "/marker"); out != "imported-content\n" {
		t.Errorf("run of the stdin import: %q", out)
	}
	before := e.roostOK("images", "-aq")
	foreign := e.writeFile("foreign", "this is not a tarball\n")
	if line := e.roostFails(125, "import", foreign); !strings.Contains(line, "not a tar archive") {
		t.Errorf("import of a foreign file: %q", line)
	}
	if after := e.roostOK("images", "-aq"); after != before {
		t.Errorf("failed import changed the images: %q -> %q", before, after)
	}
}

func TestManifestCreateAddPushPullEachPlatform(t *testing.T) {
	e := newEnv(t)
	listID := strings.TrimSpace(e.roostOK("manifest", "create", "mylist:1"))
	if !fullID.MatchString(listID) {
		t.Fatalf("manifest create printed %q", listID)
	}
	if e.roost("manifest", "exists", "mylist:1").Code != 0 {
		t.Error("manifest exists: the new list is not found")
	}
	e.roostOK("manifest", "add", "--arch", "arm64", "mylist:1", multiarchRef)
	e.roostOK("manifest", "add", "mylist:1", multiarchRef)
	var index struct {
		Manifests []struct {
			Digest      string
			Platform    struct{ Architecture, OS string }
			Annotations map[string]string
		}
	}
	if err := json.Unmarshal([]byte(e.roostOK("manifest", "inspect", "mylist:1")), &index); err != nil || len(index.Manifests) != 2 {
		t.Fatalf("manifest inspect: %v %+v", err, index)
	}
	e.roostOK("manifest", "annotate", "--annotation", "e2e=yes", "mylist:1", index.Manifests[0].Digest)
	if out := e.roostOK("manifest", "inspect", "mylist:1"); !strings.Contains(out, `"e2e": "yes"`) {
		t.Errorf("annotation missing: %s", out)
	}
	dest := uniqueRepo(t, registry) + ":multi"
	e.roostOK("manifest", "push", "-q", "mylist:1", dest)
	for _, arch := range []string{"arm64", "amd64"} {
		e.roostOK("pull", "-q", "--platform", "linux/"+arch, dest)
		if got := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Architecture}}", dest)); got != arch {
			t.Errorf("pull --platform linux/%s of the pushed list gave %s", arch, got)
		}
		e.roostOK("rmi", dest)
	}
	// Image commands say a list is one, in one line; push of a list pushes it whole.
	if line := e.roostFails(125, "history", "mylist:1"); !strings.Contains(line, "is a manifest list") {
		t.Errorf("history of a list: %q", line)
	}
	e.roostOK("push", "-q", "mylist:1", dest+"-again")
	// rmi removes the list, not the images it names.
	if e.roost("manifest", "exists", busyboxRef).Code != 1 {
		t.Error("manifest exists says a missing name is a list")
	}
	e.roostOK("rmi", "mylist:1")
	if e.roost("manifest", "exists", "mylist:1").Code != 1 {
		t.Error("the list survived rmi")
	}
	if line := e.roostFails(125, "manifest", "push", "-q", "nolist", dest); !strings.Contains(line, "nolist") {
		t.Errorf("push of a missing list: %q", line)
	}
}

func TestSearchLocalRegistry(t *testing.T) {
	e := newEnv(t)
	names := lines(e.roostOK("search", "--format", "{{.Name}}", "busy"))
	if len(names) == 0 || !slicesContains(names, registry+"/busybox") {
		t.Errorf("search busy: %q", names)
	}
	for _, n := range names {
		if !strings.Contains(n, "busy") {
			t.Errorf("search busy found %q", n)
		}
	}
	if got := lines(e.roostOK("search", "--limit", "2", "--format", "{{.Name}}", registry+"/")); len(got) != 2 {
		t.Errorf("--limit 2: %q", got)
	}
	tags := e.roostOK("search", "--list-tags", "--format", "{{.Tag}}", registry+"/busybox")
	if !slicesContains(lines(tags), "latest") || !slicesContains(lines(tags), "1.35") {
		t.Errorf("--list-tags: %q", tags)
	}
	if line := e.roostFails(125, "search", "127.0.0.1:5999/x"); !strings.Contains(line, "cannot reach the registry") {
		t.Errorf("unreachable: %q", line)
	}
}

func slicesContains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func TestImageMountInsideUnshare(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	if line := e.roostFails(125, "image", "mount", busyboxRef); !strings.Contains(line, "roost unshare") {
		t.Errorf("image mount outside unshare: %q", line)
	}
	roost := filepath.Join(binDir, "roost")
	r := e.roost("unshare", "sh", "-c", "p=$("+roost+" image mount "+busyboxRef+") && test -x $p/bin/busybox && echo found && "+roost+" image unmount "+busyboxRef)
	if r.Code != 0 || r.Stdout != "found\n"+id+"\n" {
		t.Errorf("image mount/unmount in unshare: %s", r)
	}
}

// TestKilledLoadLeavesNoBigFiles: a load keeps big temporary files under
// TMPDIR (its copy of standard input, containers/image's blobs); a load
// killed with -9 meanwhile leaves its directory there, and the next command
// that copies images removes it (and the image then loads whole).
func TestKilledLoadLeavesNoBigFiles(t *testing.T) {
	e := newEnv(t)
	imgPull(t, e, debianRef)
	archive := filepath.Join(e.Home, "debian.tar")
	e.roostOK("save", "-q", "-o", archive, debianRef)
	e.roostOK("rmi", debianRef)
	tmp := filepath.Join(e.Home, "tmp")
	mustDir(t, tmp, e.UID, e.GID)
	e.Extra = append(e.Extra, "TMPDIR="+tmp)

	for _, c := range []struct {
		what string
		args []string
	}{
		{"the copy of standard input", []string{"-c", "exec roost load -q < " + archive}},
		{"containers/image's files", []string{"-c", "exec roost load -q -i " + archive}},
	} {
		// Killed once its directory holds something.
		cmd := e.command(context.Background(), "sh", c.args...)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var held string
		eventually(t, 60*time.Second, func() error {
			files, _ := filepath.Glob(filepath.Join(tmp, "roost-images-*", "*"))
			if len(files) == 0 {
				return fmt.Errorf("no temporary files yet (load printed %q)", out.String())
			}
			held = files[0]
			return nil
		})
		killGroup(cmd)
		if _, err := os.Stat(held); err != nil {
			t.Fatalf("%s: the killed load's files are gone before any other command ran (%v): the test did not kill it in time", c.what, err)
		}
		r := e.roost("load", "-q", "-i", archive)
		if r.Code != 0 || strings.TrimSpace(r.Stdout) != "Loaded image: "+debianRef {
			t.Fatalf("%s: load after the killed one: %s", c.what, r)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%s: temporary files left in TMPDIR after the next load: %v", c.what, left)
		}
		e.roostOK("rmi", debianRef)
	}
	e.roostOK("load", "-q", "-i", archive)
	if out := e.roostOK("run", "--rm", debianRef, "cat", "/etc/debian_version"); !strings.HasPrefix(out, "12") {
		t.Errorf("run printed %q", out)
	}
}
