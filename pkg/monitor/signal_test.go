package monitor

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
)

func TestParentOf(t *testing.T) {
	if got := parentOf(os.Getpid()); got != os.Getppid() {
		t.Fatalf("parentOf(self) = %d, want %d", got, os.Getppid())
	}
	if got := parentOf(-1); got != 0 {
		t.Fatalf("parentOf(-1) = %d, want 0", got)
	}
}

// A run directory whose monitor is not alive: nothing is signalled, and the
// caller is told to ask the runtime.
func TestSignalInitWithoutMonitor(t *testing.T) {
	dir := t.TempDir()
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	writeInt(t, dir+"/"+MonitorPidFile, os.Getpid()) // not a monitor: no --run-dir in its cmdline
	writeInt(t, dir+"/"+PidFile, child.Process.Pid)
	sent, err := SignalInit(dir, syscall.SIGKILL)
	if sent || err != nil {
		t.Fatalf("SignalInit = %v, %v; want false, nil", sent, err)
	}
	if err := child.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the child was signalled: %v", err)
	}
}

func writeInt(t *testing.T, path string, n int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strconv.Itoa(n)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
