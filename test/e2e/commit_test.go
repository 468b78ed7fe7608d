package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// commitEnv is an env with busybox pulled and its own TMPDIR, so that a
// commit's temporary layer file can be checked for leftovers.
func commitEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := pulled(t)
	tmp := filepath.Join(e.Home, "tmp")
	mustDir(t, tmp, e.UID, e.GID)
	e.Extra = append(e.Extra, "TMPDIR="+tmp)
	return e, tmp
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Fatalf("%s holds leftovers: %v", dir, ents)
	}
}

// commitID runs a commit and checks its output: progress on stderr as
// Podman prints it, and only the new image's full ID on stdout.
func commitID(t *testing.T, e *env, args ...string) string {
	t.Helper()
	r := e.roost(append([]string{"commit"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("commit %v: %s", args, r)
	}
	id := strings.TrimSuffix(r.Stdout, "\n")
	if !fullID.MatchString(id) {
		t.Fatalf("commit %v printed %q on stdout, want one image ID", args, r.Stdout)
	}
	for _, want := range []string{"Getting image source signatures", "Copying blob ", "Copying config ", "Writing manifest to image destination"} {
		if !strings.Contains(r.Stderr, want) {
			t.Fatalf("commit %v: stderr lacks %q:\n%s", args, want, r.Stderr)
		}
	}
	return id
}

// imageLayers is an image's diff IDs, bottom up.
func imageLayers(t *testing.T, e *env, ref string) []string {
	t.Helper()
	return strings.Fields(strings.Trim(e.roostOK("image", "inspect", "--format", "{{.RootFS.Layers}}", ref), "[]\n"))
}

// A commit keeps what the container added, changed and deleted (a file and a
// whole directory), on top of the base image's own layers, which are shared.
func TestCommitCarriesFileChanges(t *testing.T) {
	e, tmp := commitEnv(t)
	e.roostOK("run", "--name", "maker", busybox, "sh", "-c",
		"echo added > /added.txt && rm /bin/vi && rm -r /usr/sbin && echo 'extra:x:4242:' >> /etc/group")
	id := commitID(t, e, "-m", "three changes", "-a", "Tester <t@example.org>", "maker", "changed")
	assertEmptyDir(t, tmp)

	out := e.roostOK("run", "--rm", "changed", "sh", "-c",
		"cat /added.txt; test -e /bin/vi || echo vi-gone; test -e /usr/sbin || echo sbin-gone; grep -c '^extra:x:4242:$' /etc/group; grep -c '^root:' /etc/group")
	if out != "added\nvi-gone\nsbin-gone\n1\n1\n" {
		t.Fatalf("the committed image does not hold the container's changes: %q", out)
	}
	// The base image is untouched.
	if out := e.roostOK("run", "--rm", busybox, "sh", "-c", "test -e /bin/vi && test -d /usr/sbin && test ! -e /added.txt && ! grep -q extra /etc/group && echo base-intact"); out != "base-intact\n" {
		t.Fatalf("base image changed: %q", out)
	}

	base, layers := imageLayers(t, e, busybox), imageLayers(t, e, "changed")
	if len(layers) != len(base)+1 || !slices.Equal(layers[:len(base)], base) {
		t.Fatalf("layers %v, want busybox's %v and one more", layers, base)
	}
	img := imgInspect(t, e, "localhost/changed:latest")
	if img["Id"] != id || img["Author"] != "Tester <t@example.org>" {
		t.Fatalf("inspect Id %v Author %v, want %s and the -a value", img["Id"], img["Author"], id)
	}
	hist, _ := img["History"].([]any)
	last, _ := hist[len(hist)-1].(map[string]any)
	if last["comment"] != "three changes" || !strings.Contains(fmt.Sprint(last["created_by"]), "echo added") {
		t.Fatalf("last history entry %v, want the -m message and the container's command", last)
	}
	if rows := e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"); !strings.Contains(rows, "localhost/changed:latest "+id[:12]+"\n") {
		t.Fatalf("images does not list the new image as localhost/changed:latest:\n%s", rows)
	}
	// The container itself is as it was.
	if st := e.roostOK("inspect", "--format", "{{.State.Status}}", "maker"); st != "exited\n" {
		t.Fatalf("container after commit: %q", st)
	}
}

// --change edits the config, `image inspect` shows it, and a run without a
// command behaves by it.
func TestCommitChangesConfigAndBehaviour(t *testing.T) {
	e, _ := commitEnv(t)
	e.roostOK("run", "--name", "app", busybox, "sh", "-c", "mkdir /app && echo hello > /app/msg")
	commitID(t, e,
		"--change", `CMD ["sh", "-c", "echo $GREETING from $(pwd) as $(id -u); cat msg"]`,
		"-c", "ENV GREETING=hi THERE='two words'",
		"-c", "WORKDIR /app",
		"-c", "USER 1234",
		"-c", "EXPOSE 8080 53/udp",
		"-c", "LABEL stage=committed",
		"-c", "STOPSIGNAL SIGINT",
		"-c", "VOLUME /data",
		"app", "configured")

	var cfg struct {
		Cmd, Entrypoint, Env []string
		WorkingDir, User     string
		StopSignal           string
		ExposedPorts         map[string]any
		Volumes              map[string]any
		Labels               map[string]string
	}
	if err := json.Unmarshal([]byte(e.roostOK("image", "inspect", "--format", "{{json .Config}}", "configured")), &cfg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Cmd, []string{"sh", "-c", "echo $GREETING from $(pwd) as $(id -u); cat msg"}) {
		t.Errorf("Cmd %q", cfg.Cmd)
	}
	if !slices.Contains(cfg.Env, "GREETING=hi") || !slices.Contains(cfg.Env, "THERE=two words") || !slices.ContainsFunc(cfg.Env, func(s string) bool { return strings.HasPrefix(s, "PATH=") }) {
		t.Errorf("Env %q: want the new variables and busybox's PATH", cfg.Env)
	}
	if cfg.WorkingDir != "/app" || cfg.User != "1234" || cfg.StopSignal != "SIGINT" {
		t.Errorf("WorkingDir %q User %q StopSignal %q", cfg.WorkingDir, cfg.User, cfg.StopSignal)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok || len(cfg.ExposedPorts) != 2 {
		t.Errorf("ExposedPorts %v", cfg.ExposedPorts)
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("Volumes %v", cfg.Volumes)
	}
	if cfg.Labels["stage"] != "committed" || cfg.Labels["org.roost.fixture"] != "busybox" {
		t.Errorf("Labels %v: want the new label beside busybox's", cfg.Labels)
	}
	if out := e.roostOK("run", "--rm", "configured"); out != "hi from /app as 1234\nhello\n" {
		t.Fatalf("run with no command: %q", out)
	}

	// ENTRYPOINT in exec form, and Docker's format on request.
	e.roostOK("run", "--name", "ep", busybox, "true")
	commitID(t, e, "-f", "docker", "-m", "docker message", "-c", `ENTRYPOINT ["/bin/echo", "ep"]`, "-c", `CMD ["arg"]`, "ep", "withentry")
	// Docker's config has a comment field, which inspect shows as Podman does.
	if got := e.roostOK("image", "inspect", "--format", "{{.ManifestType}} {{.Comment}}", "withentry"); got != "application/vnd.docker.distribution.manifest.v2+json docker message\n" {
		t.Errorf("-f docker -m: manifest type and comment %q", got)
	}
	if mt := e.roostOK("image", "inspect", "--format", "{{.ManifestType}}", "configured"); mt != "application/vnd.oci.image.manifest.v1+json\n" {
		t.Errorf("default format: manifest type %q", mt)
	}
	if out := e.roostOK("run", "--rm", "withentry"); out != "ep arg\n" {
		t.Fatalf("run with the committed ENTRYPOINT and CMD: %q", out)
	}
	if out := e.roostOK("run", "--rm", "withentry", "other"); out != "ep other\n" {
		t.Fatalf("run with the committed ENTRYPOINT and a command: %q", out)
	}
}

// -q prints the ID alone; without a name the image is <none>.
func TestCommitQuietAndUntagged(t *testing.T) {
	e, tmp := commitEnv(t)
	e.roostOK("run", "--name", "plain", busybox, "touch", "/marker")
	r := e.roost("commit", "-q", "plain")
	id := strings.TrimSuffix(r.Stdout, "\n")
	if r.Code != 0 || !fullID.MatchString(id) || r.Stderr != "" {
		t.Fatalf("commit -q: want only an ID on stdout, got %s", r)
	}
	if ids := lines(e.roostOK("images", "-q", "--no-trunc")); !slices.Contains(ids, "sha256:"+id) {
		t.Fatalf("images -q --no-trunc %q lacks sha256:%s", ids, id)
	}
	row := e.roostOK("images", "--format", "{{.Repository}} {{.Tag}}", "--filter", "id="+id)
	if row != "<none> <none>\n" {
		t.Fatalf("untagged commit listed as %q, want <none> <none>", row)
	}
	if out := e.roostOK("run", "--rm", id, "ls", "/marker"); out != "/marker\n" {
		t.Fatalf("run by ID: %q", out)
	}
	assertEmptyDir(t, tmp)
}

// Bad input: one line, exit 125, and no image, layer or temporary file made.
func TestCommitBadInputMakesNothing(t *testing.T) {
	e, tmp := commitEnv(t)
	e.roostOK("run", "--name", "src", busybox, "touch", "/x")
	e.roostOK("run", "-d", "--name", "live", busybox, "sleep", "1000")
	before := e.roostOK("images", "-a", "-q", "--no-trunc")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "FOO bar", "src", "bad"}, `invalid --change "FOO bar": unknown instruction FOO`},
		{[]string{"-c", "CMD ok", "-c", "EXPOSE 99999", "src", "bad"}, "EXPOSE"},
		{[]string{"-c", "ENV LONELY", "src", "bad"}, "LONELY"},
		{[]string{"-c", "STOPSIGNAL SIGNOPE", "src", "bad"}, "STOPSIGNAL"},
		{[]string{"-f", "tar", "src", "bad"}, "--format"},
		{[]string{"src", "Bad Name"}, "invalid image name"},
		{[]string{"nosuchcontainer", "bad"}, "nosuchcontainer"},
		{[]string{"src", "bad", "extra"}, "arg"},
		{[]string{"-p", "live", "bad"}, "--pause"},
	} {
		line := e.roostFails(125, append([]string{"commit"}, tc.args...)...)
		if !strings.Contains(line, tc.want) {
			t.Errorf("commit %v: %q does not say %q", tc.args, line, tc.want)
		}
	}
	if after := e.roostOK("images", "-a", "-q", "--no-trunc"); after != before {
		t.Fatalf("failed commits left images:\nbefore %q\nafter  %q", before, after)
	}
	assertEmptyDir(t, tmp)
	// --pause is only refused where pausing would matter: a stopped
	// container has nothing to freeze.
	commitID(t, e, "-p", "src", "paused-ok")
	e.roostOK("rm", "-f", "live", "src")
}

// A running container is committed as it is, and keeps running.
func TestCommitRunningContainer(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e, tmp := commitEnv(t)
			e.roostOK("--runtime", rt, "run", "-d", "--name", "live", busybox, "sh", "-c",
				"echo data > /state; rm /bin/vi; echo ready; while true; do sleep 0.1; done")
			eventually(t, secs(10), func() error {
				if out := e.roostOK("logs", "live"); out != "ready\n" {
					return fmt.Errorf("logs: %q", out)
				}
				return nil
			})
			commitID(t, e, "live", "snapshot")
			if st := e.roostOK("inspect", "--format", "{{.State.Status}}", "live"); st != "running\n" {
				t.Fatalf("container after commit: %q", st)
			}
			if out := e.roostOK("run", "--rm", "snapshot", "sh", "-c", "cat /state; test -e /bin/vi || echo vi-gone"); out != "data\nvi-gone\n" {
				t.Fatalf("snapshot of the running container: %q", out)
			}
			e.roostOK("rm", "-f", "live")
			assertEmptyDir(t, tmp)
			assertNoContainerLeftovers(t, e)
		})
	}
}

// The container layer's diff is read through the storage driver: vfs and
// fuse-overlayfs keep changes and deletions as overlay does.
func TestCommitOnOtherStorageDrivers(t *testing.T) {
	for name, global := range map[string][]string{
		"vfs":            {"--storage-driver", "vfs"},
		"fuse-overlayfs": {"--storage-opt", "overlay.mount_program=/usr/bin/fuse-overlayfs"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			with := func(args ...string) []string { return append(append([]string{}, global...), args...) }
			e.roostOK(with("pull", "-q", busybox)...)
			e.roostOK(with("run", "--name", "c", busybox, "sh", "-c", "echo new > /new; rm -r /usr/sbin")...)
			e.roostOK(with("commit", "-q", "c", "onthis")...)
			if out := e.roostOK(with("run", "--rm", "onthis", "sh", "-c", "cat /new; test -e /usr/sbin || echo sbin-gone")...); out != "new\nsbin-gone\n" {
				t.Fatalf("committed image on %s: %q", name, out)
			}
			if got := e.roostOK(with("image", "inspect", "--format", "{{.GraphDriver.Name}}", "onthis")...); got != map[string]string{"vfs": "vfs\n", "fuse-overlayfs": "overlay\n"}[name] {
				t.Fatalf("committed image stored by %q", got)
			}
			e.roostOK(with("rm", "c")...)
		})
	}
}
