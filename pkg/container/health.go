package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// Healthchecks are run by the container's monitor at each interval; their
// results live in the health file of the run directory, which ps, inspect
// and `healthcheck run` read and write (see cmd/roost-monitor/health.go).

// ErrNoHealthcheck: the container has no healthcheck to run.
var ErrNoHealthcheck = errors.New("container has no healthcheck")

// HealthTest turns the Docker forms of a test into the argv to exec:
// ["CMD", args...], ["CMD-SHELL", command] or a plain command string. NONE
// (or an empty test) means no healthcheck: nil.
func HealthTest(test []string) ([]string, error) {
	if len(test) == 0 {
		return nil, nil
	}
	switch test[0] {
	case "NONE":
		return nil, nil
	case "CMD":
		if len(test) < 2 {
			return nil, errors.New("healthcheck test CMD needs a command")
		}
		return test[1:], nil
	case "CMD-SHELL":
		if len(test) != 2 {
			return nil, errors.New("healthcheck test CMD-SHELL takes one command string")
		}
		return []string{"/bin/sh", "-c", test[1]}, nil
	}
	if len(test) == 1 {
		return []string{"/bin/sh", "-c", test[0]}, nil
	}
	return nil, fmt.Errorf("healthcheck test %q: start it with CMD or CMD-SHELL", strings.Join(test, " "))
}

// refreshHealth sets the live health of a running container that has a
// healthcheck; before the first result it is starting.
func (e *Engine) refreshHealth(c *Container) {
	if c.Run.Health == nil || c.State.Status != StatusRunning {
		return
	}
	c.State.Health = monitor.HealthStarting
	if h, err := monitor.ReadHealth(e.runDir(c.ID)); err == nil && h.Status != "" {
		c.State.Health = h.Status
	}
}

// withHealth adds the health log to inspect's state.
func (e *Engine) withHealth(c *Container, s InspectState) InspectState {
	if c.Run.Health == nil {
		return s
	}
	h, err := monitor.ReadHealth(e.runDir(c.ID))
	if err != nil || h.Status == "" {
		h = monitor.Health{Status: monitor.HealthStarting}
	}
	if h.Log == nil {
		h.Log = []monitor.HealthResult{}
	}
	if c.State.Status != StatusRunning {
		h.Status = monitor.HealthUnhealthy
		if c.State.Status == StatusCreated {
			h.Status = monitor.HealthStarting
		}
	}
	s.Health = &h
	return s
}

// HealthStatus is a container's live health: "" without a healthcheck.
func (e *Engine) HealthStatus(ref string) (string, error) {
	id, err := e.Resolve(ref)
	if err != nil {
		return "", err
	}
	c, err := e.get(id)
	if err != nil {
		return "", err
	}
	e.refresh(c)
	return c.State.Health, nil
}

// RunHealthCheck runs the container's check once now, records the result
// as the monitor would, and returns the new status.
func (e *Engine) RunHealthCheck(ctx context.Context, ref string) (string, error) {
	c, err := e.runningContainer(ref)
	if err != nil {
		return "", err
	}
	if c.Run.Health == nil {
		return "", fmt.Errorf("%s: %w: give one with --health-cmd when creating it", c.Name, ErrNoHealthcheck)
	}
	cfg := c.Run.Health.WithDefaults()
	out, err := os.CreateTemp(e.runDir(c.ID), "healthcheck-run-")
	if err != nil {
		return "", fmt.Errorf("healthcheck %s: %w", c.Name, err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	tctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r := monitor.HealthResult{Start: time.Now()}
	code, execErr := e.Exec(tctx, c.ID, ExecOptions{Cmd: cfg.Test}, ExecIO{Stdout: out, Stderr: out})
	r.End, r.ExitCode = time.Now(), code
	b, _ := os.ReadFile(out.Name())
	r.Output = string(b)
	if execErr != nil {
		r.Output = strings.TrimSpace(r.Output + "\n" + execErr.Error())
		if r.ExitCode == 0 {
			r.ExitCode = 1
		}
	}
	if tctx.Err() == context.DeadlineExceeded {
		r.ExitCode, r.Output = 1, "healthcheck timed out after "+cfg.Timeout.String()
	}
	status, err := e.recordHealth(ctx, c, cfg, r)
	if err != nil {
		return "", err
	}
	if status == monitor.HealthUnhealthy {
		if err := e.onUnhealthy(ctx, c); err != nil {
			return "", fmt.Errorf("healthcheck %s: --health-on-failure=%s: %w", c.Name, c.Run.HealthOnFailure, err)
		}
	}
	return status, nil
}

// recordHealth adds one result to the health file under the container's
// lock, as the monitor does for its own checks.
func (e *Engine) recordHealth(ctx context.Context, c *Container, cfg monitor.HealthConfig, r monitor.HealthResult) (string, error) {
	l, err := e.lock(ctx, c.ID)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	h, _ := monitor.ReadHealth(e.runDir(c.ID))
	h.Record(cfg, c.State.StartedAt, r)
	if err := monitor.WriteHealth(e.runDir(c.ID), h); err != nil {
		return "", fmt.Errorf("healthcheck %s: record the result: %w", c.Name, err)
	}
	e.healthEvent(c, h.Status)
	return h.Status, nil
}

// onUnhealthy applies --health-on-failure after a check run on demand turned
// the container unhealthy; the monitor does the same after its own checks.
// kill leaves the restart policy to decide, stop is a user stop, restart
// starts it again whatever the policy.
func (e *Engine) onUnhealthy(ctx context.Context, c *Container) error {
	now := uint(0)
	var err error
	switch c.Run.HealthOnFailure {
	case monitor.HealthActionKill:
		if _, err = e.Kill(ctx, c.ID, syscall.SIGKILL); err == nil {
			// As stop does, return once the exit is recorded: the caller's
			// next command must not find it still running.
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_, err = e.Wait(wctx, c.ID)
		}
	case monitor.HealthActionStop:
		_, err = e.Stop(ctx, c.ID, &now)
	case monitor.HealthActionRestart:
		_, err = e.Restart(ctx, c.ID, StopOptions{Timeout: &now})
	}
	return err
}
