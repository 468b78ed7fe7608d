package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Once the namespace holder runs, a command joins it on its first exec (the
// C constructor reads the holder's pid file) instead of starting the whole
// binary a second time; a foreground run execs roost-monitor once and no
// `roost container cleanup`. Counted with strace, so no timing is involved.
func TestCommandsExecOnce(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatal("strace is needed for this test: apt-get install strace")
	}
	e := pulled(t) // the pull started the holder
	roost := filepath.Join(binDir, "roost")
	monitor := filepath.Join(binDir, "roost-monitor")

	r := e.run("strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", roost, "ps", "-a")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "CONTAINER ID") {
		t.Fatalf("ps under strace: %s", r)
	}
	if n := countExecs(r.Stderr, roost); n != 1 {
		t.Fatalf("ps executed roost %d times, want 1:\n%s", n, r.Stderr)
	}

	// The first run asks the runtime's version once; later runs not at all.
	for i, wantVersion := range []int{1, 0} {
		r = e.run("strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", roost, "run", "--rm", busybox, "sh", "-c", "echo hi")
		if r.Code != 0 || r.Stdout != "hi\n" {
			t.Fatalf("run %d under strace: %s", i+1, r)
		}
		if n := countExecs(r.Stderr, roost); n != 1 {
			t.Errorf("run %d executed roost %d times, want 1 (no re-exec, no exit command):\n%s", i+1, n, r.Stderr)
		}
		if n := countExecs(r.Stderr, monitor); n != 1 {
			t.Errorf("run %d executed roost-monitor %d times, want 1:\n%s", i+1, n, r.Stderr)
		}
		if n := strings.Count(r.Stderr, `"--version"], `); n != wantVersion {
			t.Errorf("run %d asked the runtime its version %d times, want %d:\n%s", i+1, n, wantVersion, r.Stderr)
		}
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("--rm left containers: %q", out)
	}
	assertNoContainerLeftovers(t, e)
}

// countExecs counts successful execve calls of path in strace's output.
// The idle network reaper (`roost network reap-idle`) is not counted: it is
// a helper of its own that the last container's leaving starts, not a
// re-exec of the command.
func countExecs(trace, path string) int {
	n := 0
	for _, line := range strings.Split(trace, "\n") {
		if strings.Contains(line, `"network", "reap-idle"`) {
			continue
		}
		if strings.Contains(line, `execve("`+path+`"`) && strings.HasSuffix(strings.TrimSpace(line), "= 0") {
			n++
		}
	}
	return n
}
