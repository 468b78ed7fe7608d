package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/monitor"
)

// The monitor is the child subreaper: the container init becomes its child
// when the runtime's create process exits. Exits are collected only here, in
// the main goroutine and never while a runtime command runs (os/exec waits
// for those by pid), so no exit is taken from under exec and none is lost: a
// child that exits early stays a zombie until wait looks.

// wait blocks until the container's init exits and returns how it ended.
func (m *mon) wait(c *container) monitor.ExitStatus {
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		if ws, ok := m.reap(c.pid); ok {
			c.to(stateStopped)
			return monitor.ExitStatus{Code: exitCode(ws), FinishedAt: time.Now()}
		}
		select {
		case <-m.sigchld:
		case <-poll.C:
			// Not our child after all (should not happen): watch it instead.
			if syscall.Kill(c.pid, 0) == syscall.ESRCH && !m.isChild(c.pid) {
				c.to(stateStopped)
				return monitor.ExitStatus{Code: 255, FinishedAt: time.Now(), Error: "exit status unknown: the container was not the monitor's child"}
			}
		}
	}
}

// reap collects every exited child; ok when pid was among them. While a
// healthcheck's exec runs, only pid itself is collected: the others wait
// for the next SIGCHLD or poll.
func (m *mon) reap(pid int) (status syscall.WaitStatus, ok bool) {
	if !m.checkMu.TryLock() {
		var ws syscall.WaitStatus
		if pid > 0 {
			if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); err == nil && got == pid {
				return ws, true
			}
		}
		return status, false
	}
	defer m.checkMu.Unlock()
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || got <= 0 {
			return status, ok
		}
		if got == pid {
			status, ok = ws, true
		}
	}
}

// reapAll collects whatever has exited.
func (m *mon) reapAll() { m.reap(-2) }

func (m *mon) isChild(pid int) bool {
	var info unix.Siginfo
	return unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil) == nil
}

func exitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// startPumps copies the run's output to the log and the attached clients.
func (m *mon) startPumps(s *stdio) {
	for _, p := range []struct {
		f      *os.File
		stream byte
	}{{s.stdout, monitor.FrameStdout}, {s.stderr, monitor.FrameStderr}} {
		if p.f == nil {
			continue
		}
		m.pumps.Add(1)
		go m.pump(p.f, p.stream)
	}
}

func (m *mon) pump(f *os.File, stream byte) {
	defer m.pumps.Done()
	buf := make([]byte, 8192)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if werr := m.log.write(stream, buf[:n]); werr != nil {
				logf("log: %v", werr)
			}
			m.hub.broadcast(stream, buf[:n])
		}
		if err != nil {
			// EOF for pipes, EIO for a pty whose other side closed, or a
			// read on a file drain closed.
			return
		}
	}
}

// drain waits for the pumps to read everything the exited container wrote;
// a process that kept the pipes open (no pid namespace) is not waited for.
func (m *mon) drain() {
	done := make(chan struct{})
	go func() { m.pumps.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		logf("output still open 2s after the exit: not waiting for it")
	}
}

func marshalExit(e monitor.ExitStatus) ([]byte, error) { return json.Marshal(e) }

// runExitCommand runs the configured cleanup with our environment.
func runExitCommand(argv []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Dir = "/"
	return cmd.Run()
}

// reporter sends the one start report over the sync pipe, then closes it.
type reporter struct {
	f    *os.File
	sent bool
}

func newReporter(fd int) *reporter {
	if fd < 0 {
		return &reporter{sent: true} // nobody to tell
	}
	syscall.CloseOnExec(fd)
	return &reporter{f: os.NewFile(uintptr(fd), "sync")}
}

func (r *reporter) send(msg monitor.SyncMessage) {
	if r.sent {
		return
	}
	r.sent = true
	if _, err := r.f.Write(msg.MarshalLine()); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		logf("reporting the start: %v", err)
	}
	r.f.Close()
	r.f = nil
}
