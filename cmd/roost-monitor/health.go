package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
)

// The health checker runs the container's check with the runtime's exec at
// every interval and writes the result to the health file. A runtime exec
// is a child of the monitor, so while one runs the reaper must not collect
// exits blindly (wait4(-1) could take the exec's own status from os/exec):
// checkMu is held for the length of each check and reap honours it.

const healthProcessFile = "health-process.json"

// startHealth begins checking the run that started at startedAt; the
// returned function stops it and waits for a check in flight.
func (m *mon) startHealth(startedAt time.Time) func() {
	cfg := m.cfg.Health
	if cfg == nil || len(cfg.Test) == 0 {
		return func() {}
	}
	c := cfg.WithDefaults()
	_ = monitor.WriteHealth(".", monitor.Health{Status: monitor.HealthStarting, Log: []monitor.HealthResult{}})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.checkOnce(ctx, c, startedAt)
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// checkOnce runs the check and records its result.
func (m *mon) checkOnce(ctx context.Context, cfg monitor.HealthConfig, startedAt time.Time) {
	r := m.runCheck(ctx, cfg)
	if ctx.Err() != nil {
		return // the container stopped under the check: no verdict
	}
	h, err := monitor.ReadHealth(".")
	if err != nil {
		h = monitor.Health{}
	}
	h.Record(cfg, startedAt, r)
	if err := monitor.WriteHealth(".", h); err != nil {
		logf("writing the health file: %v", err)
	}
	m.healthEvent(h.Status)
	if h.Status == monitor.HealthUnhealthy {
		m.onUnhealthy()
	}
}

// onUnhealthy acts as --health-on-failure says: kill leaves the restart
// policy to decide, stop is a user stop (no restart), restart starts it
// again whatever the policy.
func (m *mon) onUnhealthy() {
	pid := m.running.Load()
	if pid <= 0 {
		return
	}
	switch m.cfg.HealthOnFailure {
	case monitor.HealthActionKill:
		_ = syscall.Kill(int(pid), syscall.SIGKILL)
	case monitor.HealthActionStop:
		m.hub.requestStop()
		_ = syscall.Kill(int(pid), syscall.SIGKILL)
	case monitor.HealthActionRestart:
		m.forceRestart.Store(true)
		_ = syscall.Kill(int(pid), syscall.SIGKILL)
	}
}

// runCheck execs the check's command in the container with the container's
// own process settings, output captured, killed after the timeout.
func (m *mon) runCheck(ctx context.Context, cfg monitor.HealthConfig) monitor.HealthResult {
	r := monitor.HealthResult{Start: time.Now()}
	out, code, err := m.execCheck(ctx, cfg)
	r.End, r.ExitCode, r.Output = time.Now(), code, out
	if err != nil {
		r.Output = strings.TrimSpace(out + "\n" + err.Error())
	}
	return r
}

func (m *mon) execCheck(ctx context.Context, cfg monitor.HealthConfig) (string, int, error) {
	if err := writeCheckProcess(m.cfg.Bundle, cfg.Test); err != nil {
		return "", 1, err
	}
	outFile, err := os.CreateTemp(".", "health-output-")
	if err != nil {
		return "", 1, err
	}
	defer os.Remove(outFile.Name())
	defer outFile.Close()
	tctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	m.checkMu.Lock()
	err = m.rt.Exec(tctx, m.cfg.ID, healthProcessFile, runtime.ExecOpts{Stdio: runtime.Stdio{Out: outFile, Err: outFile}})
	m.checkMu.Unlock()
	b, _ := os.ReadFile(outFile.Name())
	out := string(b)
	if len(out) > 4096 {
		out = out[:4096] // a chatty check must not grow the file without end
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out, 0, nil
	case tctx.Err() == context.DeadlineExceeded:
		return out, 1, errors.New("healthcheck timed out after " + cfg.Timeout.String())
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return out, exitErr.ExitCode(), nil
	}
	return out, 1, err
}

// writeCheckProcess writes the exec process: the container's own (user,
// env, capabilities, cwd) with the check's argv, without a terminal. The
// bundle's spec is read as plain JSON so the monitor needs no spec library.
func writeCheckProcess(bundle string, test []string) error {
	b, err := os.ReadFile(bundle + "/config.json")
	if err != nil {
		return err
	}
	var spec struct {
		Process map[string]any `json:"process"`
	}
	if err := json.Unmarshal(b, &spec); err != nil || spec.Process == nil {
		return errors.New("the bundle's config.json has no process")
	}
	p := spec.Process
	p["args"], p["terminal"] = test, false
	delete(p, "consoleSize")
	out, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return monitor.WriteFileAtomic(healthProcessFile, out)
}
