package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// Podman's texts and codes for run's failures, which scripts match exactly.
func TestRunParityErrors(t *testing.T) {
	e := pulled(t)
	missing := registry + "/busybox:no-such-tag"
	if got := e.roostFails(125, "run", "--pull=never", missing, "true"); got != "Error: "+missing+": image not known" {
		t.Fatalf("--pull=never of a missing image: %q", got)
	}
	// The runtime refuses an unknown global flag: a failed start, 126,
	// and the message names the flag.
	if got := e.roostFails(126, "--runtime-flag", "invalidflag", "run", "--rm", busybox, "true"); !strings.Contains(got, "invalidflag") {
		t.Fatalf("--runtime-flag invalidflag: %q does not name the flag", got)
	}
	e.roostOK("run", "--name", "nolog", "--log-driver", "none", busybox, "echo", "x")
	if got := e.roostFails(125, "logs", "nolog"); !strings.Contains(got, "this container is using the 'none' log driver, cannot read logs") {
		t.Fatalf("logs of a none-driver container: %q", got)
	}
}

// --entrypoint takes a JSON array as the exec form; -p with --net=host
// gives Podman's bare warning before the output; container=podman is set.
func TestRunParityProcess(t *testing.T) {
	e := pulled(t)
	if out := e.roostOK("run", "--rm", `--entrypoint=["/bin/echo","a b"]`, busybox); out != "a b\n" {
		t.Fatalf("JSON entrypoint: %q", out)
	}
	r := e.roost("run", "--rm", "-p", "8080", "--net=host", busybox, "echo", "out")
	want := "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use\n"
	if r.Code != 0 || r.Stdout != "out\n" || r.Stderr != want {
		t.Fatalf("-p with --net=host: %s", r)
	}
	if out := e.roostOK("run", "--rm", busybox, "sh", "-c", "echo $container"); out != "podman\n" {
		t.Fatalf("container env: %q", out)
	}
}

// /run/.containerenv exists, empty; a --privileged container reads who it is.
func TestRunParityContainerEnv(t *testing.T) {
	e := pulled(t)
	if out := e.roostOK("run", "--rm", busybox, "stat", "-c", "%s", "/run/.containerenv"); out != "0\n" {
		t.Fatalf("size of /run/.containerenv: %q", out)
	}
	out := e.roostOK("run", "--privileged", "--rm", "--name", "envc", busybox, "sh", "-c", ". /run/.containerenv; echo $engine; echo $name; echo $image; echo $rootless")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "podman-") || lines[1] != "envc" || lines[2] != busybox || lines[3] != "1" {
		t.Fatalf("privileged /run/.containerenv gave %q", lines)
	}
}

// A --workdir missing from the image, or a --hostuser missing from the
// host, is a failed start (126); a --workdir in a volume is fine.
func TestRunParityStartRefusals(t *testing.T) {
	e := pulled(t)
	if got := e.roostFails(126, "run", "--rm", "--workdir", "/i/do/not/exist", busybox, "pwd"); !strings.Contains(got, `workdir "/i/do/not/exist" does not exist on container`) {
		t.Fatalf("missing workdir: %q", got)
	}
	dir := filepath.Dir(e.writeFile("wd/content", "x"))
	if out := e.roostOK("run", "--rm", "--workdir", "/notinimage/sub", "-v", dir+":/notinimage", busybox, "pwd"); out != "/notinimage/sub\n" {
		t.Fatalf("workdir below a volume: %q", out)
	}
	if out := e.roostOK("run", "--rm", "--workdir", "/above", "-v", dir+":/above/vol", busybox, "pwd"); out != "/above\n" {
		t.Fatalf("workdir above a volume: %q", out)
	}
	e.roostFails(126, "run", "--rm", "--hostuser=bogus-no-such-user", busybox, "true")
}
