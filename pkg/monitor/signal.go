package monitor

import (
	"bytes"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// SignalInit sends sig to the container's init as the runtime's `kill ID
// SIG` (without --all) would, without starting the runtime: a stop or an
// `rm -f` of twenty containers would otherwise run twenty runtime
// processes. It sends only to the process the monitor of runDir is parent
// of (the runtime leaves the init with its subreaper, the monitor): the
// pidfd is opened before that check, so a pid reused after the check is
// not signalled. false, nil: not so here (no live monitor, no init, another
// parent); the caller asks the runtime.
func SignalInit(runDir string, sig syscall.Signal) (bool, error) {
	st, err := ReadState(runDir)
	if err != nil || !st.MonitorAlive || !st.PidAlive {
		return false, nil
	}
	fd, err := unix.PidfdOpen(st.Pid, 0)
	if err != nil {
		return false, nil
	}
	defer unix.Close(fd)
	if parentOf(st.Pid) != st.MonitorPid {
		return false, nil
	}
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		if err == unix.ESRCH {
			return true, nil // it ended meanwhile: as good as signalled
		}
		return false, os.NewSyscallError("pidfd_send_signal", err)
	}
	return true, nil
}

// parentOf reads pid's parent from /proc; 0 when it cannot.
func parentOf(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) S ppid ...: the fields after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(string(f[1]))
	return ppid
}
