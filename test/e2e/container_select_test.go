package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// start, stop, kill, rm and restart choose containers as Podman's do and
// print what was typed (names as given; ids for --all and --filter).
func TestLifecycleSelectionAsPodman(t *testing.T) {
	e := pulled(t)
	ok := strings.TrimSpace(e.roostOK("run", "-d", busybox, "true"))
	bad := strings.TrimSpace(e.roostOK("run", "-d", busybox, "false"))
	e.roostOK("wait", ok, bad)

	if out := e.roostOK("start", "--all", "--filter", "exited=0"); strings.TrimSpace(out) != ok {
		t.Fatalf("start --all --filter exited=0 printed %q, want %s", out, ok)
	}
	e.roostOK("wait", ok)
	if out := e.roostOK("start", "--filter", "restart-policy=always", ok); out != "" {
		t.Fatalf("start --filter restart-policy=always of a container without a policy printed %q", out)
	}
	if out := e.roostOK("start", "--filter", "restart-policy=none", ok); strings.TrimSpace(out) != ok {
		t.Fatalf("start --filter restart-policy=none printed %q", out)
	}
	if line := e.roostFails(125, "start", "--filter", "restart-policy=fake", ok); line != "Error: fake invalid restart policy" {
		t.Fatalf("bad restart policy: %q", line)
	}
	// One check for ps, start, stop and rm: every bad policy is named.
	for _, cmd := range []string{"stop", "rm", "ps"} {
		if line := e.roostFails(125, cmd, "--filter", "restart-policy=fake", "--filter", "restart-policy=odd"); line != "Error: fake, odd invalid restart policies" {
			t.Fatalf("%s with two bad restart policies: %q", cmd, line)
		}
	}
	if line := e.roostFails(125, "start", "--all", "x"); line != "Error: either start all containers or the container(s) provided in the arguments" {
		t.Fatalf("start --all with a name: %q", line)
	}

	// Names print as typed; a running container is not started again.
	e.roostOK("run", "-d", "--name", "sl", busybox, "sleep", "300")
	if out := e.roostOK("start", "sl"); out != "" {
		t.Fatalf("start of a running container printed %q", out)
	}
	if out := e.roostOK("kill", "-s", "-SIGUSR1", "sl"); out != "sl\n" {
		t.Fatalf("kill -s -SIGUSR1 printed %q", out)
	}
	for sig, want := range map[string]string{
		"SIGBADSIG": "Error: invalid signal: SIGBADSIG", "-0": "Error: invalid signal: 0", "65": "Error: valid signals are 1 through 64",
	} {
		if line := e.roostFails(125, "kill", "-s", sig, "sl"); line != want {
			t.Fatalf("kill -s %s: %q, want %q", sig, line, want)
		}
	}

	// Missing names: 125 for stop (nothing with --ignore), 1 for rm (nothing with -f).
	missing := `Error: no container with name or ID "nosuch" found: no such container`
	if line := e.roostFails(125, "stop", "nosuch"); line != missing {
		t.Fatalf("stop of a missing container: %q", line)
	}
	if out := e.roostOK("stop", "--ignore", "nosuch"); out != "" {
		t.Fatalf("stop --ignore printed %q", out)
	}
	if line := e.roostFails(1, "rm", "nosuch"); line != missing {
		t.Fatalf("rm of a missing container: %q", line)
	}
	e.roostOK("rm", "-f", "nosuch")
	if line := e.roostFails(2, "rm", "sl"); !strings.HasSuffix(line, "running or paused containers cannot be removed without force: container state improper") {
		t.Fatalf("rm of a running container: %q", line)
	}

	// --cidfile names the container too.
	cidfile := filepath.Join(e.Home, "cid")
	e.roostOK("create", "--cidfile", cidfile, busybox, "sleep", "300")
	cid, _ := os.ReadFile(cidfile)
	e.roostOK("start", strings.TrimSpace(string(cid)))
	if out := e.roostOK("stop", "-t", "0", "--cidfile", cidfile); strings.TrimSpace(out) != strings.TrimSpace(string(cid)) {
		t.Fatalf("stop --cidfile printed %q", out)
	}
	if out := e.roostOK("rm", ok); out != ok+"\n" {
		t.Fatalf("rm printed %q, want the id as typed", out)
	}

	// --depend: refused without, both removed with.
	e.roostOK("create", "--name", "base", busybox, "true")
	dep := strings.TrimSpace(e.roostOK("create", "--network", "container:base", busybox, "true"))
	if line := e.roostFails(125, "rm", "base"); !strings.Contains(line, "has dependent containers which must be removed before it: "+dep) {
		t.Fatalf("rm of a container others depend on: %q", line)
	}
	out := e.roostOK("rm", "--depend", "base")
	if !strings.Contains(out, dep) || !strings.Contains(out, "base") {
		t.Fatalf("rm --depend printed %q", out)
	}
	e.roostOK("rm", "-af", "-t", "0")
}

// While stop waits for the stop signal to work, the container is
// "stopping" and other commands are not held up; kill ends it at once and
// the stop returns. A stop that needs SIGKILL says so.
func TestStopFreesTheContainerWhileWaiting(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "stub", busybox, "sh", "-c",
		"trap 'echo got TERM' TERM; echo READY; while :; do sleep 0.2; done")
	eventually(t, 20*time.Second, func() error {
		if !strings.Contains(e.roostOK("logs", "stub"), "READY") {
			return errors.New("no READY yet")
		}
		return nil
	})
	cmd, out := e.start("stop", "-t", "60", "stub")
	eventually(t, 20*time.Second, func() error {
		if !strings.Contains(e.roostOK("logs", "stub"), "got TERM") {
			return errors.New("the container did not get SIGTERM yet")
		}
		return nil
	})
	if st := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Status}}", "stub")); st != "stopping" {
		t.Fatalf("status during stop: %q, want stopping", st)
	}
	e.roostOK("kill", "stub")
	if code := waitCmd(t, cmd); code != 0 {
		t.Fatalf("stop after a kill: exit %d: %s", code, out)
	}
	if code := strings.TrimSpace(e.roostOK("wait", "stub")); code != "137" {
		t.Fatalf("exit code after kill: %s", code)
	}

	e.roostOK("start", "stub")
	r := e.roost("stop", "-t", "1", "stub")
	if r.Code != 0 || !strings.Contains(r.Stderr, "StopSignal SIGTERM failed to stop container stub in 1 seconds, resorting to SIGKILL") {
		t.Fatalf("stop that needed SIGKILL: %s", r)
	}
	e.roostOK("rm", "stub")
}
