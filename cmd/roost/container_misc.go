package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
)

func newRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NAME",
		Short: "Give a container a new name",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			_, err = eng.Rename(cmd.Context(), args[0], args[1])
			return err
		},
	}
}

func newPortCommand(a *app) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "port [options] CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List a container's published ports",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && len(args) > 0 {
				return errors.New("--all cannot be given with a container name")
			}
			if !all && len(args) == 0 {
				return errors.New("port needs a container name or id (or --all)")
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if all {
				return a.printAllPorts(cmd, eng)
			}
			return a.printPorts(eng, args)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "list the published ports of every running container")
	return cmd
}

// printPorts prints one container's mappings, or the host address of one
// private port (an error when it is not published).
func (a *app) printPorts(eng *container.Engine, args []string) error {
	var filter *container.PortFilter
	if len(args) == 2 {
		f, err := container.ParsePortFilter(args[1])
		if err != nil {
			return err
		}
		filter = &f
	}
	_, ports, err := eng.Ports(args[0])
	if err != nil {
		return err
	}
	for _, p := range ports {
		if filter == nil {
			fmt.Fprintln(a.out, p)
		} else if filter.Match(p) {
			fmt.Fprintln(a.out, p.HostAddr())
			return nil
		}
	}
	if filter != nil {
		return fmt.Errorf("failed to find published port %q", args[1]) // Podman's words
	}
	return nil
}

// printAllPorts prints each running container's id and its mappings.
func (a *app) printAllPorts(cmd *cobra.Command, eng *container.Engine) error {
	list, err := eng.List(cmd.Context(), container.ListOptions{})
	if err != nil {
		return err
	}
	for _, c := range list {
		if len(c.Ports) == 0 {
			continue
		}
		fmt.Fprintln(a.out, c.ID[:12])
		for _, p := range c.Ports {
			fmt.Fprintln(a.out, p)
		}
	}
	return nil
}

func newContainerPruneCommand(a *app) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove every container that is not running",
		Long:  "Remove every container that is not running (created or exited).\nWithout --force it asks first, reading the answer from standard input.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := container.ParsePruneFilters(filters)
			if err != nil {
				return err
			}
			if !force {
				ok, err := confirm(a, os.Stdin, "WARNING! This will remove all non-running containers.")
				if err != nil || !ok {
					return err
				}
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			ids, err := eng.Prune(cmd.Context(), f)
			for _, id := range ids {
				fmt.Fprintln(a.out, id)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	stringArray(cmd.Flags(), &filters, "filter", nil, "only prune containers matching: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE] (repeatable)")
	return cmd
}

// newPauseCommand makes pause (pause true) or unpause.
func newPauseCommand(a *app, pause bool) *cobra.Command {
	verb, short := "pause", "Pause the processes of one or more containers"
	if !pause {
		verb, short = "unpause", "Unpause the processes of one or more containers"
	}
	var all bool
	cmd := &cobra.Command{
		Use:   verb + " [options] CONTAINER [CONTAINER...]",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, refs, err := a.targets(cmd, all, args, true)
			if err != nil {
				return err
			}
			return a.eachContainer(refs, func(ref string) (string, error) {
				var err error
				if pause {
					_, err = eng.Pause(cmd.Context(), ref)
				} else {
					_, err = eng.Unpause(cmd.Context(), ref)
				}
				return ref, err
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, verb+" every running container")
	return cmd
}

func newPauseCmd(a *app) *cobra.Command   { return newPauseCommand(a, true) }
func newUnpauseCmd(a *app) *cobra.Command { return newPauseCommand(a, false) }

// statsRow is one line of stats, with Podman's field names for --format.
type statsRow struct {
	ID, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDS, CPU, AVGCPU string
	Stats                                                                   container.Stats `json:"-"`
}

var statsHeaders = map[string]string{
	"CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET IO",
	"BlockIO": "BLOCK IO", "CPU": "CPU TIME", "AVGCPU": "AVG CPU %",
}

const statsDefault = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.CPU}}\t{{.AVGCPU}}"

func newStatsRow(s container.Stats) statsRow {
	b := func(n uint64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
	return statsRow{
		ID: s.ContainerID[:12], Name: s.Name,
		CPUPerc: fmt.Sprintf("%.2f%%", s.CPU), AVGCPU: fmt.Sprintf("%.2f%%", s.AvgCPU),
		MemUsage: b(s.MemUsage) + " / " + b(s.MemLimit), MemPerc: fmt.Sprintf("%.2f%%", s.MemPerc),
		NetIO: b(s.NetInput) + " / " + b(s.NetOutput), BlockIO: b(s.BlockInput) + " / " + b(s.BlockOutput),
		PIDS: fmt.Sprint(s.PIDs), CPU: (time.Duration(s.CPUNano)).Round(time.Millisecond).String(),
		Stats: s,
	}
}

func newStatsCommand(a *app) *cobra.Command {
	var all, noStream, noTrunc bool
	var interval int
	var f string
	cmd := &cobra.Command{
		Use:   "stats [options] [CONTAINER...]",
		Short: "Show the resource use of running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			prev := map[string]container.Stats{}
			return a.statsLoop(cmd.Context(), interval, noStream, f, func() error {
				list, err := eng.Stats(cmd.Context(), args, prev)
				if err != nil {
					return err
				}
				for _, s := range list {
					prev[s.ContainerID] = s
				}
				return a.printStats(list, f)
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show every running container (the default without names)")
	fl.BoolVar(&noStream, "no-stream", false, "print one sample and exit")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate output")
	fl.IntVarP(&interval, "interval", "i", 5, "seconds between samples")
	fl.StringVar(&f, "format", "", "json, or a Go template (table ...)")
	return cmd
}

// statsLoop prints a sample (sample prints it), then, unless noStream,
// another every interval seconds until the command is interrupted; on a
// terminal each replaces the last, as Podman's do.
func (a *app) statsLoop(ctx context.Context, interval int, noStream bool, f string, sample func() error) error {
	if interval < 1 {
		return fmt.Errorf("invalid --interval %d: give a number of seconds, at least 1", interval)
	}
	clear := !noStream && term.IsTerminal(int(os.Stdout.Fd())) && !format.IsJSON(f)
	for {
		if clear {
			fmt.Fprint(a.out, "\033[H\033[2J")
		}
		if err := sample(); err != nil {
			return err
		}
		if noStream {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(interval) * time.Second):
		}
	}
}

func (a *app) printStats(list []container.Stats, f string) error {
	if format.IsJSON(f) {
		if list == nil {
			list = []container.Stats{}
		}
		return format.JSON(a.out, list)
	}
	rows := make([]statsRow, 0, len(list))
	for _, s := range list {
		rows = append(rows, newStatsRow(s))
	}
	return format.List(a.out, f, statsDefault, statsHeaders, rows, false)
}
