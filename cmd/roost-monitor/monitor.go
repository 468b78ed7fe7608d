package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/slirp/portfwd"
)

// mon is the monitor of one container, across its restarts.
type mon struct {
	cfg     monitor.Config
	dir     string
	rt      *runtime.Runtime
	log     logSink
	hub     *hub
	sigchld chan os.Signal
	report  *reporter
	ports   *portfwd.Forwarder // published ports, across restarts
	notify  *notifier

	// preserved are the caller's fds for the container (--preserve-fds):
	// given to the first create, then closed.
	preserved []*os.File

	restarts int
	pumps    sync.WaitGroup
	// checkMu is held while a healthcheck's runtime exec runs (see health.go).
	checkMu sync.Mutex
	// running is the pid of the container's process while it runs, for
	// --health-on-failure; forceRestart makes the next exit restart it.
	running      atomic.Int64
	forceRestart atomic.Bool
}

func run(runDir string, syncFd, attachFd int, preserved []*os.File) int {
	rep := newReporter(syncFd)
	m, err := setup(runDir, rep, attachFd)
	if m != nil {
		m.preserved = preserved
	}
	if err != nil {
		logf("%v", err)
		rep.send(monitor.SyncMessage{MonitorPid: os.Getpid(), Error: err.Error(), Kind: monitor.ErrorKind(err)})
		return 1
	}
	return m.loop()
}

// setup does everything that can fail before the runtime is asked anything.
func setup(runDir string, rep *reporter, attachFd int) (*mon, error) {
	if err := os.Chdir(runDir); err != nil {
		return nil, err
	}
	cfg, err := monitor.ReadConfig(".")
	if err != nil {
		return nil, err
	}
	if err := monitor.WriteInt(monitor.MonitorPidFile, os.Getpid()); err != nil {
		return nil, err
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("becoming child subreaper: %w", err)
	}
	m := &mon{cfg: cfg, dir: runDir, report: rep, sigchld: make(chan os.Signal, 1)}
	signal.Notify(m.sigchld, syscall.SIGCHLD)
	m.rt = &runtime.Runtime{Path: cfg.RuntimePath, Name: filepath.Base(cfg.RuntimePath),
		Root: cfg.RuntimeRoot, CgroupManager: cfg.CgroupManager, Args: cfg.RuntimeArgs}
	if m.log, err = newLogSink(&cfg); err != nil {
		return nil, err
	}
	if m.hub, err = newHub(cfg.Stdin); err != nil {
		return nil, fmt.Errorf("attach socket: %w", err)
	}
	if attachFd >= 0 {
		// A client attached from the start (a foreground run): served as one
		// that connected, before create, so WaitAttach starts at once.
		// Non-blocking again (starting us made it blocking, as exec does with
		// every descriptor it passes), so the poller serves it, not a thread.
		syscall.CloseOnExec(attachFd)
		syscall.SetNonblock(attachFd, true)
		go m.hub.serve(os.NewFile(uintptr(attachFd), "attach"))
	}
	if m.ports, err = publish(&m.cfg); err != nil {
		return nil, err
	}
	if m.notify, err = newNotifier(&cfg); err != nil {
		return nil, err
	}
	go m.onSignals()
	return m, nil
}

// onSignals treats SIGTERM to the monitor as a user stop: the container is
// the CLI's to kill; the monitor only stops restarting it. SIGINT and SIGHUP
// are caught and ignored. (Caught, not ignored with signal.Ignore: an ignored
// signal stays ignored across exec, in the runtime and the container.)
func (m *mon) onSignals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	for sig := range ch {
		if sig == syscall.SIGTERM {
			m.hub.requestStop()
		}
	}
}

// loop runs the container until it exits for good, then cleans up.
func (m *mon) loop() int {
	backoff := newBackoff()
	last := monitor.ExitStatus{FinishedAt: time.Now()} // for a stop before any start
	for first := true; ; first = false {
		r := m.runOnce(first)
		switch {
		case r.toldStart:
			return 1 // the first start failed: Start returns the error, the CLI cleans up
		case r.cancelled:
			last.Restarting = false
			m.writeExit(last)
			m.finish()
			return m.exitStatus(last)
		}
		exit := r.exit
		exit.Restarting = m.shouldRestart(exit)
		m.deleteRun(r.ran, exit.Restarting)
		m.writeExit(exit)
		last = exit
		if !exit.Restarting {
			break
		}
		if !m.sleep(backoff.next(r.ranFor)) {
			exit.Restarting = false
			m.writeExit(exit)
			break
		}
		m.restarts++
		monitor.WriteInt(monitor.RestartsFile, m.restarts)
	}
	m.finish()
	return m.exitStatus(last)
}

// exitStatus is the monitor's own exit status. Under a systemd unit the
// monitor is the unit's main process, so it exits as the container did and
// Restart=on-failure sees a crash; a user stop is a clean exit. Otherwise
// nobody waits for the monitor and it exits 0.
func (m *mon) exitStatus(last monitor.ExitStatus) int {
	if m.cfg.NotifySocket == "" || m.hub.stopRequested() {
		return 0
	}
	if last.Code < 0 || last.Code > 255 {
		return 255
	}
	return last.Code
}

// runResult is how one run ended.
type runResult struct {
	exit   monitor.ExitStatus
	ranFor time.Duration
	// toldStart: it failed before Start heard from us, and Start got the error.
	toldStart bool
	// cancelled: a user stop came after create and before start; not started.
	cancelled bool
	// ran is the run that ended, its runtime state still there (deleteRun).
	ran *container
}

// runOnce creates, starts and waits for one run of the container.
func (m *mon) runOnce(first bool) runResult {
	c := &container{state: stateNew}
	err := m.create(c)
	if err == nil && first && m.cfg.WaitAttach {
		m.report.send(monitor.SyncMessage{MonitorPid: os.Getpid(), Pid: c.pid, Created: true})
		m.awaitAttach()
	}
	if err == nil && m.hub.stopRequested() {
		m.report.send(monitor.SyncMessage{MonitorPid: os.Getpid(), Pid: c.pid})
		m.undo(c)
		return runResult{cancelled: true}
	}
	if err == nil {
		err = m.start(c)
	}
	if err != nil {
		told := !m.report.sent
		m.abort(c, err)
		return runResult{exit: failedExit(err), toldStart: told}
	}
	if first {
		m.notify.started()
		m.report.send(monitor.SyncMessage{MonitorPid: os.Getpid(), Pid: c.pid})
	}
	// Return what start-up used only once the container has run a while: a
	// short-lived container (run --rm ... true) would otherwise have its exit
	// wait for a full collection that buys nothing.
	settling := time.AfterFunc(settleDelay, settle)
	m.running.Store(int64(c.pid))
	var timedOut atomic.Bool
	stopTimeout := m.startTimeout(c.pid, &timedOut)
	stopHealth := m.startHealth(c.startedAt)
	r := runResult{exit: m.wait(c), ranFor: time.Since(c.startedAt)}
	m.running.Store(0)
	stopTimeout()
	m.event(events.Died, r.exit.Code)
	stopHealth()
	if timedOut.Load() {
		r.exit.Code = -1 // Podman's record of a container its --timeout killed
	}
	settling.Stop()
	m.drain()
	m.hub.setIO(nil)
	c.io.close()
	r.ran = c
	return r
}

// awaitAttach holds a created container until a client attaches (WaitAttach),
// the user stops it, or a minute has passed.
func (m *mon) awaitAttach() {
	select {
	case <-m.hub.attached:
	case <-m.hub.stopped:
	case <-time.After(time.Minute):
		logf("no client attached within a minute: starting anyway")
	}
}

func (m *mon) create(c *container) error {
	var err error
	if m.cfg.Terminal {
		c.io, err = newTerminal(m.dir)
	} else {
		c.io, err = newPipes(m.cfg.Stdin)
	}
	if err != nil {
		return err
	}
	os.Remove(monitor.PidFile)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = m.rt.Create(ctx, m.cfg.ID, m.cfg.Bundle, runtime.CreateOpts{
		PidFile:       filepath.Join(m.dir, monitor.PidFile),
		ConsoleSocket: c.io.consolePath,
		Stdio:         c.io.child,
		LogPath:       filepath.Join(m.dir, monitor.RuntimeLogFile),
		ExtraFiles:    m.preserved,
	})
	m.closePreserved()
	if err != nil {
		return err
	}
	if err := c.to(stateCreated); err != nil {
		return err
	}
	m.event(events.Init, 0)
	if err := c.io.afterCreate(); err != nil {
		return err
	}
	if c.pid, err = monitor.ReadInt(monitor.PidFile); err != nil {
		return fmt.Errorf("reading the container's pid: %w", err)
	}
	m.hub.setIO(c.io)
	m.startPumps(c.io)
	return nil
}

// closePreserved lets go of the caller's descriptors once the container has
// them (or failed to), so that a pipe's reader sees EOF when the container
// closes its end; a restart gets none, as with Podman.
func (m *mon) closePreserved() {
	for _, f := range m.preserved {
		f.Close()
	}
	m.preserved = nil
}

func (m *mon) start(c *container) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.rt.Start(ctx, m.cfg.ID); err != nil {
		return err
	}
	c.startedAt = time.Now()
	if err := c.to(stateRunning); err != nil {
		return err
	}
	m.event(events.Start, 0)
	os.Remove(monitor.ExitFile)
	return nil
}

// abort undoes a run that failed to start and tells whoever waits: Start if
// it has not heard from us yet, else the attached clients.
func (m *mon) abort(c *container, err error) {
	logf("%v", err)
	msg := monitor.SyncMessage{MonitorPid: os.Getpid(), Pid: c.pid, Error: oneLine(err), Kind: monitor.ErrorKind(err)}
	m.undo(c)
	if !m.report.sent {
		m.report.send(msg)
		m.hub.close()
		return
	}
	m.hub.finish(monitor.FrameError, msg.MarshalLine())
}

// undo deletes a container that was created (or half created) but not run,
// and its stdio.
func (m *mon) undo(c *container) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	m.rt.Delete(ctx, m.cfg.ID, true)
	cancel()
	c.to(stateDeleted)
	m.reapAll()
	if c.io != nil {
		m.drain()
		m.hub.setIO(nil)
		c.io.close()
	}
}

// deleteRun deletes an ended run's runtime state before its exit is told,
// unless no restart follows and a session that finishes the exit itself is
// attached (a foreground run): the session's clean-up deletes it then, beside
// the unmount, rather than waiting for it here (a foreground run --rm heard
// of the exit ~10 ms later for this delete). Should the session go without
// finishing, the exit command's clean-up deletes it.
func (m *mon) deleteRun(c *container, restarting bool) {
	if c == nil || !restarting && m.hub.sessionFinishes() {
		return // nil: the run failed to start, and undo deleted it
	}
	m.delete(c)
}

func (m *mon) delete(c *container) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.rt.Delete(ctx, m.cfg.ID, true); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		logf("%v", err)
	}
	c.to(stateDeleted)
}

// failedExit is the exit status of a run that could not start.
func failedExit(err error) monitor.ExitStatus {
	return monitor.ExitStatus{Code: monitor.ExitCode(err), FinishedAt: time.Now(), Error: oneLine(err)}
}

func (m *mon) writeExit(exit monitor.ExitStatus) {
	if err := monitor.WriteExit(".", exit); err != nil {
		logf("writing the exit file: %v", err)
	}
	if b, err := marshalExit(exit); err == nil {
		m.hub.finish(monitor.FrameExit, b)
	}
}

// finishWait bounds how long the monitor waits for an attached client that
// finishes the exit itself before running the exit command anyway (which is
// then harmless: the cleanup takes the container's lock and finds it done).
const finishWait = time.Minute

// finish ends the monitor: the runtime state is gone, the exit recorded;
// close the socket and run the exit command, unless the attached foreground
// run finished the exit itself: it does so anyway, so that the next command
// sees the container done, and a second roost process would only repeat it.
func (m *mon) finish() {
	m.unpublish()
	m.notify.close()
	m.hub.close()
	m.log.close()
	if len(m.cfg.ExitCommand) == 0 {
		return
	}
	if m.hub.awaitFinished(finishWait) {
		return
	}
	if err := runExitCommand(m.cfg.ExitCommand); err != nil {
		logf("exit command %q: %v", m.cfg.ExitCommand, err)
	}
}

func oneLine(err error) string {
	var rerr *runtime.Error
	if errors.As(err, &rerr) && rerr.Msg != "" {
		return rerr.Msg
	}
	return err.Error()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s roost-monitor[%d]: %s\n", time.Now().Format(time.RFC3339), os.Getpid(), fmt.Sprintf(format, args...))
}

// startTimeout kills the container's process once --timeout has passed; the
// returned function disarms it.
func (m *mon) startTimeout(pid int, fired *atomic.Bool) func() {
	if m.cfg.Timeout <= 0 {
		return func() {}
	}
	t := time.AfterFunc(m.cfg.Timeout, func() {
		fired.Store(true)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	})
	return func() { t.Stop() }
}
