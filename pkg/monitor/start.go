package monitor

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roost-containers/roost/pkg/runtime"
)

// Errors of a container that could not start, for the CLI's exit codes.
var (
	ErrCommandNotFound = runtime.ErrCommandNotFound // exit 127
	ErrCannotInvoke    = runtime.ErrCannotInvoke    // exit 126
	// ErrNoReport: the monitor ended or timed out without saying how the start went.
	ErrNoReport = errors.New("roost-monitor did not report")
	// ErrMonitorRunning: the run directory already has a live monitor.
	ErrMonitorRunning = errors.New("the container already has a running monitor")
)

// StartError is the runtime's one-line message for a container that did not
// start; errors.Is tells its kind (ErrCommandNotFound, ErrCannotInvoke...).
type StartError struct {
	Msg string
	Err error
}

func (e *StartError) Error() string { return e.Msg }
func (e *StartError) Unwrap() error { return e.Err }

// BinaryName is the monitor's executable name.
const BinaryName = "roost-monitor"

// FindBinary returns roost-monitor next to the running executable, else the
// one on PATH.
func FindBinary() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), BinaryName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(BinaryName); err == nil {
		return p, nil
	}
	return "", errors.New("roost-monitor not found next to roost nor on PATH: reinstall roost (make install)")
}

// Launcher starts monitors. The zero value finds the binary with FindBinary
// and waits up to a minute for the report.
type Launcher struct {
	Binary  string        // roost-monitor to run
	Timeout time.Duration // for the monitor's report
	Env     []string      // the monitor's (and so the exit command's) environment; nil: ours
	// Place, when set, gets the monitor's pid before the monitor does
	// anything: it waits on a start pipe until Place returns, so that a
	// move into a systemd scope takes the runtime and the container along.
	// A failure is noted in monitor.log; the start goes on.
	Place func(monitorPid int) error
	// Attachment, when set, is given to the monitor as a client attached
	// from the start (see Attachment); Start hands it over.
	Attachment *Attachment
}

// Start is Launcher{}.Start.
func Start(cfg Config, runDir string) (monitorPid, containerPid int, err error) {
	return Launcher{}.Start(cfg, runDir)
}

// Start writes cfg into runDir and starts a monitor for it, detached: its own
// session, stdio on /dev/null (stderr: monitor.log in runDir), not our child
// once it reports. It returns when the container runs (or, with
// cfg.WaitAttach, is created), with the monitor's and the container's pids.
// A container that cannot start gives a *StartError.
func (l Launcher) Start(cfg Config, runDir string) (monitorPid, containerPid int, err error) {
	if runDir, err = filepath.Abs(runDir); err != nil {
		return 0, 0, err
	}
	bin := l.Binary
	if bin == "" {
		if bin, err = FindBinary(); err != nil {
			return 0, 0, err
		}
	}
	if st, err := ReadState(runDir); err == nil && st.MonitorAlive {
		return st.MonitorPid, st.Pid, fmt.Errorf("%w (pid %d)", ErrMonitorRunning, st.MonitorPid)
	}
	if err := WriteConfig(runDir, cfg); err != nil {
		return 0, 0, err
	}
	clearRunDir(runDir)
	msg, err := l.spawn(bin, runDir, cfg.PreserveFDs)
	if err != nil {
		return msg.MonitorPid, 0, err
	}
	return msg.MonitorPid, msg.Pid, msg.Err()
}

// clearRunDir removes what a previous run of the container left.
func clearRunDir(runDir string) {
	for _, name := range []string{MonitorPidFile, PidFile, ExitFile, RestartsFile, AttachSocket, ConsoleSocket} {
		os.Remove(filepath.Join(runDir, name))
	}
}

// StartedEnv tells roost-monitor that it was started in its own session by
// Start and need not re-execute itself to detach. "gomaxprocs" also says that
// Start set GOMAXPROCS=1 for the monitor's runtime, which the monitor then
// removes so that the OCI runtime and the exit command do not inherit it.
const StartedEnv = "_ROOST_MONITOR_DETACHED"

func (l Launcher) spawn(bin, runDir string, preserve int) (SyncMessage, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return SyncMessage{}, err
	}
	defer r.Close()
	var startR, startW *os.File
	if l.Place != nil {
		if startR, startW, err = os.Pipe(); err != nil {
			w.Close()
			return SyncMessage{}, err
		}
		defer startW.Close() // on every path: EOF lets the monitor go on
	}
	cmd, err := l.command(bin, runDir, preserve, w, startR)
	if err == nil {
		err = cmd.Start()
	}
	w.Close()
	if startR != nil {
		startR.Close()
	}
	closeStdio(cmd)
	if err != nil {
		return SyncMessage{}, fmt.Errorf("starting %s: %w", bin, err)
	}
	if l.Attachment != nil {
		l.Attachment.handOver()
	}
	if l.Place != nil {
		if err := l.Place(cmd.Process.Pid); err != nil {
			noteInLog(runDir, fmt.Sprintf("roost: the monitor stays in its starter's cgroup: %v", err))
		}
		startW.Close()
	}
	// The monitor starts in its own session (setsid below), so it needs no
	// second exec to detach. It stays our child until we exit: reap it if it
	// ends first, so that it never lingers as a zombie of a long command.
	go cmd.Wait()
	return l.readReport(r, runDir)
}

// noteInLog appends one line to the monitor's log, where a user looking
// into a container's start finds it.
func noteInLog(runDir, line string) {
	f, err := os.OpenFile(filepath.Join(runDir, "monitor.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, line)
	f.Close()
}

func (l Launcher) command(bin, runDir string, preserve int, syncW, startR *os.File) (*exec.Cmd, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(runDir, "monitor.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		null.Close()
		return nil, err
	}
	// The preserved descriptors keep their numbers; the monitor's own follow.
	files := make([]*os.File, 0, preserve+2)
	for fd := 3; fd < 3+preserve; fd++ {
		files = append(files, os.NewFile(uintptr(fd), fmt.Sprintf("preserved fd %d", fd)))
	}
	files = append(files, syncW)
	cmd := exec.Command(bin, "--run-dir", runDir, "--sync-fd", strconv.Itoa(2+len(files)))
	if preserve > 0 {
		cmd.Args = append(cmd.Args, "--preserve-fds", strconv.Itoa(preserve))
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, logf
	if startR != nil {
		files = append(files, startR)
		cmd.Args = append(cmd.Args, "--start-fd", strconv.Itoa(2+len(files)))
	}
	if l.Attachment != nil {
		files = append(files, l.Attachment.monitor)
		cmd.Args = append(cmd.Args, "--attach-fd", strconv.Itoa(2+len(files)))
	}
	cmd.ExtraFiles = files
	cmd.Env = monitorEnv(l.Env)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd, nil
}

// monitorEnv is env (nil: ours) marked as started by Start, with one P for
// the monitor's Go runtime unless the user chose GOMAXPROCS: the monitor is
// resident per container, and one P keeps its threads and memory few.
func monitorEnv(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+2)
	user := false
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, StartedEnv+"="):
			continue
		case strings.HasPrefix(kv, "GOMAXPROCS="):
			user = true
		}
		out = append(out, kv)
	}
	if user {
		return append(out, StartedEnv+"=1")
	}
	return append(out, StartedEnv+"=gomaxprocs", "GOMAXPROCS=1")
}

func closeStdio(cmd *exec.Cmd) {
	if cmd == nil {
		return
	}
	for _, f := range []any{cmd.Stdin, cmd.Stderr} {
		if f, ok := f.(*os.File); ok {
			f.Close()
		}
	}
}

func (l Launcher) readReport(r *os.File, runDir string) (SyncMessage, error) {
	timeout := l.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	r.SetReadDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(r).ReadBytes('\n')
	var msg SyncMessage
	if err == nil {
		err = json.Unmarshal(line, &msg)
	}
	if err == nil {
		return msg, nil
	}
	pid, _ := ReadInt(filepath.Join(runDir, MonitorPidFile))
	if errors.Is(err, os.ErrDeadlineExceeded) && pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return SyncMessage{MonitorPid: pid}, fmt.Errorf("%w: %v (see %s)", ErrNoReport, err, filepath.Join(runDir, "monitor.log"))
}
