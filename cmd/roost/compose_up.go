//go:build compose

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/compose"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
)

func newComposeUp(a *app, f *composeFlags) *cobra.Command {
	var o compose.ForegroundOptions
	var detach bool
	var scale []string
	var pull string
	var timeout uint
	cmd := &cobra.Command{
		Use:   "up [options] [SERVICE...]",
		Short: "Create and start the services' containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Scale, err = parseScale(scale); err != nil {
				return err
			}
			if cmd.Flags().Changed("timeout") {
				o.Timeout = &timeout
			}
			o.Services, o.Pull = args, pull
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			if detach {
				return composeBuildError(c.Up(cmd.Context(), o.UpOptions))
			}
			return composeForeground(cmd, c, o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&detach, "detach", "d", false, "run in the background")
	fl.BoolVar(&o.Build, "build", false, "build the images of services with build: first")
	fl.BoolVar(&o.NoBuild, "no-build", false, "do not build images, even missing ones")
	fl.BoolVar(&o.ForceRecreate, "force-recreate", false, "recreate containers even if nothing changed")
	fl.BoolVar(&o.NoRecreate, "no-recreate", false, "keep existing containers even if their configuration changed")
	fl.BoolVar(&o.NoDeps, "no-deps", false, "do not start the services' dependencies")
	fl.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "remove containers of services not in the file")
	stringArray(fl, &scale, "scale", nil, "SERVICE=NUMBER of containers (overrides deploy.replicas)")
	fl.BoolVar(&o.Wait, "wait", false, "wait until services run, and are healthy where they have a healthcheck")
	fl.BoolVar(&o.AbortOnExit, "abort-on-container-exit", false, "stop every container when one exits")
	fl.StringVar(&o.ExitCodeFrom, "exit-code-from", "", "exit with this service's container's exit code (implies --abort-on-container-exit)")
	fl.BoolVarP(&o.RenewAnonVolumes, "renew-anon-volumes", "V", false, "recreate anonymous volumes instead of reusing them")
	fl.StringVar(&pull, "pull", "", "pull images: always, missing, never")
	fl.UintVarP(&timeout, "timeout", "t", 10, "seconds to wait for containers to stop when recreating")
	return cmd
}

// composeForeground is `up` without -d: Ctrl-C (or SIGTERM) stops the
// project gracefully, a second Ctrl-C cuts the stop short; the exit code is
// --exit-code-from's.
func composeForeground(cmd *cobra.Command, c *compose.Compose, o compose.ForegroundOptions) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.StopContext = func() (context.Context, context.CancelFunc) {
		return signal.NotifyContext(context.Background(), os.Interrupt)
	}
	code, err := c.UpForeground(ctx, o)
	if err != nil {
		return composeBuildError(err)
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

func newComposeDown(a *app, f *composeFlags) *cobra.Command {
	var o compose.DownOptions
	var timeout uint
	cmd := &cobra.Command{
		Use:   "down [options]",
		Short: "Stop and remove the project's containers and networks (and volumes with -v)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("timeout") {
				o.Timeout = &timeout
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			return c.Down(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVarP(&o.Volumes, "volumes", "v", false, "remove the project's named volumes and anonymous volumes")
	cmd.Flags().BoolVar(&o.RemoveOrphans, "remove-orphans", false, "remove containers of services not in the file")
	cmd.Flags().UintVarP(&timeout, "timeout", "t", 10, "seconds to wait for containers to stop")
	cmd.Flags().StringVar(&o.RemoveImages, "rmi", "", "remove images: all (every service's), local (those without a custom tag)")
	return cmd
}

func newComposePs(a *app, f *composeFlags) *cobra.Command {
	var all, quiet, services bool
	var tmpl string
	var filters []string
	cmd := &cobra.Command{
		Use:   "ps [options] [SERVICE...]",
		Short: "List the project's containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			status := ""
			for _, fl := range filters {
				k, v, _ := strings.Cut(fl, "=")
				if k != "status" || !container.ValidStatus(v) {
					return fmt.Errorf("invalid --filter %q: use status=created|running|paused|exited", fl)
				}
				status = v
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			rows, err := c.Ps(cmd.Context(), compose.PsOptions{Services: args, All: all, Status: status})
			if err != nil {
				return err
			}
			switch {
			case quiet:
				for _, r := range rows {
					fmt.Fprintln(a.out, r.ID)
				}
				return nil
			case services:
				seen := map[string]bool{}
				for _, r := range rows {
					if !seen[r.Service] {
						seen[r.Service] = true
						fmt.Fprintln(a.out, r.Service)
					}
				}
				return nil
			}
			return format.List(a.out, tmpl, "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.Created}}\t{{.Status}}\t{{.Ports}}", nil, rows, false)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show stopped containers too")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only ids")
	fl.BoolVar(&services, "services", false, "print only service names")
	fl.StringVar(&tmpl, "format", "", "json, or a Go template (table ...)")
	stringArray(fl, &filters, "filter", nil, "filter: status=created|running|paused|exited")
	return cmd
}

func newComposeLogs(a *app, f *composeFlags) *cobra.Command {
	var follow, timestamps, noPrefix bool
	var tail string
	cmd := &cobra.Command{
		Use:   "logs [options] [SERVICE...]",
		Short: "Show the output of the project's containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			n := -1
			if tail != "all" {
				if _, err := fmt.Sscanf(tail, "%d", &n); err != nil || n < 0 {
					return fmt.Errorf("invalid --tail %q: give a number of lines or all", tail)
				}
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			printer := a.newComposePrinter()
			printer.noPrefix = noPrefix
			c.Report = printer.print
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return c.Logs(ctx, compose.LogsOptions{Services: args, Follow: follow, Tail: n, Timestamps: timestamps})
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep streaming new output")
	fl.BoolVarP(&timestamps, "timestamps", "t", false, "show timestamps")
	fl.BoolVar(&noPrefix, "no-log-prefix", false, "do not prefix lines with the container's name")
	fl.StringVarP(&tail, "tail", "n", "all", "lines from the end of each container's log")
	return cmd
}
