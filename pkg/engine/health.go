package engine

import (
	"encoding/json"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
)

// HealthFlags are a healthcheck as the user types it: --health-cmd and
// friends, or an API's Healthcheck with Test in Docker's form.
type HealthFlags struct {
	Cmd         string        `json:"cmd,omitempty"` // a shell command, or a JSON array (exec form)
	Interval    time.Duration `json:"interval,omitempty"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	StartPeriod time.Duration `json:"startPeriod,omitempty"`
	Retries     int           `json:"retries,omitempty"`
	None        bool          `json:"none,omitempty"` // --no-healthcheck
}

// Parse is the healthcheck the flags ask for; nil: none.
func (h HealthFlags) Parse() (*monitor.HealthConfig, error) {
	if h.Cmd == "" || h.None {
		return nil, nil
	}
	test, err := container.HealthTest(healthCmd(h.Cmd))
	if err != nil || test == nil {
		return nil, err
	}
	c := monitor.HealthConfig{Test: test, Interval: h.Interval, Timeout: h.Timeout, Retries: h.Retries, StartPeriod: h.StartPeriod}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// healthCmd reads --health-cmd: a JSON array is the exec form, any other
// string a shell command.
func healthCmd(s string) []string {
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err == nil && len(list) > 0 {
		if list[0] == "CMD" || list[0] == "CMD-SHELL" || list[0] == "NONE" {
			return list
		}
		return append([]string{"CMD"}, list...)
	}
	return []string{"CMD-SHELL", s}
}
