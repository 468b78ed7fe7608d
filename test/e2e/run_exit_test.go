package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// A foreground run finishes its container's exit itself and the monitor then
// skips its exit command; the record must still say how the container ended
// as soon as run returns.
func TestForegroundRunRecordsItsExit(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			r := e.roost("--runtime", rt, "run", "--name", "fg", busybox, "sh", "-c", "echo bye; exit 5")
			if r.Code != 5 || r.Stdout != "bye\n" {
				t.Fatalf("run: want exit 5 and bye, got %s", r)
			}
			got := strings.TrimSpace(e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}"))
			if got != "fg exited" {
				t.Fatalf("right after run, ps says %q, want \"fg exited\"", got)
			}
			code := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.ExitCode}}", "fg"))
			if code != "5" {
				t.Fatalf("inspect exit code %q, want 5", code)
			}
			e.roostOK("rm", "fg")
			assertNoContainerLeftovers(t, e)
		})
	}
}

// When the attached CLI of `run --rm` is killed, nobody finishes the exit
// but the monitor: its exit command removes the container once it ends.
func TestRunRmKilledCLILeavesCleanupToMonitor(t *testing.T) {
	e := pulled(t)
	cmd, out := e.start("run", "--rm", "--name", "orphan", busybox, "sh", "-c", "echo up; sleep 5")
	eventually(t, secs(30), func() error {
		if !strings.Contains(out.String(), "up") {
			return fmt.Errorf("container not up yet: %q", out.String())
		}
		return nil
	})
	killGroup(cmd)
	if got := strings.TrimSpace(e.roostOK("ps", "--format", "{{.Names}}")); got != "orphan" {
		t.Fatalf("after the CLI was killed, ps says %q, want the container still running", got)
	}
	eventually(t, secs(30), func() error {
		if got := e.roostOK("ps", "-aq"); got != "" {
			return fmt.Errorf("--rm container not removed after its exit: %q", got)
		}
		return nil
	})
	assertNoContainerLeftovers(t, e)
}
