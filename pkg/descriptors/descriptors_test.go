package descriptors

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary report, for fds 3 and 4, whether each is
// open and close-on-exec, as the constructor left them, and exit.
const helperEnv = "DESCRIPTORS_TEST_REPORT"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		for _, fd := range []int{3, 4} {
			flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			switch {
			case err != nil:
				fmt.Printf("%d:closed ", fd)
			case flags&unix.FD_CLOEXEC != 0:
				fmt.Printf("%d:cloexec ", fd)
			default:
				fmt.Printf("%d:inherit ", fd)
			}
		}
		fmt.Printf("inherited:%d", Inherited())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// report starts this test binary (through sh, so that LISTEN_PID can name
// it: exec keeps the shell's pid) with two inherited pipes on fds 3 and 4.
func report(t *testing.T, script string) string {
	t.Helper()
	var files []*os.File
	for range 2 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		files = append(files, w)
	}
	cmd := exec.Command("sh", "-c", script, "sh", os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.ExtraFiles = files
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return strings.TrimSpace(string(out))
}

func TestInheritedDescriptorsAreMarkedCloseOnExec(t *testing.T) {
	if got := report(t, `exec "$1"`); got != "3:cloexec 4:cloexec inherited:2" {
		t.Fatalf("inherited descriptors: got %q, want both close-on-exec", got)
	}
	if !Marked() {
		t.Fatalf("the constructor did not run in this process")
	}
}

func TestSocketActivationDescriptorsAreKept(t *testing.T) {
	got := report(t, `LISTEN_PID=$$ LISTEN_FDS=1 exec "$1"`)
	if got != "3:inherit 4:cloexec inherited:2" {
		t.Fatalf("with LISTEN_FDS=1 for this process: got %q, want fd 3 kept as is and fd 4 close-on-exec", got)
	}
	// For another process the variables are stale: everything is marked.
	if got := report(t, `LISTEN_PID=1 LISTEN_FDS=1 exec "$1"`); got != "3:cloexec 4:cloexec inherited:2" {
		t.Fatalf("with LISTEN_PID of another process: got %q, want both close-on-exec", got)
	}
}

// A gap ends the run: with fd 3 closed, fd 4 is not counted (the process
// may have opened its own fd 3 since; that one is not inherited).
func TestInheritedStopsAtAGap(t *testing.T) {
	if got := report(t, `exec 3>&- "$1"`); !strings.HasSuffix(got, "4:cloexec inherited:0") {
		t.Fatalf("with fd 3 closed: got %q, want nothing counted", got)
	}
}
