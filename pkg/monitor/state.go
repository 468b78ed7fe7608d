package monitor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Status is a container's condition as its run directory tells it.
type Status string

// The statuses ReadState reports.
const (
	StatusStarting   Status = "starting"   // the monitor runs; no container pid yet
	StatusRunning    Status = "running"    // created or running (see State.Pid)
	StatusRestarting Status = "restarting" // exited; the monitor will start it again
	StatusExited     Status = "exited"     // exited for good; Exit says how
	// StatusDead: the monitor is gone without recording a final exit. The
	// container may still run (State.PidAlive); the CLI reports and cleans.
	StatusDead Status = "dead"
)

// State is what the run directory says about a container.
type State struct {
	Status       Status
	MonitorPid   int
	MonitorAlive bool
	Pid          int  // the container init (last one after restarts)
	PidAlive     bool // Pid is a live, non-zombie process
	StartedAt    time.Time
	Exit         *ExitStatus // the last exit, if any
	Restarts     int
}

// ReadState reads the run directory. A directory without monitor.pid (never
// started by Start) gives os.ErrNotExist.
func ReadState(runDir string) (State, error) {
	runDir, err := filepath.Abs(runDir)
	if err != nil {
		return State{}, err
	}
	var st State
	if st.MonitorPid, err = ReadInt(filepath.Join(runDir, MonitorPidFile)); err != nil {
		return st, err
	}
	st.MonitorAlive = monitorAlive(st.MonitorPid, runDir)
	st.Restarts, _ = ReadInt(filepath.Join(runDir, RestartsFile))
	if pid, err := ReadInt(filepath.Join(runDir, PidFile)); err == nil {
		st.Pid = pid
		st.PidAlive = processAlive(pid)
		if fi, err := os.Stat(filepath.Join(runDir, PidFile)); err == nil {
			st.StartedAt = fi.ModTime()
		}
	}
	if exit, err := ReadExit(runDir); err == nil {
		st.Exit = &exit
	}
	st.Status = st.status()
	return st, nil
}

func (st *State) status() Status {
	switch {
	case st.Exit != nil && !st.Exit.Restarting:
		return StatusExited
	case !st.MonitorAlive:
		return StatusDead
	case st.Exit != nil:
		return StatusRestarting
	case st.Pid == 0:
		return StatusStarting
	}
	return StatusRunning
}

// Wait polls the run directory until the container has exited for good (or
// its monitor died), and returns its final state.
func Wait(ctx context.Context, runDir string) (State, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := ReadState(runDir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return st, err
		}
		if err == nil && (st.Status == StatusExited || st.Status == StatusDead) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-tick.C:
		}
	}
}

// monitorAlive: pid runs and is the monitor of runDir (not a reused pid).
func monitorAlive(pid int, runDir string) bool {
	if pid <= 0 || !processAlive(pid) {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	return bytes.Contains(cmdline, []byte("\x00--run-dir\x00"+runDir+"\x00"))
}

// processAlive: pid exists and is not a zombie.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && err != syscall.EPERM {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || (stat[i+2] != 'Z' && stat[i+2] != 'X')
}

// WaitGone waits, up to limit, until the monitor pid of runDir has exited.
// A stop is done only when the monitor is: under a systemd unit it is the
// main process, and systemd kills whatever of the unit outlives ExecStop.
func WaitGone(ctx context.Context, pid int, runDir string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	// A pidfd turns readable when the process ends: no polling delay. It is
	// opened before the first check, so it names this process and not a
	// later one given the same pid.
	fd, err := unix.PidfdOpen(pid, 0)
	if err == nil {
		defer unix.Close(fd)
	}
	for monitorAlive(pid, runDir) {
		left := min(time.Until(deadline), 100*time.Millisecond)
		if left <= 0 || ctx.Err() != nil {
			return false
		}
		if err != nil {
			time.Sleep(min(left, 10*time.Millisecond))
			continue
		}
		_, _ = unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(left/time.Millisecond)+1)
	}
	return true
}
