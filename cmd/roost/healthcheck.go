package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
)

// healthFlags are run's and create's --health-* flags, as Podman names them.
type healthFlags struct {
	cmd                            string
	interval, timeout, startPeriod time.Duration
	retries                        int
	none                           bool
}

func (h *healthFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&h.cmd, "health-cmd", "", "command the monitor runs in the container to check its health (shell form, or a JSON array)")
	fl.DurationVar(&h.interval, "health-interval", 30*time.Second, "time between healthchecks")
	fl.DurationVar(&h.timeout, "health-timeout", 30*time.Second, "time a healthcheck may take before it counts as failed")
	fl.IntVar(&h.retries, "health-retries", 3, "failures in a row that make the container unhealthy")
	fl.DurationVar(&h.startPeriod, "health-start-period", 0, "time after start during which failures do not count")
	fl.BoolVar(&h.none, "no-healthcheck", false, "disable the image's healthcheck")
}

// config is the healthcheck the flags ask for; nil: none.
func (h *healthFlags) config() (*monitor.HealthConfig, error) {
	if h.cmd == "" || h.none {
		return nil, nil
	}
	test, err := container.HealthTest(parseHealthCmd(h.cmd))
	if err != nil || test == nil {
		return nil, err
	}
	switch {
	case h.interval <= 0:
		return nil, fmt.Errorf("invalid --health-interval %s: it must be above 0", h.interval)
	case h.timeout <= 0:
		return nil, fmt.Errorf("invalid --health-timeout %s: it must be above 0", h.timeout)
	case h.retries < 1:
		return nil, fmt.Errorf("invalid --health-retries %d: give at least 1", h.retries)
	case h.startPeriod < 0:
		return nil, fmt.Errorf("invalid --health-start-period %s: it must not be negative", h.startPeriod)
	}
	return &monitor.HealthConfig{Test: test, Interval: h.interval, Timeout: h.timeout, Retries: h.retries, StartPeriod: h.startPeriod}, nil
}

// parseHealthCmd reads --health-cmd: a JSON array is the exec form, any
// other string a shell command.
func parseHealthCmd(s string) []string {
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err == nil && len(list) > 0 {
		if list[0] == "CMD" || list[0] == "CMD-SHELL" || list[0] == "NONE" {
			return list
		}
		return append([]string{"CMD"}, list...)
	}
	return []string{"CMD-SHELL", s}
}

func newHealthcheckCommand(a *app) *cobra.Command {
	hc := &cobra.Command{Use: "healthcheck", Short: "Run container healthchecks"}
	hc.AddCommand(&cobra.Command{
		Use:   "run CONTAINER",
		Short: "Run a container's healthcheck now: exit 0 when healthy, 1 when not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			status, err := eng.RunHealthCheck(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if status == monitor.HealthHealthy {
				fmt.Fprintln(a.out, "healthy")
				return nil
			}
			fmt.Fprintln(a.out, status)
			return &exitError{code: 1}
		},
	})
	return hc
}
