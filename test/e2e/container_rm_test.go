package e2e

import (
	"fmt"
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
