package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/state"
)

// eachContainer applies fn to every named container, printing what fn
// returns; it goes on after an error and returns the first one.
func (a *app) eachContainer(refs []string, fn func(ref string) (string, error)) error {
	var first error
	for _, ref := range refs {
		out, err := fn(ref)
		if err != nil {
			if first == nil {
				first = err
			} else {
				fmt.Fprintln(a.errOut, "Error: "+oneLine(err.Error()))
			}
			continue
		}
		if out != "" {
			fmt.Fprintln(a.out, out)
		}
	}
	return first
}

// targets returns the engine and the containers a command acts on: the refs
// given, or with --all every container (every running one if running).
func (a *app) targets(cmd *cobra.Command, all bool, args []string, running bool) (*container.Engine, []string, error) {
	if !all && len(args) == 0 {
		return nil, nil, fmt.Errorf("%s needs at least one container name or id (or --all)", cmd.CommandPath())
	}
	if all && len(args) > 0 {
		return nil, nil, errors.New("--all cannot be given with container names")
	}
	eng, err := a.Engine()
	if err != nil || !all {
		return eng, args, err
	}
	list, err := eng.List(cmd.Context(), container.ListOptions{All: !running})
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return eng, ids, nil
}

// pickFlags choose the containers of start, stop, kill, restart and rm, as
// Podman's flags do.
type pickFlags struct {
	all, latest, ignore bool
	filters, cidfiles   []string
}

// pickSpec says which selection flags a command has, and their short
// forms (start's -a is --attach, rm's -f is --force).
type pickSpec struct {
	allHelp, allShort string
	filter            bool
	filterShort       string
	cidfile, ignore   bool
}

// register adds --all and --latest, and --filter, --cidfile and --ignore
// for the commands that have them.
func (p *pickFlags) register(cmd *cobra.Command, s pickSpec) {
	fl := cmd.Flags()
	fl.BoolVarP(&p.all, "all", s.allShort, false, s.allHelp)
	fl.BoolVarP(&p.latest, "latest", "l", false, "act on the latest container created")
	if s.filter {
		fl.StringSliceVarP(&p.filters, "filter", s.filterShort, nil, "act on the containers matching KEY=VALUE (ps's keys, and restart-policy)")
	}
	if s.cidfile {
		stringArray(fl, &p.cidfiles, "cidfile", nil, "read the container id from a file (repeatable)")
	}
	if s.ignore {
		fl.BoolVarP(&p.ignore, "ignore", "i", false, "ignore names that match no container")
	}
}

// check refuses combinations as Podman's commands do, with its words.
func (p *pickFlags) check(cmd *cobra.Command, args []string) error {
	switch {
	case cmd.Flags().Changed("filter") && len(args) > 0 && cmd.Name() != "start":
		return errors.New("--filter takes no arguments")
	case cmd.Flags().Changed("filter"):
		return nil
	case len(p.cidfiles) > 0 && (p.all || p.latest):
		return errors.New("--all, --latest, and --cidfile cannot be used together")
	case p.all && p.latest:
		return errors.New("--all and --latest cannot be used together")
	case len(args) > 0 && p.all:
		return errors.New("no arguments are needed with --all")
	case len(args) > 0 && p.latest:
		return errors.New("--latest and containers cannot be used together")
	case len(args) == 0 && !p.all && !p.latest && len(p.cidfiles) == 0:
		return errors.New("you must provide at least one name or id")
	}
	return nil
}

func (p *pickFlags) selection(args []string) container.Selection {
	return container.Selection{Refs: args, All: p.all, Latest: p.latest, Filters: p.filters, CIDFiles: p.cidfiles, Ignore: p.ignore}
}

// pick resolves the selection: the engine and the containers to act on.
func (a *app) pick(cmd *cobra.Command, p *pickFlags, args []string) (*container.Engine, []container.Target, error) {
	eng, err := a.Engine()
	if err != nil {
		return nil, nil, err
	}
	targets, err := eng.Select(cmd.Context(), p.selection(args))
	return eng, targets, err
}

// eachTarget applies fn to every target in turn and reports as report does.
func (a *app) eachTarget(targets []container.Target, fn func(t container.Target) (bool, error)) error {
	outcomes := make([]container.Outcome, 0, len(targets))
	for _, t := range targets {
		done, err := fn(t)
		outcomes = append(outcomes, container.Outcome{Target: t, Done: done, Err: err})
	}
	return a.report(outcomes)
}

// batchTargets applies fn to the targets several at once (container.Batch):
// for operations that are mostly waiting and independent of each other.
func (a *app) batchTargets(targets []container.Target, fn func(t container.Target) (bool, error)) error {
	return a.report(container.Batch(targets, fn))
}

// report prints what each target's input names for each success, in
// target order; it prints every error but the last and returns that one,
// as Podman does.
func (a *app) report(outcomes []container.Outcome) error {
	var last error
	for _, o := range outcomes {
		if o.Err != nil {
			if last != nil {
				fmt.Fprintln(a.errOut, "Error: "+oneLine(last.Error()))
			}
			last = o.Err
			continue
		}
		if o.Done {
			fmt.Fprintln(a.out, o.Target.Input)
		}
	}
	return last
}

// timeoutAlias accepts Podman's old --timeout for --time.
func timeoutAlias(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "timeout" {
		name = "time"
	}
	return pflag.NormalizedName(name)
}

// changedTime is --time's value when the user gave it, else nil.
func changedTime(cmd *cobra.Command, v *uint) *uint {
	if cmd.Flags().Changed("time") {
		return v
	}
	return nil
}

func newStartCommand(a *app) *cobra.Command {
	var p pickFlags
	var attach, interactive, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "start [options] CONTAINER [CONTAINER...]",
		Short: "Start one or more containers",
		Args: func(cmd *cobra.Command, args []string) error {
			return checkStart(&p, attach, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("sig-proxy") && sigProxy && !attach {
				return errors.New("you cannot use sig-proxy without --attach: invalid argument")
			}
			eng, targets, err := a.pick(cmd, &p, args)
			if err != nil {
				return err
			}
			if attach {
				if len(targets) == 0 {
					return nil
				}
				c, err := eng.Get(targets[0].ID)
				if err != nil {
					return err
				}
				proxy := sigProxy || !cmd.Flags().Changed("sig-proxy")
				return a.session(cmd.Context(), c.ID, false, interactive, c.Run.Terminal, runMode{sigProxy: proxy, detachKeys: detachKeys})
			}
			return a.eachTarget(targets, func(t container.Target) (bool, error) {
				started, err := eng.StartStopped(cmd.Context(), t.ID)
				if err != nil {
					return false, fmt.Errorf("unable to start container %q: %w", t.ID, err)
				}
				return started, nil
			})
		},
	}
	p.register(cmd, pickSpec{allHelp: "start every container that is not running", filter: true, filterShort: "f"})
	fl := cmd.Flags()
	fl.BoolVarP(&attach, "attach", "a", false, "attach to the container's output")
	fl.BoolVarP(&interactive, "interactive", "i", false, "attach stdin too")
	fl.BoolVar(&sigProxy, "sig-proxy", false, "forward signals to the container (default with --attach)")
	fl.StringVar(&detachKeys, "detach-keys", monitor.DefaultDetachKeys, "keys that detach from the container")
	return cmd
}

// checkStart is Podman's start argument check, in its words.
func checkStart(p *pickFlags, attach bool, args []string) error {
	switch {
	case len(args) == 0 && !p.latest && !p.all && len(p.filters) == 0:
		return errors.New("start requires at least one argument")
	case p.all && p.latest:
		return errors.New("--all and --latest cannot be used together")
	case len(args) > 0 && p.latest:
		return errors.New("--latest and containers cannot be used together")
	case len(args) > 1 && attach:
		return errors.New("you cannot start and attach multiple containers at once")
	case (len(args) > 0 || p.latest) && p.all:
		return errors.New("either start all containers or the container(s) provided in the arguments")
	case attach && p.all:
		return errors.New("you cannot start and attach all containers at once")
	}
	return nil
}

func newStopCommand(a *app) *cobra.Command {
	var p pickFlags
	var timeout uint
	cmd := &cobra.Command{
		Use:   "stop [options] CONTAINER [CONTAINER...]",
		Short: "Stop one or more containers",
		Args:  func(cmd *cobra.Command, args []string) error { return p.check(cmd, args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, targets, err := a.pick(cmd, &p, args)
			if err != nil {
				return err
			}
			o := container.StopOptions{Timeout: changedTime(cmd, &timeout)}
			return a.batchTargets(targets, func(t container.Target) (bool, error) {
				r, err := eng.StopWith(cmd.Context(), t.ID, o)
				if err != nil {
					return false, err
				}
				a.warn(r.Warnings)
				return true, nil
			})
		},
	}
	p.register(cmd, pickSpec{allHelp: "stop every container", allShort: "a", filter: true, filterShort: "f", cidfile: true, ignore: true})
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait before killing (default: the container's --stop-timeout)")
	cmd.Flags().SetNormalizeFunc(timeoutAlias)
	return cmd
}

// warn prints an engine's warnings, as Podman prints its own.
func (a *app) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(a.errOut, "WARNING: "+w)
	}
}

func newKillCommand(a *app) *cobra.Command {
	var p pickFlags
	var sig string
	cmd := &cobra.Command{
		Use:   "kill [options] CONTAINER [CONTAINER...]",
		Short: "Send a signal to one or more containers",
		Args:  func(cmd *cobra.Command, args []string) error { return p.check(cmd, args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := container.ParseKillSignal(sig)
			if err != nil {
				return err
			}
			eng, targets, err := a.pick(cmd, &p, args)
			if err != nil {
				return err
			}
			return a.batchTargets(targets, func(t container.Target) (bool, error) {
				_, err := eng.Kill(cmd.Context(), t.ID, s)
				if p.all && errors.Is(err, container.ErrNotRunning) {
					return false, nil // --all signals the running ones
				}
				return err == nil, err
			})
		},
	}
	p.register(cmd, pickSpec{allHelp: "signal every running container", allShort: "a", cidfile: true})
	cmd.Flags().StringVarP(&sig, "signal", "s", "KILL", "signal to send: a name (KILL, SIGHUP, usr1) or a number")
	return cmd
}

func newRestartCommand(a *app) *cobra.Command {
	var p pickFlags
	var running bool
	var timeout uint
	cmd := &cobra.Command{
		Use:   "restart [options] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Args: func(cmd *cobra.Command, args []string) error {
			if running {
				return nil
			}
			return p.check(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, targets, err := a.pick(cmd, &p, args)
			if running {
				targets, err = a.runningTargets(cmd, eng, err)
			}
			if err != nil {
				return err
			}
			o := container.StopOptions{Timeout: changedTime(cmd, &timeout)}
			return a.eachTarget(targets, func(t container.Target) (bool, error) {
				r, err := eng.Restart(cmd.Context(), t.ID, o)
				if err != nil {
					return false, startExit(err)
				}
				a.warn(r.Warnings)
				return true, nil
			})
		},
	}
	p.register(cmd, pickSpec{allHelp: "restart every container", allShort: "a", filter: true, filterShort: "f", cidfile: true})
	cmd.Flags().BoolVar(&running, "running", false, "restart the running containers only")
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait before killing (default: the container's --stop-timeout)")
	cmd.Flags().SetNormalizeFunc(timeoutAlias)
	return cmd
}

// runningTargets is restart --running: every running container, by id.
func (a *app) runningTargets(cmd *cobra.Command, eng *container.Engine, err error) ([]container.Target, error) {
	if eng == nil {
		return nil, err
	}
	list, err := eng.List(cmd.Context(), container.ListOptions{})
	if err != nil {
		return nil, err
	}
	targets := make([]container.Target, 0, len(list))
	for _, c := range list {
		targets = append(targets, container.Target{ID: c.ID, Input: c.ID})
	}
	return targets, nil
}

func newRmCommand(a *app) *cobra.Command {
	var p pickFlags
	var force, volumes, depend bool
	var timeout uint
	cmd := &cobra.Command{
		Use:   "rm [options] CONTAINER [CONTAINER...]",
		Short: "Remove one or more containers",
		Args:  func(cmd *cobra.Command, args []string) error { return p.check(cmd, args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			o := container.RemoveOptions{Force: force, Volumes: volumes}
			if cmd.Flags().Changed("time") {
				if !force {
					return errors.New("--force option must be specified to use the --time option")
				}
				o.Timeout = &timeout
			}
			sel := p.selection(args)
			sel.Ignore = sel.Ignore || force // Podman: rm -f of a missing container is not an error
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			targets, err := eng.Select(cmd.Context(), sel)
			if err != nil {
				return rmExit(err)
			}
			return rmExit(a.removeTargets(cmd, eng, targets, o, depend || p.all))
		},
	}
	p.register(cmd, pickSpec{allHelp: "remove every container", allShort: "a", filter: true, cidfile: true, ignore: true})
	fl := cmd.Flags()
	fl.BoolVarP(&force, "force", "f", false, "stop running containers first")
	fl.BoolVarP(&volumes, "volumes", "v", false, "remove anonymous volumes too")
	fl.BoolVar(&depend, "depend", false, "remove dependent containers too")
	fl.UintVarP(&timeout, "time", "t", 10, "with --force, seconds to wait for the stop signal before killing (default: kill at once)")
	return cmd
}

// removeTargets removes the targets, printing what it removed. The
// containers nothing hangs on go in one batch; then the anchors
// (container.Anchors: those others depend on, pod infra containers) one by
// one in the order given, with depend (and for rm -a) each after its
// dependents, so that `rm top base` still removes base after top.
func (a *app) removeTargets(cmd *cobra.Command, eng *container.Engine, targets []container.Target, o container.RemoveOptions, depend bool) error {
	removeOne := func(t container.Target) (bool, error) {
		_, err := eng.Remove(cmd.Context(), t.ID, o)
		if errors.Is(err, state.ErrNotFound) && o.Force {
			return false, nil // gone meanwhile: what rm -f wanted
		}
		return err == nil, err
	}
	anchors, err := eng.Anchors()
	if err != nil {
		return err
	}
	var loose, anchored []container.Target
	for _, t := range targets {
		if anchors[t.ID] {
			anchored = append(anchored, t)
		} else {
			loose = append(loose, t)
		}
	}
	outcomes := container.Batch(loose, removeOne)
	removed := map[string]bool{}
	for _, t := range anchored {
		if removed[t.ID] {
			continue
		}
		if !depend {
			done, err := removeOne(t)
			outcomes = append(outcomes, container.Outcome{Target: t, Done: done, Err: err})
			continue
		}
		ids, err := a.Core().RemoveContainerDepend(cmd.Context(), t.ID, o)
		for _, id := range ids {
			removed[id] = true
			if id != t.ID {
				outcomes = append(outcomes, container.Outcome{Target: container.Target{ID: id, Input: id}, Done: true})
			}
		}
		outcomes = append(outcomes, container.Outcome{Target: t, Done: removed[t.ID], Err: err})
	}
	return a.report(outcomes)
}

// rmExit gives rm Podman's exit codes: 1 when a container does not exist,
// 2 when one is in the wrong state (running, without --force), else 125.
func rmExit(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, state.ErrNotFound):
		return &exitError{code: 1, err: err}
	case errors.Is(err, container.ErrStateImproper):
		return &exitError{code: 2, err: err}
	}
	return err
}

func newWaitCommand(a *app) *cobra.Command {
	var conditions []string
	cmd := &cobra.Command{
		Use:   "wait [options] CONTAINER [CONTAINER...]",
		Short: "Wait for containers to exit and print their exit codes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, c := range conditions {
				if c != "stopped" && c != "exited" {
					return fmt.Errorf("invalid --condition %q: this version waits for stopped or exited", c)
				}
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			return a.eachContainer(args, func(ref string) (string, error) {
				code, err := eng.Wait(cmd.Context(), ref)
				return strconv.Itoa(code), err
			})
		},
	}
	stringArray(cmd.Flags(), &conditions, "condition", nil, "state to wait for: stopped, exited")
	return cmd
}

func newLogsCommand(a *app) *cobra.Command {
	var o container.LogOptions
	var since, until string
	var names bool
	cmd := &cobra.Command{
		Use:   "logs [options] CONTAINER [CONTAINER...]",
		Short: "Show a container's output",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := logWindow(&o, since, until); err != nil {
				return err
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			srcs := make([]container.LogSource, len(args))
			for i, ref := range args {
				srcs[i].Ref = ref
				if len(args) > 1 {
					c, err := eng.Get(ref)
					if err != nil {
						return err
					}
					srcs[i].Prefix = linePrefix(c, names)
				}
			}
			return eng.LogsMany(cmd.Context(), srcs, o, a.out, a.errOut)
		},
	}
	cmd.Flags().BoolVarP(&o.Follow, "follow", "f", false, "keep printing new output")
	cmd.Flags().BoolVarP(&o.Timestamps, "timestamps", "t", false, "show timestamps")
	cmd.Flags().IntVarP(&o.Tail, "tail", "n", -1, "number of lines from the end (-1: all)")
	cmd.Flags().StringVar(&since, "since", "", "show output since a time (RFC 3339, unix seconds, or a duration like 10m)")
	cmd.Flags().StringVar(&until, "until", "", "show output until a time")
	cmd.Flags().BoolVar(&names, "names", false, "with several containers, prefix lines with the name instead of the id")
	return cmd
}

// logWindow reads --since and --until into o.
func logWindow(o *container.LogOptions, since, until string) error {
	var err error
	if o.Since, err = parseTime(since, "--since"); err != nil {
		return err
	}
	o.Until, err = parseTime(until, "--until")
	return err
}

// linePrefix is Podman's prefix of a container's lines when several are
// shown: the short id, or the name with --names.
func linePrefix(c *container.Container, names bool) string {
	if names {
		return c.Name + " "
	}
	return c.ID[:12] + " "
}

// parseTime reads the times logs accepts: RFC 3339, unix seconds, or a
// duration before now.
func parseTime(s, flag string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(f*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("invalid %s %q: give an RFC 3339 time, unix seconds, or a duration such as 10m", flag, s)
}

func newAttachCommand(a *app) *cobra.Command {
	var noStdin, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "attach [options] CONTAINER",
		Short: "Attach to a running container's input and output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			c, err := eng.Get(args[0])
			if err != nil {
				return err
			}
			m := runMode{sigProxy: sigProxy, detachKeys: detachKeys}
			return a.attach(cmd.Context(), c.ID, !noStdin && c.Run.Stdin, c.Run.Terminal, m)
		},
	}
	cmd.Flags().BoolVar(&noStdin, "no-stdin", false, "do not attach stdin")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "forward signals to the container")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", monitor.DefaultDetachKeys, "keys that detach from the container")
	return cmd
}

func newContainerExistsCommand(a *app) *cobra.Command {
	var external bool
	cmd := &cobra.Command{
		Use:   "exists [options] CONTAINER",
		Short: "Exit 0 if the container exists, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			_, err = eng.Resolve(args[0])
			if errors.Is(err, state.ErrNotFound) && external {
				_, err = eng.ResolveExternal(args[0])
			}
			if errors.Is(err, state.ErrNotFound) {
				return &exitError{code: 1}
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&external, "external", false, "also look at containers in storage that Roost does not manage (Buildah's)")
	return cmd
}

// newCleanupCommand is what a monitor runs after its container's final exit.
func newCleanupCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:    "cleanup CONTAINER",
		Short:  "Record a container's exit and release its resources (run by the monitor)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			return eng.Cleanup(cmd.Context(), args[0])
		},
	}
}
