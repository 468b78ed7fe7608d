package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/descriptors"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/scope"
	"github.com/roost-containers/roost/slirp/portfwd"
)

// StartOptions shape one start.
type StartOptions struct {
	// WaitAttach: the monitor starts the process only once a client attached,
	// so a foreground run sees all of its output.
	WaitAttach bool
	// Attachment, with WaitAttach, is the session attached from the monitor's
	// start (monitor.Attachment); Attach then uses it. Unused when the
	// container runs already.
	Attachment *monitor.Attachment
}

// ErrNotRunning and ErrRunning are the state errors users meet most.
var (
	ErrNotRunning = errors.New("container is not running")
	ErrRunning    = errors.New("container is running")
	// ErrStateImproper is Podman's class of "the container is in the wrong
	// state for that" (rm exits 2 for it).
	ErrStateImproper = errors.New("container state improper")
)

// improperError is a state error in Podman's words: its text ends with
// "container state improper", and it is both kind and ErrStateImproper.
type improperError struct {
	msg  string
	kind error
}

func (e *improperError) Error() string   { return e.msg + ": " + ErrStateImproper.Error() }
func (e *improperError) Unwrap() []error { return []error{e.kind, ErrStateImproper} }

// Start starts a created or exited container under a new monitor. Starting a
// running container does nothing, as in Podman.
func (e *Engine) Start(ctx context.Context, ref string, o StartOptions) (*Container, error) {
	c, _, err := e.start(ctx, ref, o)
	return c, err
}

// StartStopped is start's own: it says whether the container was started
// (false: it was running already), since Podman names only those it started.
func (e *Engine) StartStopped(ctx context.Context, ref string) (bool, error) {
	_, started, err := e.start(ctx, ref, StartOptions{})
	return started, err
}

// Restart stops the container (if it runs) and starts it again.
func (e *Engine) Restart(ctx context.Context, ref string, o StopOptions) (*StopResult, error) {
	r, err := e.StopWith(ctx, ref, o)
	if err != nil {
		return nil, err
	}
	if r.Container, err = e.Start(ctx, r.Container.ID, StartOptions{}); err != nil {
		return nil, err
	}
	return r, nil
}

func (e *Engine) start(ctx context.Context, ref string, o StartOptions) (*Container, bool, error) {
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return nil, false, err
	}
	defer l.Unlock()
	switch c.State.Status {
	case StatusRunning, StatusStopping:
		return c, false, nil
	case StatusCreating, StatusRemoving:
		return nil, false, fmt.Errorf("container %s is being %s by another command", c.Name, map[Status]string{StatusCreating: "created", StatusRemoving: "removed"}[c.State.Status])
	case StatusUnknown:
		return nil, false, fmt.Errorf("container %s lost its monitor while running: remove it with `roost rm -f %s`", c.Name, c.Name)
	}
	if err := e.startInfra(ctx, c); err != nil {
		return nil, false, err
	}
	if err := e.startRequired(ctx, c); err != nil {
		return nil, false, err
	}
	// A pod member's bundle names its infra's process: write it anew.
	if c.State.Status != StatusCreated || c.Pod != nil {
		if _, err := e.prepare(c); err != nil {
			return nil, false, err
		}
	}
	c, err = e.launch(c, o)
	return c, err == nil, err
}

// launch hands the prepared bundle to a new monitor and records the result.
func (e *Engine) launch(c *Container, o StartOptions) (*Container, error) {
	dir := e.runDir(c.ID)
	clearRunFiles(dir)
	logPath, err := e.logPath(c)
	if err != nil {
		return nil, err
	}
	if err := e.netUp(c); err != nil {
		// A port that cannot be bound fails the start as the runtime's
		// errors do: `run` exits 126 for it, as Podman's does.
		if be := (*portfwd.BindError)(nil); errors.As(err, &be) {
			err = &monitor.StartError{Msg: err.Error(), Err: err}
		}
		e.recordFailedStart(c, err)
		return nil, err
	}
	netns := ""
	if c.Net.ownNetNS() {
		netns = e.Networks.ContainerNetNS(c.ID)
	}
	cfg := monitor.Config{
		ID: c.ID, Name: c.Name, Bundle: dir,
		RuntimePath: c.Run.Runtime, RuntimeRoot: e.runtimeRoot(c),
		CgroupManager: e.cgroupManager(c),
		Terminal:      c.Run.Terminal, Stdin: c.Run.Stdin, WaitAttach: o.WaitAttach,
		LogDriver: c.Run.LogDriver, LogPath: logPath,
		LogMaxSize: c.Run.LogMaxSize, LogMaxFiles: c.Run.LogMaxFiles,
		Restart: c.Run.Restart, Health: c.Run.Health, HealthOnFailure: c.Run.HealthOnFailure,
		Timeout: time.Duration(c.Run.Timeout) * time.Second,
		NetNS:   netns, Ports: forwardedByMonitor(c),
		SdNotify: c.Run.SdNotify, NotifySocket: e.NotifySocket,
		Events: e.Cfg.Events, Event: ContainerEvent(c, ""),
		ExitCommand: append(append([]string(nil), e.ExitCommand...), "container", "cleanup", c.ID),
		RuntimeArgs: e.runtimeFlags(),
		PreserveFDs: preservedFDs(c.Run.PreserveFDs),
	}
	launcher := e.monitorLauncher(c)
	launcher.Attachment = o.Attachment
	monPid, pid, err := launcher.Start(cfg, dir)
	if err != nil {
		e.netDown(c)
		e.recordFailedStart(c, err)
		return nil, nameCommand(c, err)
	}
	rec, err := e.update(c.ID, func(r *Container) error {
		r.State = State{Status: StatusRunning, Pid: pid, MonitorPid: monPid, StartedAt: time.Now().UTC()}
		return nil
	})
	if err != nil {
		return rec, err
	}
	return rec, writePidFiles(c.Run, monPid, pid)
}

// preservedFDs is how many of this command's descriptors from 3 up the
// container gets: n when the command was given them (run, or a start from
// the same caller), else none, as for a restart.
func preservedFDs(n int) int {
	if n > descriptors.Inherited() {
		return 0
	}
	return n
}

// writePidFiles writes --pidfile and --conmon-pidfile; the container runs
// already, so a failure is told but leaves it running, as Podman does.
func writePidFiles(r RunOptions, monPid, pid int) error {
	for _, f := range []struct {
		path string
		pid  int
	}{{r.PidFile, pid}, {r.ConmonPidFile, monPid}} {
		if f.path == "" {
			continue
		}
		if err := os.WriteFile(f.path, []byte(fmt.Sprintf("%d", f.pid)), 0o644); err != nil {
			return fmt.Errorf("write pid file: %w", err)
		}
	}
	return nil
}

// monitorLauncher starts monitors where MonitorScopes says: in a scope of
// their own, or where this command runs.
func (e *Engine) monitorLauncher(c *Container) monitor.Launcher {
	if !e.MonitorScopes {
		return monitor.Launcher{}
	}
	return monitor.Launcher{Place: func(pid int) error {
		return scope.Move("monitor", fmt.Sprintf("Roost monitor of container %s (%.12s)", c.Name, c.ID), pid)
	}}
}

// recordFailedStart marks a container that never ran as exited with the
// error, and releases its mount, as Podman leaves it.
func (e *Engine) recordFailedStart(c *Container, startErr error) {
	e.dropSecrets(c)
	e.releaseImageMounts(c.ID)
	_, _ = e.Store.Unmount(c.ID, true)
	_, _ = e.update(c.ID, func(r *Container) error {
		r.State = State{Status: StatusExited, ExitCode: monitor.ExitCode(startErr), FinishedAt: time.Now().UTC(), Error: startErr.Error()}
		return nil
	})
}

// clearRunFiles removes the previous run's reports so a new monitor starts clean.
func clearRunFiles(dir string) {
	for _, f := range []string{monitor.ExitFile, monitor.PidFile, monitor.RestartsFile, monitor.MonitorPidFile, monitor.HealthFile} {
		_ = os.Remove(filepath.Join(dir, f))
	}
}

func (e *Engine) runtime(c *Container) *runtime.Runtime {
	r := runtime.New(c.Run.Runtime, e.runtimeRoot(c))
	r.CgroupManager = e.cgroupManager(c)
	r.Args = e.runtimeFlags()
	return r
}

// runtimeFlags are the user's --runtime-flag values as the runtime's own
// global flags: `--runtime-flag debug` is `crun --debug ...`, as in Podman.
func (e *Engine) runtimeFlags() []string {
	var args []string
	for _, f := range e.Cfg.Flags.RuntimeFlags {
		args = append(args, "--"+strings.TrimLeft(f, "-"))
	}
	return args
}

func (e *Engine) runtimeRoot(c *Container) string {
	return runtime.RootUnder(e.Cfg.RunDir, filepath.Base(c.Run.Runtime))
}

// cgroupManager: without cgroup delegation (spec.Options.Cgroups false) crun
// is told to skip cgroups; runc skips them by itself when rootless.
func (e *Engine) cgroupManager(c *Container) string {
	if !c.Spec.Cgroups && filepath.Base(c.Run.Runtime) == "crun" {
		return runtime.CgroupManagerDisabled
	}
	return runtime.CgroupManagerDefault
}

// RunDir is where a container's monitor keeps its files (for attach and wait).
func (e *Engine) RunDir(id string) string { return e.runDir(id) }

// Attach connects the caller's stdio to a running container's monitor.
func (e *Engine) Attach(ctx context.Context, id string, a AttachIO) error {
	s := monitor.Session{Stdin: a.Stdin, Stdout: a.Stdout, Stderr: a.Stderr,
		Resize: a.Resize, DetachKeys: a.DetachKeys, Finish: a.Finish, Exited: a.Exited,
		Attachment: a.Attachment}
	err := s.Attach(ctx, e.runDir(id))
	if c, gerr := e.get(id); gerr == nil {
		err = nameCommand(c, err)
	}
	return err
}

// nameCommand puts the command in a start error that does not say which
// file could not be run (runtimes say "open executable: Permission denied").
func nameCommand(c *Container, err error) error {
	if errors.Is(err, monitor.ErrCannotInvoke) && !strings.Contains(err.Error(), "permission denied") {
		// Podman ends these with its lower-case OCI kind; scripts match it.
		err = fmt.Errorf("%w: permission denied", err)
	}
	if !errors.Is(err, monitor.ErrCommandNotFound) && !errors.Is(err, monitor.ErrCannotInvoke) || len(c.Command) == 0 || strings.Contains(err.Error(), c.Command[0]) {
		return err
	}
	return fmt.Errorf("%s: %w", c.Command[0], err)
}

// AttachIO is the caller's side of an attach.
type AttachIO struct {
	Stdin          interface{ Read([]byte) (int, error) }
	Stdout, Stderr interface{ Write([]byte) (int, error) }
	Resize         <-chan [2]uint16
	DetachKeys     string
	// Finish runs after the container's exit with the session open; nil
	// from it spares the monitor its exit command (see monitor.Session).
	// A foreground run waits and cleans up there.
	Finish func() error
	// Exited gets the exit the monitor reports, before Finish runs.
	Exited func(monitor.ExitStatus)
	// Attachment is the session Start made (StartOptions.Attachment), if any.
	Attachment *monitor.Attachment
}
