package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// runOnceThenStay exits 1 on its first run and stays up on the next ones:
// its rootfs (and so /once) survives restarts.
const runOnceThenStay = `echo run; if [ ! -e /once ]; then touch /once; exit 1; fi; exec sleep 300`

// always and unless-stopped restart after the container's own exit, after
// its process is killed from outside, and after `roost kill -s HUP`; `roost
// stop` and `roost kill` (KILL) end them for good.
func TestRestartPoliciesAfterExitKillAndStop(t *testing.T) {
	for _, policy := range []string{"always", "unless-stopped"} {
		for _, rt := range runtimes {
			t.Run(policy+"/"+rt, func(t *testing.T) {
				e := pulled(t)
				// --init: a container's PID 1 ignores signals it has no
				// handler for, so an init forwards HUP to the sleep below.
				e.roostOK("--runtime", rt, "run", "-d", "--init", "--name", "svc", "--restart", policy, busybox, "sh", "-c", runOnceThenStay)
				// Its own exit (code 1).
				pid := waitRestarted(t, e, "svc", 1, 0)
				if got := e.roostOK("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", "svc"); got != policy+"\n" {
					t.Fatalf("inspect restart policy: %q", got)
				}
				// Killed from outside, as the OOM killer would.
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				pid = waitRestarted(t, e, "svc", 2, pid)
				// roost kill with a signal that is not the stop signal or
				// KILL (HUP, as for a reload) leaves the policy in force.
				e.roostOK("kill", "-s", "HUP", "svc")
				waitRestarted(t, e, "svc", 3, pid)
				if logs := e.roostOK("logs", "svc"); logs != "run\nrun\nrun\nrun\n" {
					t.Fatalf("four runs should have logged, got %q", logs)
				}
				// roost stop ends it for good: the monitor that would restart
				// it is gone.
				stopForGood(t, e, "svc")
				if got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.Restarting}}", "svc"); got != "exited 3 false\n" {
					t.Fatalf("after stop: %q", got)
				}
				// A new start runs it again, with the same policy.
				e.roostOK("start", "svc")
				waitRestarted(t, e, "svc", 0, 0)
				// roost kill (KILL) is a user stop, as in Docker and Podman:
				// the monitor ends instead of restarting it.
				killForGood(t, e, "svc")
				e.roostOK("rm", "-f", "svc")
				assertNoContainerLeftovers(t, e)
			})
		}
	}
}

// While the monitor waits out its back-off between runs, inspect says
// Restarting, with the last run's exit code.
func TestInspectShowsRestarting(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "crashy", "--restart", "always", busybox, "sh", "-c", "exit 7")
	// The back-off doubles up to seconds: a restarting moment is soon seen.
	eventually(t, secs(30), func() error {
		got := e.roostOK("inspect", "--format", "{{.State.Restarting}} {{.State.ExitCode}} {{.State.Pid}}", "crashy")
		if got != "true 7 0\n" {
			return fmt.Errorf("want restarting with exit 7 and no pid, got %q", got)
		}
		return nil
	})
	// The first back-off comes before the first restart, so the count may
	// still be 0 there; the restart that ends a back-off is counted.
	eventually(t, secs(30), func() error {
		var n int
		fmt.Sscan(e.roostOK("inspect", "--format", "{{.RestartCount}}", "crashy"), &n)
		if n < 1 {
			return fmt.Errorf("no restart counted after restarting: %d", n)
		}
		return nil
	})
	stopForGood(t, e, "crashy")
	if got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.Restarting}} {{.State.ExitCode}}", "crashy"); got != "exited false 7\n" {
		t.Fatalf("after stop: %q", got)
	}
}

// waitRestarted waits until the container runs with restart count n and a
// main process other than old, and returns that process's host pid.
func waitRestarted(t *testing.T, e *env, name string, n, old int) int {
	t.Helper()
	var pid int
	eventually(t, secs(30), func() error {
		got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.Restarting}} {{.State.Pid}}", name)
		f := strings.Fields(got)
		if len(f) != 4 || f[0] != "running" || f[1] != strconv.Itoa(n) || f[2] != "false" {
			return fmt.Errorf("want running after %d restarts, got %q", n, got)
		}
		pid, _ = strconv.Atoi(f[3])
		if pid <= 0 || pid == old {
			return fmt.Errorf("want a new main process, got pid %d", pid)
		}
		if countNamespaceProcs(e, "sleep") != 1 && n > 0 {
			return fmt.Errorf("the restarted sleep is not running yet")
		}
		return nil
	})
	return pid
}

// stopForGood stops a container and checks that its monitor, the only
// process that could restart it, has exited, and no container process is
// left: what inspect says then is final.
func stopForGood(t *testing.T, e *env, name string) {
	t.Helper()
	endsForGood(t, e, name, "stop", "-t", "1", name)
}

// killForGood is stopForGood with `roost kill`.
func killForGood(t *testing.T, e *env, name string) {
	t.Helper()
	endsForGood(t, e, name, "kill", name)
	if got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.Restarting}} {{.State.ExitCode}}", name); got != "exited false 137\n" {
		t.Fatalf("after roost kill: %q", got)
	}
}

// endsForGood runs a roost command that should end the container and its
// monitor for good, and checks that they are gone.
func endsForGood(t *testing.T, e *env, name string, args ...string) {
	t.Helper()
	mon, err := strconv.Atoi(strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.ConmonPid}}", name)))
	if err != nil || mon <= 0 {
		t.Fatalf("%s has no monitor pid: %v", name, err)
	}
	e.roostOK(args...)
	// stop and rm return only after the monitor exits: a systemd unit,
	// whose main process the monitor is, counts on it.
	if args[0] != "kill" && processRuns(mon) {
		t.Fatalf("the monitor %d of %s still runs after roost %s returned", mon, name, args[0])
	}
	eventually(t, secs(10), func() error {
		if processRuns(mon) {
			return fmt.Errorf("the monitor %d of %s still runs after stop", mon, name)
		}
		if procs := containerProcesses(e); len(procs) != 0 {
			return fmt.Errorf("processes left besides the holder after stop: %v", procs)
		}
		return nil
	})
}
