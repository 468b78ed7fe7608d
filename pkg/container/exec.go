package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/proc"
	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/spec"
)

// ExecOptions describe one process started in a running container.
type ExecOptions struct {
	Cmd []string
	// Env entries are KEY=VALUE over the container's environment; a bare
	// KEY copies Roost's own value when it is set.
	Env        []string
	WorkDir    string // absolute; empty: the container's
	User       string // name|uid[:group|gid]; empty: the container's
	Terminal   bool   // a pty: its master is relayed to ExecIO's stdin/stdout
	Detach     bool   // return once the process runs
	Privileged bool
	DetachKeys string // with Terminal and Stdin: leave the process running
}

// ExecIO is the caller's side of an exec. Without a terminal the files are
// handed to the process as they are (nil: /dev/null); with one, Stdin and
// Stdout are relayed to the pty.
type ExecIO struct {
	Stdin, Stdout, Stderr *os.File
	// Resize carries window sizes {rows, cols}; a size waiting in it when
	// Exec begins becomes the pty's first size.
	Resize <-chan [2]uint16
	// Signals are forwarded to the process.
	Signals <-chan syscall.Signal
	// Started, if set, gets the process's pid once it runs (the API's exec
	// inspect shows it).
	Started func(pid int)
}

// ErrDetached: the user typed the detach keys; the process runs on.
var ErrDetached = monitor.ErrDetached

// Exec runs a process in a running container, built from the container's
// own process (capabilities, no-new-privileges, rlimits, AppArmor and
// SELinux labels) with the options over it. It returns the process's exit
// code (128+signal when killed), or with an error 125, or 126/127 when the
// command cannot be invoked or is not found. Detached, it returns 0 at once.
//
// The process is started by the runtime with --detach in every mode, so crun
// and runc behave alike: attached, this process is made child subreaper and
// collects the exit itself.
func (e *Engine) Exec(ctx context.Context, ref string, o ExecOptions, io ExecIO) (int, error) {
	if _, err := monitor.ParseDetachKeys(o.DetachKeys); err != nil {
		return 125, err
	}
	c, err := e.runningContainer(ref)
	if err != nil {
		return 125, err
	}
	proc, err := e.execProcess(c, o, io.Resize)
	if err != nil {
		return 125, err
	}
	s, err := newExecSession(e.Cfg.RunDir, proc, o.Terminal)
	if err != nil {
		return 125, err
	}
	defer s.close()
	if !o.Detach {
		release, err := holdSubreaper()
		if err != nil {
			return 125, err
		}
		err = s.start(ctx, e.runtime(c), c.ID, o, io)
		if err == nil {
			waiting(s.pid, true)
			defer waiting(s.pid, false)
		}
		release()
		// A process that failed to start, or one the started process left,
		// was handed to us: collect it.
		defer reapContainerOrphans()
		if err != nil {
			return monitor.ExitCode(err), err
		}
	} else if err := s.start(ctx, e.runtime(c), c.ID, o, io); err != nil {
		return monitor.ExitCode(err), err
	}
	if o.Detach {
		reapIfOurs(s.pid)
	}
	e.event(c, events.Exec)
	if io.Started != nil {
		io.Started(s.pid)
	}
	switch {
	case o.Detach && o.Terminal:
		return 0, keepPty(s.master)
	case o.Detach:
		return 0, nil
	case o.Terminal:
		code, err := s.relay(o, io)
		e.execDied(c, code)
		return code, err
	}
	code := s.wait(io.Signals)
	e.execDied(c, code)
	return code, nil
}

// runningContainer finds ref and checks that it runs.
func (e *Engine) runningContainer(ref string) (*Container, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	if c.State.Status != StatusRunning {
		return nil, fmt.Errorf("container %s is not running (%s): start it first with `roost start %s`", c.Name, c.State.Status, c.Name)
	}
	return c, nil
}

// execProcess builds the process from the bundle's config.json.
func (e *Engine) execProcess(c *Container, o ExecOptions, resize <-chan [2]uint16) (*specs.Process, error) {
	if len(o.Cmd) == 0 {
		return nil, errors.New("exec needs a command to run in the container")
	}
	b, err := os.ReadFile(filepath.Join(e.runDir(c.ID), "config.json"))
	if err != nil {
		return nil, fmt.Errorf("container %s: read its bundle: %w", c.Name, err)
	}
	var ctr specs.Spec
	if err := json.Unmarshal(b, &ctr); err != nil || ctr.Process == nil || ctr.Root == nil {
		return nil, fmt.Errorf("container %s: its bundle's config.json is unreadable", c.Name)
	}
	p := *ctr.Process
	p.Args = o.Cmd
	p.Terminal = o.Terminal
	p.ConsoleSize = nil
	if o.Terminal {
		select {
		case sz := <-resize:
			p.ConsoleSize = &specs.Box{Height: uint(sz[0]), Width: uint(sz[1])}
		default:
		}
	}
	if o.WorkDir != "" {
		if !path.IsAbs(o.WorkDir) {
			return nil, fmt.Errorf("invalid --workdir %q: it must be an absolute path", o.WorkDir)
		}
		p.Cwd = path.Clean(o.WorkDir)
	}
	if p.Env, err = spec.ExecEnv(p.Env, o.Env); err != nil {
		return nil, err
	}
	if o.Terminal && !spec.EnvHas(p.Env, "TERM") {
		p.Env = append(p.Env, "TERM=xterm")
	}
	userChanged := false
	if o.User != "" {
		u, home, err := spec.ExecUser(ctr.Root.Path, o.User)
		if err != nil {
			return nil, err
		}
		u.Umask = p.User.Umask
		userChanged = u.UID != p.User.UID
		p.User = u
		if !spec.EnvHas(o.Env, "HOME") {
			p.Env, _ = spec.ExecEnv(p.Env, []string{"HOME=" + home})
		}
	}
	if p.Capabilities, err = spec.ExecCapabilities(p.Capabilities, p.User.UID == 0, userChanged, o.Privileged); err != nil {
		return nil, err
	}
	return &p, nil
}

// execSession is one exec's files: a short directory under Roost's run
// directory (a socket path must stay under 108 bytes) with the process
// JSON, the pid file, the runtime's log and the console socket.
type execSession struct {
	dir     string
	process string
	pidFile string
	console *monitor.Listener
	pty     chan ptyResult
	master  *os.File
	pid     int
	// stderr is the read end of the process's stderr pipe (no terminal);
	// errCopied closes once it is copied to the end.
	stderr    *os.File
	errCopied chan struct{}
}

type ptyResult struct {
	f   *os.File
	err error
}

func newExecSession(runDir string, p *specs.Process, terminal bool) (*execSession, error) {
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	dir, err := os.MkdirTemp(runDir, "exec-")
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	s := &execSession{dir: dir, process: filepath.Join(dir, "process.json"), pidFile: filepath.Join(dir, "pid")}
	b, err := json.Marshal(p)
	if err == nil {
		err = os.WriteFile(s.process, b, 0o600)
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("exec: write process.json: %w", err)
	}
	if terminal {
		if s.console, err = monitor.Listen(filepath.Join(dir, "console")); err != nil {
			s.close()
			return nil, fmt.Errorf("exec: console socket: %w", err)
		}
		s.pty = make(chan ptyResult, 1)
		go func() {
			conn, err := s.console.Accept()
			if err != nil {
				s.pty <- ptyResult{nil, err}
				return
			}
			defer conn.Close()
			f, err := monitor.ReceiveFd(conn)
			s.pty <- ptyResult{f, err}
		}()
	}
	return s, nil
}

// close removes the session's files; the pty master stays with its reader.
func (s *execSession) close() {
	if s.console != nil {
		s.console.Close()
	}
	if s.stderr != nil {
		s.stderr.Close()
	}
	os.RemoveAll(s.dir)
}

// start has the runtime start the process and learns its pid (and pty).
// Attached without a terminal, the process's stderr goes through a pipe:
// the runtime's child prints its failure there too, and Roost reports that
// failure itself, in one line.
func (s *execSession) start(ctx context.Context, r *runtime.Runtime, id string, o ExecOptions, io ExecIO) error {
	opts := runtime.ExecOpts{Detach: true, PidFile: s.pidFile, LogPath: filepath.Join(s.dir, "runtime.log")}
	var errWrite *os.File
	if o.Terminal {
		opts.ConsoleSocket = filepath.Join(s.dir, "console")
	} else if !o.Detach {
		var err error
		if s.stderr, errWrite, err = os.Pipe(); err != nil {
			return fmt.Errorf("exec: %w", err)
		}
		opts.Stdio = runtime.Stdio{In: io.Stdin, Out: io.Stdout, Err: errWrite}
	}
	err := r.Exec(ctx, id, s.process, opts)
	if errWrite != nil {
		errWrite.Close()
	}
	if err != nil {
		return runtimeFailure(err)
	}
	pid, err := monitor.ReadInt(s.pidFile)
	if err != nil {
		return fmt.Errorf("exec: the OCI runtime wrote no pid: %w", err)
	}
	s.pid = pid
	if s.stderr != nil {
		s.errCopied = make(chan struct{})
		go func() { copyOutput(io.Stderr, s.stderr); close(s.errCopied) }()
	}
	if !o.Terminal {
		return nil
	}
	// The runtime has returned, so it has sent the master (which may still
	// be on its way to us) or never will.
	select {
	case res := <-s.pty:
		if res.err != nil {
			return fmt.Errorf("exec: receive the terminal: %w", res.err)
		}
		s.master = res.f
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("exec: the OCI runtime sent no terminal over the console socket")
	}
}

// execError is a runtime's refusal in its own words; errors.Is still tells
// its kind (runtime.ErrCommandNotFound...).
type execError struct {
	msg string
	err error
}

func (e *execError) Error() string { return e.msg }
func (e *execError) Unwrap() error { return e.err }

func runtimeFailure(err error) error {
	var rerr *runtime.Error
	if errors.As(err, &rerr) && rerr.Msg != "" {
		return &execError{msg: "exec: " + rerr.Runtime + ": " + rerr.Msg, err: rerr.Err}
	}
	return fmt.Errorf("exec: %w", err)
}

// wait collects the process's exit, forwarding signals to it meanwhile.
func (s *execSession) wait(signals <-chan syscall.Signal) int {
	done := make(chan int, 1)
	go func() { done <- waitPid(s.pid) }()
	for {
		select {
		case code := <-done:
			s.drainStderr()
			return code
		case sig := <-signals:
			_ = syscall.Kill(s.pid, sig)
		}
	}
}

// drainStderr lets the copy of stderr finish, for a while if a background
// child of the process keeps the pipe open.
func (s *execSession) drainStderr() {
	if s.errCopied == nil {
		return
	}
	select {
	case <-s.errCopied:
	case <-time.After(drainAfterExit):
	}
}

// waitPid waits for a child (the process became ours as subreaper) and
// returns its exit code, 128+signal when killed.
func waitPid(pid int) int {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 125
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// keepPty leaves a detached terminal process a reader for its pty master:
// the process gets SIGHUP when the last master closes, as a shell would on
// a closed terminal. `cat` holds it, discarding output, in its own session,
// and ends by itself when the process and its children close the terminal.
func keepPty(master *os.File) error {
	cat, err := exec.LookPath("cat")
	if err != nil {
		return fmt.Errorf("detach: no cat to hold the terminal: %w", err)
	}
	// cat reads in blocking mode; the received master is non-blocking.
	if rc, err := master.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = unix.SetNonblock(int(fd), false) })
	}
	cmd := exec.Command(cat)
	cmd.Stdin = master
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("detach: hold the terminal: %w", err)
	}
	// Our copy of the master is left to close when Roost exits: closing it
	// now would wait for a relay read that blocking mode may hold forever.
	// cat is collected when it ends, should this process outlive it.
	go func() { _ = cmd.Wait() }()
	return nil
}

// A process the runtime starts with --detach is handed to the nearest
// subreaper when the runtime exits. An attached exec needs that to be this
// process, to collect the exit; but the API service lives on and runs many
// execs at once, so it is a subreaper only while some exec is starting
// (the count below), and a detached exec that was handed to it anyway is
// reaped here. Otherwise it would stay a zombie in the container's PID
// namespace, and the container could not be stopped.
var subreaper struct {
	sync.Mutex
	holders int
}

// holdSubreaper makes this process a subreaper until release is called
// (by every holder).
func holdSubreaper() (release func(), err error) {
	subreaper.Lock()
	defer subreaper.Unlock()
	if subreaper.holders == 0 {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("exec: become subreaper: %w", err)
		}
	}
	subreaper.holders++
	return func() {
		subreaper.Lock()
		defer subreaper.Unlock()
		if subreaper.holders--; subreaper.holders == 0 {
			_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
		}
	}, nil
}

// reapIfOurs collects pid's exit in the background if it is this
// process's child.
func reapIfOurs(pid int) {
	if p, err := proc.ReadProcess(pid); err != nil || p.PPid != os.Getpid() {
		return
	}
	go func() {
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, 0, nil)
	}()
}

// waited are the exec processes an attached Exec collects itself.
var waited = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

func waiting(pid int, on bool) {
	waited.Lock()
	defer waited.Unlock()
	if on {
		waited.pids[pid] = true
	} else {
		delete(waited.pids, pid)
	}
}

// reapContainerOrphans collects this process's dead children that lived
// in a container's PID namespace and that no Exec waits for: processes the
// runtime handed over while this process was a subreaper. A process of
// Roost's own (the runtime, helpers) is never in another PID namespace, so
// no exit another wait expects is taken.
func reapContainerOrphans() {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	waited.Lock()
	defer waited.Unlock()
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || waited.pids[pid] {
			continue
		}
		p, err := proc.ReadProcess(pid)
		if err != nil || p.PPid != self || p.State != "Z" || p.NSPid == 0 || p.NSPid == p.Pid {
			continue
		}
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
}
