//go:build compose

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roost-containers/roost/compose"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
)

func newComposeUp(a *app, f *composeFlags) *cobra.Command {
	var o compose.UpOptions
	var detach, build, noBuild, abort bool
	var scale []string
	var exitFrom, pull string
	var timeout uint
	cmd := &cobra.Command{
		Use:   "up [options] [SERVICE...]",
		Short: "Create and start the services' containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if build {
				return errors.New("compose up --build: Roost cannot build images yet: build them elsewhere and name them in image:, or leave out --build")
			}
			var err error
			if o.Scale, err = parseScale(scale); err != nil {
				return err
			}
			if cmd.Flags().Changed("timeout") {
				o.Timeout = &timeout
			}
			if o.ForceRecreate && o.NoRecreate {
				return errors.New("--force-recreate and --no-recreate cannot be used together")
			}
			o.Services, o.Pull = args, pull
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			for svc := range o.Scale {
				if _, ok := c.Project.Services[svc]; !ok {
					return fmt.Errorf("invalid --scale: no such service: %s", svc)
				}
			}
			if detach {
				return c.Up(cmd.Context(), o)
			}
			return a.composeForeground(cmd, c, o, abort || exitFrom != "", exitFrom)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&detach, "detach", "d", false, "run in the background")
	fl.BoolVar(&build, "build", false, "build images first (not available yet)")
	fl.BoolVar(&noBuild, "no-build", false, "do not build images")
	fl.BoolVar(&o.ForceRecreate, "force-recreate", false, "recreate containers even if nothing changed")
	fl.BoolVar(&o.NoRecreate, "no-recreate", false, "keep existing containers even if their configuration changed")
	fl.BoolVar(&o.NoDeps, "no-deps", false, "do not start the services' dependencies")
	fl.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "remove containers of services not in the file")
	fl.StringArrayVar(&scale, "scale", nil, "SERVICE=NUMBER of containers (overrides deploy.replicas)")
	fl.BoolVar(&o.Wait, "wait", false, "wait until services run, and are healthy where they have a healthcheck")
	fl.BoolVar(&abort, "abort-on-container-exit", false, "stop every container when one exits")
	fl.StringVar(&exitFrom, "exit-code-from", "", "exit with this service's container's exit code (implies --abort-on-container-exit)")
	fl.BoolVarP(&o.RenewAnonVolumes, "renew-anon-volumes", "V", false, "recreate anonymous volumes instead of reusing them")
	fl.StringVar(&pull, "pull", "", "pull images: always, missing, never")
	fl.UintVarP(&timeout, "timeout", "t", 10, "seconds to wait for containers to stop when recreating")
	return cmd
}

// composeForeground is `up` without -d: start, stream every container's
// logs with a prefix, and stop the project on Ctrl-C (or when a container
// exits, with --abort-on-container-exit).
func (a *app) composeForeground(cmd *cobra.Command, c *compose.Compose, o compose.UpOptions, abort bool, exitFrom string) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.Up(ctx, o); err != nil {
		return err
	}
	list, err := c.Containers(cmd.Context(), true, false)
	if err != nil {
		return err
	}
	follow, cancel := context.WithCancel(ctx)
	defer cancel()
	exited := make(chan container.Container, len(list))
	var wg sync.WaitGroup
	out := &lockedWriter{w: a.out}
	width := prefixWidth(list)
	colour := term.IsTerminal(int(os.Stdout.Fd()))
	for i, ct := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo := container.LogOptions{Follow: true, Tail: -1, Prefix: logPrefix(ct.Name, width, i, colour)}
			_ = c.Engine.Logs(follow, ct.ID, lo, out, out)
			if follow.Err() == nil {
				exited <- ct
			}
		}()
	}
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	code := 0
	select {
	case <-all:
	case <-ctx.Done():
		fmt.Fprintln(a.errOut, "Gracefully stopping... (press Ctrl+C again to force)")
	case ct := <-exited:
		if abort {
			fmt.Fprintf(a.errOut, "%s exited: aborting\n", ct.Name)
		} else {
			<-all
		}
	}
	cancel()
	if exitFrom != "" {
		code = a.exitCodeOf(c, exitFrom)
	}
	stopCtx, stopNow := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stopNow()
	if err := c.Do(stopCtx, compose.ActStop, compose.ActionOptions{Timeout: o.Timeout}); err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

func (a *app) exitCodeOf(c *compose.Compose, service string) int {
	list, err := c.ServiceContainers(context.Background(), service)
	if err != nil || len(list) == 0 {
		return 125
	}
	cur, err := c.Engine.Get(list[0].ID)
	if err != nil {
		return 125
	}
	return cur.State.ExitCode
}

// lockedWriter keeps each line of several containers whole.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func prefixWidth(list []container.Container) int {
	w := 0
	for _, ct := range list {
		if len(ct.Name) > w {
			w = len(ct.Name)
		}
	}
	return w
}

// logPrefix is "name  | ", coloured on a terminal as Docker Compose does.
func logPrefix(name string, width, i int, colour bool) string {
	p := fmt.Sprintf("%-*s | ", width, name)
	if !colour {
		return p
	}
	colours := []int{36, 33, 32, 35, 34, 96, 93, 92, 95, 94}
	return fmt.Sprintf("\x1b[%dm%s\x1b[0m", colours[i%len(colours)], p)
}

func newComposeDown(a *app, f *composeFlags) *cobra.Command {
	var o compose.DownOptions
	var timeout uint
	var rmi string
	cmd := &cobra.Command{
		Use:   "down [options]",
		Short: "Stop and remove the project's containers and networks (and volumes with -v)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("timeout") {
				o.Timeout = &timeout
			}
			if rmi != "" && rmi != "all" && rmi != "local" {
				return fmt.Errorf("invalid --rmi %q: use all or local", rmi)
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			if err := c.Down(cmd.Context(), o); err != nil {
				return err
			}
			if rmi != "" {
				return a.composeRemoveImages(cmd, c, rmi)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&o.Volumes, "volumes", "v", false, "remove the project's named volumes and anonymous volumes")
	cmd.Flags().BoolVar(&o.RemoveOrphans, "remove-orphans", false, "remove containers of services not in the file")
	cmd.Flags().UintVarP(&timeout, "timeout", "t", 10, "seconds to wait for containers to stop")
	cmd.Flags().StringVar(&rmi, "rmi", "", "remove images: all (every service's), local (those without a custom tag)")
	return cmd
}

// composeRemoveImages is down --rmi: images used by the services.
func (a *app) composeRemoveImages(cmd *cobra.Command, c *compose.Compose, mode string) error {
	store, err := a.Store()
	if err != nil {
		return err
	}
	for _, name := range c.Project.ServiceNames() {
		s := c.Project.Services[name]
		if s.Image == "" || mode == "local" {
			continue // local: only images without a custom tag, i.e. built ones (none yet)
		}
		img, _, err := image.Find(store, s.Image)
		if err != nil {
			continue
		}
		if _, err := store.DeleteImage(img.ID, true); err == nil {
			fmt.Fprintf(a.errOut, " Image %s  Removed\n", s.Image)
		}
	}
	return nil
}

// composePsRow is one line of `compose ps`, in Docker Compose's columns.
type composePsRow struct {
	ID, Name, Image, Command, Service, Project, State, Status, Health, Ports string
	Created                                                                  string
	ExitCode                                                                 int
	Labels                                                                   map[string]string
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
				all = true
			}
			c, want, err := a.composeServices(cmd, f, args)
			if err != nil {
				return err
			}
			list, err := c.Containers(cmd.Context(), all, false)
			if err != nil {
				return err
			}
			rows := composeRows(list, want, status)
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
	fl.StringArrayVar(&filters, "filter", nil, "filter: status=created|running|paused|exited")
	return cmd
}

func composeRows(list []container.Container, services []string, status string) []composePsRow {
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	now := time.Now()
	var rows []composePsRow
	for _, ct := range list {
		if !want[ct.Labels[compose.LabelService]] {
			continue
		}
		st := string(ct.State.Status)
		if ct.Paused() {
			st = "paused"
		}
		if status != "" && st != status {
			continue
		}
		cmdline := strings.Join(ct.Command, " ")
		if len(cmdline) > 20 {
			cmdline = cmdline[:17] + "..."
		}
		rows = append(rows, composePsRow{
			ID: ct.ID[:12], Name: ct.Name, Image: ct.ImageName, Command: `"` + cmdline + `"`,
			Service: ct.Labels[compose.LabelService], Project: ct.Labels[compose.LabelProject],
			State: st, Status: container.StatusText(ct, now), Health: ct.State.Health, Ports: portsText(ct.Ports),
			Created: image.HumanAgo(ct.Created, now), ExitCode: ct.State.ExitCode, Labels: ct.Labels,
		})
	}
	return rows
}

func portsText(ports []container.PortMapping) string {
	var parts []string
	for _, p := range ports {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		parts = append(parts, fmt.Sprintf("%s:%d->%d/%s", ip, p.HostPort, p.ContainerPort, p.Protocol))
	}
	return strings.Join(parts, ", ")
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
			c, want, err := a.composeServices(cmd, f, args)
			if err != nil {
				return err
			}
			list, err := c.Containers(cmd.Context(), true, false)
			if err != nil {
				return err
			}
			var sel []container.Container
			for _, ct := range list {
				for _, w := range want {
					if ct.Labels[compose.LabelService] == w {
						sel = append(sel, ct)
					}
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := &lockedWriter{w: a.out}
			width := prefixWidth(sel)
			colour := term.IsTerminal(int(os.Stdout.Fd()))
			var wg sync.WaitGroup
			errs := make(chan error, len(sel))
			for i, ct := range sel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					lo := container.LogOptions{Follow: follow, Tail: n, Timestamps: timestamps}
					if !noPrefix {
						lo.Prefix = logPrefix(ct.Name, width, i, colour)
					}
					if err := c.Engine.Logs(ctx, ct.ID, lo, out, out); err != nil && ctx.Err() == nil {
						errs <- fmt.Errorf("%s: %w", ct.Name, err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			return <-errs
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep streaming new output")
	fl.BoolVarP(&timestamps, "timestamps", "t", false, "show timestamps")
	fl.BoolVar(&noPrefix, "no-log-prefix", false, "do not prefix lines with the container's name")
	fl.StringVarP(&tail, "tail", "n", "all", "lines from the end of each container's log")
	return cmd
}
