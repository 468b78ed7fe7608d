package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// --rm leaves nothing however the container ends: killed by `roost kill`
// under a foreground run, stopped or killed when detached, or on its own.
func TestRunRmLeavesNothingHoweverItEnds(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			run := func(args ...string) []string { return append([]string{"--runtime", rt, "run", "--rm"}, args...) }

			// Foreground, killed: roost run reports 137 (128+SIGKILL).
			cmd, out := e.start(run("--name", "fg", busybox, "sleep", "300")...)
			waitForContainerProcess(t, e, "sleep")
			e.roostOK("kill", "fg")
			if code := waitCmd(t, cmd); code != 137 {
				t.Fatalf("run --rm killed: want exit 137, got %d: %s", code, out)
			}
			assertGone(t, e, "killed foreground --rm")

			// Detached, stopped.
			e.roostOK(run("-d", "--name", "bg", busybox, "sleep", "300")...)
			e.roostOK("stop", "-t", "1", "bg")
			assertGone(t, e, "stopped -d --rm")

			// Detached, killed.
			e.roostOK(run("-d", "--name", "bg", busybox, "sleep", "300")...)
			waitForContainerProcess(t, e, "sleep")
			e.roostOK("kill", "bg")
			assertGone(t, e, "killed -d --rm")

			// Detached, ends by itself.
			e.roostOK(run("-d", "--name", "bg", busybox, "sh", "-c", "exit 4")...)
			assertGone(t, e, "-d --rm that exited")

			// The name is free again each time.
			e.roostOK(run("--name", "bg", busybox, "true")...)
			assertGone(t, e, "run --rm")
		})
	}
}

// assertGone waits until no container, storage container, run directory,
// mount or process is left.
func assertGone(t *testing.T, e *env, what string) {
	t.Helper()
	eventually(t, secs(20), func() error {
		if out := strings.TrimSpace(e.roostOK("ps", "-aq")); out != "" {
			return fmt.Errorf("%s: container %s still listed", what, out)
		}
		if n := storageContainers(t, e); n != 0 {
			return fmt.Errorf("%s: %d storage containers left", what, n)
		}
		return nil
	})
	assertNoContainerLeftovers(t, e)
}

// A foreground run whose container another command removes with rm -f
// exits with the container's own status, 137 (Podman's 055 "rm -f").
func TestRunExitCodeWhenRemovedByRmForce(t *testing.T) {
	e := pulled(t)
	cmd, _ := e.start("run", "--name", "victim", busybox, "sleep", "300")
	eventually(t, secs(60), func() error {
		if out := strings.TrimSpace(e.roostOK("ps", "--format", "{{.Names}}")); out != "victim" {
			return fmt.Errorf("running: %q", out)
		}
		return nil
	})
	e.roostOK("rm", "-t", "0", "-f", "victim")
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 137 {
		t.Fatalf("run exited %d (%v), want 137", code, err)
	}
	if out := e.roostOK("ps", "-a", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("containers left: %q", out)
	}
}

// TestRmAndStopInBatches: stop and rm work on many containers at once, yet
// print the names in the order given; rm -a still removes a container
// after those that depend on it, and a pod with its infra container.
func TestRmAndStopInBatches(t *testing.T) {
	e := pulled(t)
	var names []string
	for i := range 8 {
		n := fmt.Sprintf("b%d", i)
		e.roostOK("run", "-d", "--name", n, busybox, "sleep", "300")
		names = append(names, n)
	}
	want := strings.Join(names, "\n") + "\n"
	if out := e.roostOK(append([]string{"stop", "-t", "0"}, names...)...); out != want {
		t.Fatalf("stop of eight printed %q, want %q", out, want)
	}
	if out := e.roostOK("ps", "-a", "--filter", "status=running", "-q"); out != "" {
		t.Fatalf("containers still running after stop: %q", out)
	}
	for _, n := range names[:4] {
		e.roostOK("start", n)
	}
	// rm -f of the eight, running and stopped alike, in the order given.
	rev := slices.Clone(names)
	slices.Reverse(rev)
	if out := e.roostOK(append([]string{"rm", "-f", "-t", "0"}, rev...)...); out != strings.Join(rev, "\n")+"\n" {
		t.Fatalf("rm -f of eight printed %q, want them in the order given", out)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("containers left after rm -f: %q", out)
	}

	// rm -a -f: a chain of dependencies, a pod and loose containers.
	e.roostOK("run", "-d", "--name", "base", busybox, "sleep", "300")
	e.roostOK("run", "-d", "--name", "mid", "--requires", "base", busybox, "sleep", "300")
	e.roostOK("run", "-d", "--name", "top", "--requires", "mid", busybox, "sleep", "300")
	e.roostOK("pod", "create", "--name", "pb")
	e.roostOK("run", "-d", "--pod", "pb", "--name", "member", busybox, "sleep", "300")
	for i := range 4 {
		e.roostOK("create", "--name", fmt.Sprintf("loose%d", i), busybox, "true")
	}
	e.roostOK("rm", "-a", "-f", "-t", "0")
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("containers left after rm -a -f: %q", out)
	}
	if out := e.roostOK("pod", "ps", "-q"); out != "" {
		t.Fatalf("pods left after rm -a -f: %q", out)
	}
}
