package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
)

// addHealthFlags adds run's and create's --health-* flags, as Podman names
// them; engine.HealthFlags.Parse reads them.
func addHealthFlags(fl *pflag.FlagSet, h *engine.HealthFlags) {
	fl.StringVar(&h.Cmd, "health-cmd", "", "command the monitor runs in the container to check its health (shell form, or a JSON array)")
	fl.DurationVar(&h.Interval, "health-interval", 30*time.Second, "time between healthchecks")
	fl.DurationVar(&h.Timeout, "health-timeout", 30*time.Second, "time a healthcheck may take before it counts as failed")
	fl.IntVar(&h.Retries, "health-retries", 3, "failures in a row that make the container unhealthy")
	fl.DurationVar(&h.StartPeriod, "health-start-period", 0, "time after start during which failures do not count")
	fl.BoolVar(&h.None, "no-healthcheck", false, "disable the image's healthcheck")
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
				return nil // Podman prints nothing for a healthy check
			}
			fmt.Fprintln(a.out, status)
			return &exitError{code: 1}
		},
	})
	return hc
}
