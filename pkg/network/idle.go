package network

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roost-containers/roost/pkg/footprint"
	"github.com/roost-containers/roost/pkg/proc"
	"github.com/roost-containers/roost/pkg/scope"
)

// The shared namespace, its egress helper and its DNS responder outlive
// their last member by a grace (roost.conf [network] idle_grace): a burst
// of short runs makes them once, not once a run. Nothing else keeps them:
// when the last lease goes, the time is written to roost.idle and a reaper
// (`roost network reap-idle`, a process of its own) tears everything down
// once the grace has passed with no member. A command that finds the grace
// passed and no reaper (killed) tears down itself (sweepIdle).

func (m *Manager) idleFile() string   { return filepath.Join(m.RunDir, "netns", "roost.idle") }
func (m *Manager) reaperFile() string { return filepath.Join(m.RunDir, "netns", "roost.reaper") }

// graceful says whether the last member's leaving starts a grace rather
// than the teardown: a grace is set and there is a command to reap with.
func (m *Manager) graceful() bool { return m.IdleGrace > 0 && len(m.Self) > 0 }

// release is what the last lease's going does (the caller holds m.lock()):
// with a grace, mark the namespace idle and make sure a reaper waits for
// it; without, tear down now.
func (m *Manager) release() error {
	leases, err := m.Leases()
	if err != nil || len(leases) > 0 {
		return err
	}
	if !m.graceful() || !IsNetNS(m.SharedNetNS()) {
		return m.teardownIfIdle()
	}
	now := strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := os.WriteFile(m.idleFile(), []byte(now), 0o600); err != nil {
		return m.teardownIfIdle()
	}
	if m.reaperAlive() {
		return nil
	}
	if err := m.startReaper(); err != nil {
		// Nobody would end the grace: end it now rather than leak.
		return errors.Join(fmt.Errorf("start the idle network reaper: %w", err), m.teardownIfIdle())
	}
	return nil
}

// idleSince is when the last member left, and whether the namespace is idle.
func (m *Manager) idleSince() (time.Time, bool) {
	b, err := os.ReadFile(m.idleFile())
	if err != nil {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return time.Time{}, true // unreadable: idle since long ago
	}
	return time.Unix(0, n), true
}

// EndIdle tears the shared namespace down at once if no container uses it
// (system reset, network rm): the grace is for bursts of runs, not for
// after the user said to clean up.
func (m *Manager) EndIdle() error {
	l, err := m.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	return m.teardownIfIdle()
}

// ReapIdle is the reaper's life: wait until the grace has passed with no
// member, then tear down. It returns as soon as the namespace is in use
// again or gone; the next release starts a new reaper. Before it sleeps it
// gives back what the command's start-up mapped (a roost process's text
// and heap are tens of MiB; the wait needs next to none of it).
func (m *Manager) ReapIdle() error {
	for {
		wait, err := m.reapOnce()
		if wait <= 0 {
			return err
		}
		footprint.Settle()
		time.Sleep(wait)
	}
}

// reapOnce, under the lock: how long to wait still, or 0 when done.
func (m *Manager) reapOnce() (time.Duration, error) {
	l, err := m.lock()
	if err != nil {
		return 0, err
	}
	defer l.Unlock()
	leases, err := m.Leases()
	since, idle := m.idleSince()
	if err != nil || len(leases) > 0 || !idle || !IsNetNS(m.SharedNetNS()) {
		_ = os.Remove(m.reaperFile())
		return 0, err
	}
	if wait := time.Until(since.Add(m.IdleGrace)); wait > 0 {
		return wait, nil
	}
	_ = os.Remove(m.reaperFile())
	return 0, m.teardownIfIdle()
}

// startReaper runs `roost network reap-idle` in a session of its own, with
// no descriptor of this command's, in a scope of its own (stopping the
// caller's unit must not take it), and records it. The caller holds m.lock().
func (m *Manager) startReaper() error {
	args := append(append([]string(nil), m.Self[1:]...), "network", "reap-idle")
	cmd := exec.Command(m.Self[0], args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	// Collected when it ends, should this process (the API service) outlive it.
	go func() { _ = cmd.Wait() }()
	st, err := proc.StartTime(pid)
	if err != nil {
		return fmt.Errorf("the reaper exited at start: %w", err)
	}
	if err := os.WriteFile(m.reaperFile(), []byte(fmt.Sprintf("%d %d", pid, st)), 0o600); err != nil {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		return err
	}
	_ = scope.Move("netidle", "Roost idle network reaper", pid)
	return nil
}

// reaper reads the recorded reaper: its pid, and whether it still runs.
func (m *Manager) reaper() (int, bool) {
	b, err := os.ReadFile(m.reaperFile())
	if err != nil {
		return 0, false
	}
	var pid int
	var st uint64
	if _, err := fmt.Sscanf(string(b), "%d %d", &pid, &st); err != nil || pid <= 0 {
		return 0, false
	}
	now, err := proc.StartTime(pid)
	return pid, err == nil && now == st && !proc.Zombie(pid)
}

func (m *Manager) reaperAlive() bool { _, alive := m.reaper(); return alive }

// stopReaper ends a waiting reaper: the teardown came first.
func (m *Manager) stopReaper() {
	if pid, alive := m.reaper(); alive {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = os.Remove(m.reaperFile())
}
