// Command roost-monitor is the per-container monitor, Roost's conmon: one per
// running container, resident, so it imports little and keeps its heap small.
//
// roost starts it through pkg/monitor.Start as
//
//	roost-monitor --run-dir DIR --sync-fd 3 [--start-fd 4]
//
// With --start-fd it first waits for EOF there, while roost moves it into a
// systemd scope of its own (pkg/monitor.Launcher.Place).
// Start runs it in a new session with _ROOST_MONITOR_DETACHED set; started
// otherwise, it first re-executes itself so (and the first process exits, so
// the caller reaps nothing later). It then reads DIR/monitor.json, runs
// the OCI runtime's create and start, reports "started pid N" (or the
// runtime's error) on the sync fd, then owns the container's stdio, log and
// restart policy until the final exit, which it records in DIR/exit before
// running the configured exit command. The files and the attach protocol are
// described in pkg/monitor.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/version"
)

// stageEnv marks a monitor that runs in its own session already: started so
// by pkg/monitor.Start, or the second process after detach.
const stageEnv = monitor.StartedEnv

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println("roost-monitor version " + version.Version)
		return
	}
	runDir := flag.String("run-dir", "", "the container's run directory (holds monitor.json)")
	syncFd := flag.Int("sync-fd", -1, "fd on which to report the start")
	startFd := flag.Int("start-fd", -1, "fd to read until EOF before doing anything (the caller places this process first)")
	preserve := flag.Int("preserve-fds", 0, "fds 3 .. 3+N-1 go to the container's process on its first create")
	attachFd := flag.Int("attach-fd", -1, "fd of a client attached from the start (pkg/monitor.Attachment)")
	flag.Parse()
	if *runDir == "" {
		fmt.Fprintln(os.Stderr, "roost-monitor: it is started by roost, not by hand (--run-dir missing)")
		os.Exit(125)
	}
	if os.Getenv(stageEnv) == "" {
		os.Exit(detach(*preserve, *syncFd, *startFd, *attachFd))
	}
	tune()
	os.Unsetenv(stageEnv)
	awaitPlacement(*startFd)
	os.Exit(run(*runDir, *syncFd, *attachFd, preserved(*preserve)))
}

// awaitPlacement waits until the caller closes the start pipe: roost moves
// this process into a systemd scope of its own first, and everything it
// starts later (the runtime, the container) is then born there too. EOF is
// the signal, so a caller that dies meanwhile lets the monitor go on.
func awaitPlacement(fd int) {
	if fd < 0 {
		return
	}
	f := os.NewFile(uintptr(fd), "start")
	_, _ = io.Copy(io.Discard, f)
	f.Close()
}

// preserved takes the caller's fds 3 .. 3+n-1 for the container, close-on-exec
// so that only the runtime's create (ExtraFiles) gets them.
func preserved(n int) []*os.File {
	files := make([]*os.File, 0, n)
	for fd := 3; fd < 3+n; fd++ {
		syscall.CloseOnExec(fd)
		files = append(files, os.NewFile(uintptr(fd), fmt.Sprintf("preserved fd %d", fd)))
	}
	return files
}

// detach starts this program again in its own session with the same
// arguments and the preserved fds and the sync, start and attach fds, and
// returns without waiting for it.
func detach(preserve int, passed ...int) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "roost-monitor: cannot detach:", err)
		return 125
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), stageEnv+"=1")
	if os.Getenv(gomaxprocsEnv) == "" {
		cmd.Env = append(os.Environ(), stageEnv+"=gomaxprocs", gomaxprocsEnv+"=1")
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	fds := passed
	for fd := 3; fd < 3+preserve; fd++ {
		fds = append(fds, fd)
	}
	for _, fd := range fds {
		if fd < 3 {
			continue
		}
		for len(cmd.ExtraFiles) < fd-2 {
			cmd.ExtraFiles = append(cmd.ExtraFiles, nil)
		}
		cmd.ExtraFiles[fd-3] = os.NewFile(uintptr(fd), "passed")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "roost-monitor: cannot detach:", err)
		return 125
	}
	return 0
}
