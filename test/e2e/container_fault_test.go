package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMonitorKilledPsTellsTruthAndRmCleans(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "orphan", busybox, "sleep", "300")
	mon, err := strconv.Atoi(strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.ConmonPid}}", "orphan")))
	if err != nil || mon <= 0 {
		t.Fatalf("no monitor pid: %v", err)
	}
	if err := syscall.Kill(mon, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The container's process lives on without its monitor: ps says so.
	eventually(t, secs(5), func() error {
		got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.Running}}", "orphan")
		if got != "unknown true\n" {
			return fmt.Errorf("inspect after monitor kill: %q", got)
		}
		return nil
	})
	if ps := e.roostOK("ps", "--format", "{{.Names}} {{.Status}}"); ps != "orphan Up (monitor lost)\n" {
		t.Fatalf("ps after monitor kill: %q", ps)
	}
	e.roostOK("rm", "-f", "orphan")
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("rm -f left %q", out)
	}
	assertNoContainerLeftovers(t, e)
}

func TestCLIKilledMidRunLeavesNothingHalfMade(t *testing.T) {
	e := pulled(t)
	for i, delay := range []time.Duration{5, 20, 40, 70, 110, 160} {
		cmd, _ := e.start("run", "-d", "--name", fmt.Sprintf("half%d", i), busybox, "sleep", "60")
		time.Sleep(delay * time.Millisecond)
		killGroup(cmd)
	}
	// Whatever each killed command had done, the next command either finishes
	// the container or removes it: nothing stays half-made.
	ps := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}")
	for _, line := range strings.Split(strings.TrimSpace(ps), "\n") {
		if strings.HasSuffix(line, " creating") || strings.HasSuffix(line, " removing") {
			t.Fatalf("half-made container after kill -9 of the CLI: %q", ps)
		}
	}
	// Nor does any killed command's lease (ps swept them).
	if leases, _ := os.ReadDir(filepath.Join(e.RuntimeDir, "roost", "locks", "leases")); len(leases) != 0 {
		t.Fatalf("leases of killed commands left: %v", leases)
	}
	e.roostOK("rm", "-af")
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("left containers: %q", out)
	}
	assertNoContainerLeftovers(t, e)
	// Names are free again.
	e.roostOK("run", "--rm", "--name", "half0", busybox, "true")
}

// TestStopKilledMidWayLeavesTheMonitorToFinish: a stop killed with -9 after
// it told the monitor it would record the exit itself. The monitor sees the
// connection go and records the exit with its exit command, as ever.
func TestStopKilledMidWayLeavesTheMonitorToFinish(t *testing.T) {
	e := pulled(t)
	// sleep as PID 1 ignores SIGTERM: the stop waits its full grace period.
	e.roostOK("run", "-d", "--name", "halfstop", busybox, "sleep", "600")
	mon, err := strconv.Atoi(e.roostLine("inspect", "--format", "{{.State.ConmonPid}}", "halfstop"))
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := e.start("stop", "-t", "30", "halfstop")
	// A second in, the stop is in its grace period. (Killed sooner, it never
	// told the monitor, and the outcome must be the same.)
	time.Sleep(time.Second)
	killGroup(cmd)
	e.roostOK("kill", "halfstop")
	eventually(t, secs(20), func() error {
		if processRuns(mon) {
			return fmt.Errorf("the monitor %d still runs", mon)
		}
		return nil
	})
	if got := e.roostLine("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "halfstop"); got != "exited 137" {
		t.Fatalf("after the killed stop and a kill: %q", got)
	}
	e.roostOK("start", "halfstop")
	e.roostOK("rm", "-f", "halfstop")
	assertNoContainerLeftovers(t, e)
}
