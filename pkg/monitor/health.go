package monitor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// HealthFile holds the container's Health, written after every check by the
// monitor (and by `roost healthcheck run`), read by ps and inspect.
const HealthFile = "health.json"

// Health states, with Docker's and Podman's names.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// healthLogSize is how many results the log keeps, as Docker does.
const healthLogSize = 5

// HealthConfig is a container's healthcheck: Test is the argv to run in the
// container (["/bin/sh","-c",CMD] for a shell form).
type HealthConfig struct {
	Test        []string      `json:"test"`
	Interval    time.Duration `json:"interval"`
	Timeout     time.Duration `json:"timeout"`
	StartPeriod time.Duration `json:"startPeriod,omitempty"`
	Retries     int           `json:"retries"`
}

// WithDefaults fills what the user left out with Docker's defaults
// (30s interval and timeout, 3 retries).
func (h HealthConfig) WithDefaults() HealthConfig {
	if h.Interval <= 0 {
		h.Interval = 30 * time.Second
	}
	if h.Timeout <= 0 {
		h.Timeout = 30 * time.Second
	}
	if h.Retries <= 0 {
		h.Retries = 3
	}
	return h
}

// HealthResult is one run of the check.
type HealthResult struct {
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	ExitCode int       `json:"ExitCode"`
	Output   string    `json:"Output"`
}

// Health is the content of the health file, shaped as inspect shows it.
type Health struct {
	Status        string         `json:"Status"`
	FailingStreak int            `json:"FailingStreak"`
	Log           []HealthResult `json:"Log"`
}

// Record adds one result: success makes the container healthy; failures
// during the start period do not count; Retries failures in a row make it
// unhealthy.
func (h *Health) Record(cfg HealthConfig, startedAt time.Time, r HealthResult) {
	if h.Status == "" {
		h.Status = HealthStarting
	}
	switch {
	case r.ExitCode == 0:
		h.Status, h.FailingStreak = HealthHealthy, 0
	case h.Status == HealthStarting && r.Start.Before(startedAt.Add(cfg.StartPeriod)):
		// still starting: Docker ignores these failures
	default:
		h.FailingStreak++
		if h.FailingStreak >= cfg.WithDefaults().Retries {
			h.Status = HealthUnhealthy
		}
	}
	// Podman keeps the output without its last newline; scripts compare it.
	r.Output = strings.TrimSuffix(r.Output, "\n")
	h.Log = append(h.Log, r)
	if len(h.Log) > healthLogSize {
		h.Log = h.Log[len(h.Log)-healthLogSize:]
	}
}

// ReadHealth reads runDir's health file; missing is os.ErrNotExist.
func ReadHealth(runDir string) (Health, error) {
	var h Health
	b, err := os.ReadFile(filepath.Join(runDir, HealthFile))
	if err != nil {
		return h, err
	}
	return h, json.Unmarshal(b, &h)
}

// WriteHealth replaces runDir's health file atomically.
func WriteHealth(runDir string, h Health) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(runDir, HealthFile), append(b, '\n'))
}

// Validate refuses a healthcheck that cannot run as asked, in the words of
// the flags that set it (the API and compose fields mean the same).
func (h HealthConfig) Validate() error {
	switch {
	case len(h.Test) == 0:
		return fmt.Errorf("invalid healthcheck: it has no command")
	case h.Interval <= 0:
		return fmt.Errorf("invalid --health-interval %s: it must be above 0", h.Interval)
	case h.Timeout <= 0:
		return fmt.Errorf("invalid --health-timeout %s: it must be above 0", h.Timeout)
	case h.Retries < 1:
		return fmt.Errorf("invalid --health-retries %d: give at least 1", h.Retries)
	case h.StartPeriod < 0:
		return fmt.Errorf("invalid --health-start-period %s: it must not be negative", h.StartPeriod)
	}
	return nil
}

// Actions on an unhealthy container (--health-on-failure).
const (
	HealthActionNone    = "none"
	HealthActionKill    = "kill"
	HealthActionRestart = "restart"
	HealthActionStop    = "stop"
)

// ParseHealthOnFailure checks --health-on-failure; "" is none.
func ParseHealthOnFailure(v string) (string, error) {
	switch v {
	case "":
		return HealthActionNone, nil
	case HealthActionNone, HealthActionKill, HealthActionRestart, HealthActionStop:
		return v, nil
	}
	return "", fmt.Errorf("invalid on-failure action %q: use none, kill, restart or stop", v)
}
