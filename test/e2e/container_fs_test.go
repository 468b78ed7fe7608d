package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const debian = registry + "/debian:bookworm"

// tarNames lists the entries of a tar archive, failing the test on a bad one.
func tarNames(t *testing.T, data string) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(strings.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatalf("not a tar archive (%d bytes): %v", len(data), err)
		}
		names = append(names, h.Name)
	}
}

// tarFile returns the content of one entry of a tar archive.
func tarFile(t *testing.T, data, name string) string {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(data))
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the tar archive: %v", name, err)
		}
		if h.Name == name {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}

// readOwned reads a host file and checks that the test user owns it.
func readOwned(t *testing.T, e *env, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if uid := statUID(fi); uid != e.UID {
		t.Fatalf("%s belongs to uid %d, want the user %d", path, uid, e.UID)
	}
	b, _ := os.ReadFile(path)
	return string(b)
}

// Files and directories go into and out of running and stopped containers;
// what goes in belongs to container root, what comes out to the user.
func TestCpInAndOut(t *testing.T) {
	e := pulled(t)
	e.writeFile("f", "file\n")
	e.writeFile("dir/sub/b", "bee\n")
	e.roostOK("run", "-d", "--name", "live", busybox, "sleep", "300")
	e.roostOK("create", "--name", "idle", busybox, "stat", "-c", "%u %g %n", "/tmp/f", "/tmp/dir/sub/b", "/tmp/renamed/sub/b")
	for _, ctr := range []string{"live", "idle"} {
		e.roostOK("cp", "f", ctr+":/tmp/")
		e.roostOK("cp", "dir", ctr+":/tmp")
		e.roostOK("cp", filepath.Join(e.Home, "dir"), ctr+":/tmp/renamed") // a missing destination becomes the copy
		out := filepath.Join(e.Home, "out-"+ctr)
		mustDir(t, out, e.UID, e.GID)
		e.roostOK("cp", ctr+":/tmp/f", out+"/f-copy")
		e.roostOK("cp", ctr+":/tmp/dir", out)
		e.roostOK("cp", ctr+":/tmp/renamed/.", out+"/contents")
		for path, want := range map[string]string{"f-copy": "file\n", "dir/sub/b": "bee\n", "contents/sub/b": "bee\n"} {
			if got := readOwned(t, e, filepath.Join(out, path)); got != want {
				t.Fatalf("%s: copied out %s = %q, want %q", ctr, path, got, want)
			}
		}
		readOwned(t, e, filepath.Join(out, "dir", "sub"))
	}
	// The stopped container never ran: its process sees what cp put there as root's.
	if got := e.roostOK("start", "-a", "idle"); got != "0 0 /tmp/f\n0 0 /tmp/dir/sub/b\n0 0 /tmp/renamed/sub/b\n" {
		t.Fatalf("owners inside the container: %q", got)
	}
	// Exited now (so unmounted): cp mounts it for the copy and unmounts after.
	e.roostOK("cp", "idle:/tmp/f", filepath.Join(e.Home, "from-exited"))
	if got := readOwned(t, e, filepath.Join(e.Home, "from-exited")); got != "file\n" {
		t.Fatalf("copy from an exited container: %q", got)
	}
	if list := e.roostOK("mount", "--notruncate"); strings.Contains(list, e.roostOK("inspect", "--format", "{{.ID}}", "idle")) {
		t.Fatalf("cp left the exited container mounted: %q", list)
	}
	e.roostOK("rm", "-f", "live", "idle")
	assertNoContainerLeftovers(t, e)
}

// `-` is a tar on stdin (extracted into a directory) or stdout.
func TestCpTarStreams(t *testing.T) {
	e := pulled(t)
	e.roostOK("create", "--name", "c", busybox, "true")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range map[string]string{"x/a": "alpha\n", "x/b": "beta\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	if r := e.runInput(bytes.NewReader(buf.Bytes()), filepath.Join(binDir, "roost"), "cp", "-", "c:/tmp"); r.Code != 0 {
		t.Fatalf("cp - c:/tmp: %s", r)
	}
	out := e.roostOK("cp", "c:/tmp/x", "-")
	names := tarNames(t, out)
	slices.Sort(names)
	if !slices.Equal(names, []string{"x/", "x/a", "x/b"}) {
		t.Fatalf("tar of /tmp/x lists %q", names)
	}
	if got := tarFile(t, out, "x/b"); got != "beta\n" {
		t.Fatalf("x/b in the tar: %q", got)
	}
	if r := e.runInput(bytes.NewReader(buf.Bytes()), filepath.Join(binDir, "roost"), "cp", "-", "c:/no/such/dir/"); r.Code != 125 || !strings.Contains(r.Stderr, `"/no/such/dir/" could not be found on container c`) {
		t.Fatalf("a tar into a missing directory: %s", r)
	}
	e.roostOK("rm", "c")
	assertNoContainerLeftovers(t, e)
}

// Symlinks made by the container resolve inside its root: neither reading
// nor writing through them reaches the host's files.
func TestCpSymlinksStayInsideTheContainer(t *testing.T) {
	e := pulled(t)
	hostPasswd, _ := os.ReadFile("/etc/passwd")
	if !strings.Contains(string(hostPasswd), testUser) {
		t.Fatalf("the host's /etc/passwd should name %s for this test to mean anything", testUser)
	}
	secret := filepath.Join(e.Home, "secret")
	e.writeFile("secret/s", "HOST\n")
	e.writeFile("f", "from host\n")
	e.roostOK("run", "--name", "evil", busybox, "sh", "-c",
		"ln -s / /root-link && ln -s "+secret+" /esc && mkdir -p "+secret+" && echo INSIDE > "+secret+"/s")

	passwd := e.roostOK("cp", "evil:/root-link/etc/passwd", "-")
	if got := tarFile(t, passwd, "passwd"); strings.Contains(got, testUser) || !strings.HasPrefix(got, "root:x:0:0:") {
		t.Fatalf("/root-link/etc/passwd should be the container's passwd, got %q", got)
	}
	e.roostOK("cp", "evil:/esc/s", filepath.Join(e.Home, "got"))
	if got := readOwned(t, e, filepath.Join(e.Home, "got")); got != "INSIDE\n" {
		t.Fatalf("reading through /esc reached %q, want the container's own file", got)
	}
	// Writing through the links lands in the container.
	e.roostOK("cp", "f", "evil:/esc/")
	e.roostOK("cp", "f", "evil:/root-link"+secret+"/f2")
	if ents, _ := os.ReadDir(secret); len(ents) != 1 {
		t.Fatalf("cp wrote through a container symlink to the host: %v", ents)
	}
	if names := tarNames(t, e.roostOK("cp", "evil:"+secret+"/.", "-")); len(names) != 3 {
		t.Fatalf("the container's %s should hold s, f and f2: %q", secret, names)
	}
	// As in Podman, a source symlink is followed, inside the container
	// (-L, Docker's flag, is accepted and changes nothing).
	e.roostOK("cp", "evil:/esc", filepath.Join(e.Home, "followed"))
	if got := readOwned(t, e, filepath.Join(e.Home, "followed", "s")); got != "INSIDE\n" {
		t.Fatalf("cp of a symlink copied %q", got)
	}
	e.roostOK("cp", "-L", "evil:/esc", filepath.Join(e.Home, "followed-L"))
	if got := readOwned(t, e, filepath.Join(e.Home, "followed-L", "s")); got != "INSIDE\n" {
		t.Fatalf("cp -L copied %q", got)
	}
	e.roostOK("rm", "evil")
	assertNoContainerLeftovers(t, e)
}

// Bad paths get one line and exit 125, and leave nothing behind.
func TestCpBadInputFailsClearly(t *testing.T) {
	e := pulled(t)
	e.writeFile("f", "x\n")
	e.writeFile("d/g", "y\n")
	e.roostOK("create", "--name", "c", busybox, "true")
	for _, args := range [][]string{
		{"cp", "c:/no-such-file", "out"},
		{"cp", "no-such-host-file", "c:/tmp/"},
		{"cp", "f", "c:/no/such/dir/f"},
		{"cp", "f", "c:/tmp/missing-dir/"},
		{"cp", "d", "c:/etc/passwd"},
		{"cp", "f", "other-host-path"},
		{"cp", "f", "nosuchctr:/tmp"},
		{"cp", "c:/etc/passwd/", "out"},
	} {
		line := e.roostFails(125, args...)
		t.Logf("%v: %s", args, line)
	}
	if line := e.roostFails(125, "cp", "c:/no-such-file", "out"); !strings.Contains(line, "/no-such-file") {
		t.Fatalf("the error should name the missing path: %q", line)
	}
	for _, p := range []string{"out", "other-host-path"} {
		if _, err := os.Lstat(filepath.Join(e.Home, p)); err == nil {
			t.Fatalf("a failed cp left %s", p)
		}
	}
	e.roostOK("rm", "c")
	assertNoContainerLeftovers(t, e)
}

func TestExport(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", debian)
	e.roostOK("create", "--name", "deb", debian, "true")
	e.writeFile("marker", "exported\n")
	e.roostOK("cp", "marker", "deb:/root/")
	out := e.roostOK("export", "deb")
	names := tarNames(t, out)
	for _, want := range []string{"etc/os-release", "usr/bin/bash", "root/marker"} {
		if !slices.Contains(names, want) {
			t.Fatalf("export lacks %s (%d entries)", want, len(names))
		}
	}
	if got := tarFile(t, out, "root/marker"); got != "exported\n" {
		t.Fatalf("root/marker in the export: %q", got)
	}
	file := filepath.Join(e.Home, "deb.tar")
	if e.roostOK("export", "-o", file, "deb") != "" {
		t.Fatal("export -o should print nothing")
	}
	b := readOwned(t, e, file)
	if !slices.Contains(tarNames(t, b), "etc/os-release") {
		t.Fatal("export -o: etc/os-release missing")
	}
	// A failed export leaves no file.
	e.roostFails(125, "export", "-o", filepath.Join(e.Home, "none.tar"), "no-such-ctr")
	if _, err := os.Stat(filepath.Join(e.Home, "none.tar")); err == nil {
		t.Fatal("a failed export left its output file")
	}
	// A tar is never written to a terminal.
	r := e.run("script", "-qec", filepath.Join(binDir, "roost")+" export deb", "/dev/null")
	if r.Code != 125 || !strings.Contains(r.Stdout, "Error: refusing to write a tar archive to a terminal") || len(r.Stdout) > 200 {
		t.Fatalf("export to a terminal: %s", r)
	}
	e.roostOK("rm", "deb")
	assertNoContainerLeftovers(t, e)
}

func TestDiff(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "ch", busybox, "sh", "-c", "echo x > /added && rm /etc/group && echo more >> /etc/passwd")
	lines := strings.Split(strings.TrimSpace(e.roostOK("diff", "ch")), "\n")
	for _, want := range []string{"A /added", "C /etc", "D /etc/group", "C /etc/passwd"} {
		if !slices.Contains(lines, want) {
			t.Fatalf("diff lacks %q: %q", want, lines)
		}
	}
	// Only the container's own changes: not the mount points Roost made for
	// /etc/hosts, /etc/resolv.conf, /etc/hostname, /run/.containerenv.
	if len(lines) != 4 {
		t.Fatalf("diff lists more than the container's changes: %q", lines)
	}
	// Podman's order: a directory before what is in it.
	if slices.Index(lines, "C /etc") > slices.Index(lines, "C /etc/passwd") {
		t.Fatalf("diff order: %q", lines)
	}
	if got := e.roostOK("container", "diff", "ch"); strings.Join(lines, "\n")+"\n" != got {
		t.Fatalf("container diff differs from diff: %q", got)
	}
	var j map[string][]string
	if err := json.Unmarshal([]byte(e.roostOK("diff", "--format", "json", "ch")), &j); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(j["added"], "/added") || !slices.Contains(j["changed"], "/etc/passwd") || !slices.Contains(j["deleted"], "/etc/group") {
		t.Fatalf("diff --format json: %v", j)
	}
	// -l is the latest container created.
	e.roostOK("create", "--name", "older", busybox, "true")
	e.roostOK("rm", "older")
	if got := e.roostOK("diff", "-l"); strings.Join(lines, "\n")+"\n" != got {
		t.Fatalf("diff -l differs from diff ch: %q", got)
	}
	e.roostFails(125, "diff", "--format", "{{.Path}}", "ch")
	e.roostFails(125, "diff", "no-such-ctr")
	e.roostOK("rm", "ch")
	assertNoContainerLeftovers(t, e)
}

func TestMountOnlyInsideUnshare(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "done", busybox, "sh", "-c", "echo inside > /marker")
	id := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.ID}}", "done"))
	line := e.roostFails(125, "mount", "done")
	if !strings.Contains(line, "roost unshare roost mount done") {
		t.Fatalf("mount outside unshare: %q", line)
	}
	if out := e.roostOK("mount"); out != "" {
		t.Fatalf("a refused mount left a mount: %q", out)
	}
	got := e.roostOK("unshare", "sh", "-c", `p=$(roost mount done) && echo "$p" && cat "$p/marker"`)
	path, content, _ := strings.Cut(got, "\n")
	if content != "inside\n" || !strings.HasPrefix(path, filepath.Join(e.Home, ".local/share/roost/storage")) {
		t.Fatalf("mount inside unshare: %q", got)
	}
	if list := e.roostOK("mount"); list != id[:12]+" "+path+"\n" {
		t.Fatalf("mount listing: %q, want %s %s", list, id[:12], path)
	}
	var mounts []struct {
		ID         string   `json:"id"`
		Names      []string `json:"names"`
		Mountpoint string   `json:"mountpoint"`
	}
	if err := json.Unmarshal([]byte(e.roostOK("mount", "--format", "json")), &mounts); err != nil || len(mounts) != 1 || mounts[0].ID != id || mounts[0].Mountpoint != path {
		t.Fatalf("mount --format json: %+v %v", mounts, err)
	}
	// The host never sees the namespace's mount.
	if _, err := os.Stat(filepath.Join(path, "marker")); err == nil {
		t.Fatal("the container's mount is visible on the host")
	}
	if out := e.roostOK("umount", "done"); out != id+"\n" {
		t.Fatalf("umount prints the id, got %q", out)
	}
	if out := e.roostOK("mount"); out != "" {
		t.Fatalf("after umount: %q", out)
	}
	if out := e.roostOK("unshare", "sh", "-c", "cat "+path+"/marker 2>/dev/null || echo gone"); out != "gone\n" {
		t.Fatalf("after umount the merged directory shows %q", out)
	}

	// A running container keeps its root however often umount is asked.
	e.roostOK("run", "-d", "--name", "live", busybox, "sleep", "300")
	e.roostOK("unshare", "roost", "mount", "live")
	e.roostOK("container", "unmount", "live")
	if line := e.roostFails(125, "umount", "live"); !strings.Contains(line, "in use") {
		t.Fatalf("umount of a running container: %q", line)
	}
	e.roostOK("unshare", "roost", "mount", "done")
	e.roostOK("rm", "-f", "live", "done")
	if out := e.roostOK("mount"); out != "" {
		t.Fatalf("rm left mounts: %q", out)
	}
	assertNoContainerLeftovers(t, e)
}

// Storage's mount counts survive a killed namespace holder, the mounts do not:
// the listing tells what is really mounted, and the container can be removed.
func TestMountListingAfterHolderKilled(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "done", busybox, "true")
	e.roostOK("unshare", "roost", "mount", "done")
	if out := e.roostOK("mount"); out == "" {
		t.Fatal("the container should be listed as mounted")
	}
	killNamespace(e.holderPid())
	if out := e.roostOK("mount"); out != "" {
		t.Fatalf("after the holder died nothing is mounted, yet mount lists %q", out)
	}
	e.roostOK("umount", "done")
	e.roostOK("rm", "done")
	assertNoContainerLeftovers(t, e)
}

// cp follows Podman's rules: relative container paths start at the working
// directory, two containers copy to each other, a running container's
// tmpfs and a created one's volume receive what is copied to their paths,
// a file never silently replaces a directory (--overwrite does), and
// stdin must be a tar for a directory.
func TestCpAsPodman(t *testing.T) {
	e := pulled(t)
	e.writeFile("f", "host file\n")
	// The workdir exists in the image: Roost, as Podman, does not make up a --workdir.
	e.roostOK("run", "-d", "--name", "a", "--workdir", "/home", "--mount", "type=tmpfs,dst=/tmp", busybox,
		"sh", "-c", "mkdir /home/sub && echo from-a > /home/x && mkdir /home/d && echo in-d > /home/d/y && ln -s d /home/dlink && sleep 300")
	eventually(t, 20*time.Second, func() error {
		if r := e.roost("exec", "a", "test", "-e", "/home/dlink"); r.Code != 0 {
			return errors.New("the container is not ready")
		}
		return nil
	})
	e.roostOK("cp", "f", "a:sub")
	e.roostOK("cp", "f", "a:/tmp/")
	if got := e.roostOK("exec", "a", "cat", "/home/sub/f", "/tmp/f"); got != "host file\nhost file\n" {
		t.Fatalf("relative and tmpfs copies read back %q", got)
	}
	e.roostOK("volume", "create", "vol")
	e.roostOK("create", "--name", "b", "-v", "vol:/data", busybox, "sleep", "300")
	e.roostOK("cp", "a:x", "b:/data/")            // container to container, into a volume
	e.roostOK("cp", "a:/home/dlink", "b:/copied") // a symlinked dir, followed, under a new name
	e.roostOK("cp", "a:/home/d/.", "b:/contents") // a directory's contents into a new directory
	e.roostOK("start", "b")
	if got := e.roostOK("exec", "b", "cat", "/data/x", "/copied/y", "/contents/y"); got != "from-a\nin-d\nin-d\n" {
		t.Fatalf("copies between containers read back %q", got)
	}
	mp := strings.TrimSpace(e.roostOK("volume", "inspect", "--format", "{{.Mountpoint}}", "vol"))
	if _, err := os.Stat(filepath.Join(mp, "x")); err != nil {
		t.Fatalf("a copy to a volume's path should land in the volume: %v", err)
	}

	// A file onto a directory: refused, then replaced with --overwrite.
	e.roostOK("exec", "b", "mkdir", "/tmp/x")
	if line := e.roostFails(125, "cp", "a:x", "b:/tmp"); !strings.Contains(line, `error creating "/tmp/x"`) || !strings.Contains(line, "file exists") {
		t.Fatalf("file onto directory: %q", line)
	}
	e.roostOK("cp", "--overwrite", "a:x", "b:/tmp")
	if got := e.roostOK("exec", "b", "cat", "/tmp/x"); got != "from-a\n" {
		t.Fatalf("--overwrite left %q", got)
	}

	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"not a tar", []string{"cp", "-", "a:/tmp"}, "Error: source must be a (compressed) tar archive when copying from stdin"},
		{"", []string{"cp", "-", "a:/home/x"}, "Error: destination must be a directory when copying from stdin"},
		{"", []string{"cp", "f", "a:/nosuch/"}, `Error: "/nosuch/" could not be found on container a: no such file or directory`},
		{"", []string{"cp", "a:/home/*", "out"}, `Error: "/home/*" could not be found on container a: no such file or directory`},
		{"", []string{"cp", "a:/home", filepath.Join(e.Home, "f")}, "Error: destination must be a directory when copying a directory"},
	} {
		r := e.runInput(strings.NewReader(c.stdin), filepath.Join(binDir, "roost"), c.args...)
		if r.Code != 125 || strings.TrimSpace(r.Stderr) != c.want {
			t.Fatalf("%v: want 125 and %q, got %s", c.args, c.want, r)
		}
	}
	e.roostOK("rm", "-f", "-t", "0", "a", "b")
}
