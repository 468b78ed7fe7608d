package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
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

func newStartCommand(a *app) *cobra.Command {
	var attach, interactive bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "start [options] CONTAINER [CONTAINER...]",
		Short: "Start one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if attach {
				if len(args) != 1 {
					return errors.New("--attach takes exactly one container")
				}
				c, err := eng.Get(args[0])
				if err != nil {
					return err
				}
				return a.session(cmd.Context(), c.ID, false, interactive, c.Run.Terminal, runMode{sigProxy: true, detachKeys: detachKeys})
			}
			return a.eachContainer(args, func(ref string) (string, error) {
				if _, err := eng.Start(cmd.Context(), ref, container.StartOptions{}); err != nil {
					return "", startExit(err)
				}
				return ref, nil
			})
		},
	}
	cmd.Flags().BoolVarP(&attach, "attach", "a", false, "attach to the container's output")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "attach stdin too")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", monitor.DefaultDetachKeys, "keys that detach from the container")
	return cmd
}

func newStopCommand(a *app) *cobra.Command {
	var all bool
	var timeout uint
	cmd := &cobra.Command{
		Use:   "stop [options] CONTAINER [CONTAINER...]",
		Short: "Stop one or more containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, refs, err := a.targets(cmd, all, args, true)
			if err != nil {
				return err
			}
			var t *uint
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			return a.eachContainer(refs, func(ref string) (string, error) {
				_, err := eng.Stop(cmd.Context(), ref, t)
				return ref, err
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "stop every running container")
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait before killing")
	return cmd
}

func newKillCommand(a *app) *cobra.Command {
	var all bool
	var sig string
	cmd := &cobra.Command{
		Use:   "kill [options] CONTAINER [CONTAINER...]",
		Short: "Send a signal to one or more containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := spec.ParseSignal(sig)
			if err != nil {
				return fmt.Errorf("--signal: %w", err)
			}
			eng, refs, err := a.targets(cmd, all, args, true)
			if err != nil {
				return err
			}
			return a.eachContainer(refs, func(ref string) (string, error) {
				_, err := eng.Kill(cmd.Context(), ref, s)
				return ref, err
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "signal every running container")
	cmd.Flags().StringVarP(&sig, "signal", "s", "KILL", "signal to send")
	return cmd
}

func newRestartCommand(a *app) *cobra.Command {
	var timeout uint
	cmd := &cobra.Command{
		Use:   "restart [options] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			var t *uint
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			return a.eachContainer(args, func(ref string) (string, error) {
				if _, err := eng.Stop(cmd.Context(), ref, t); err != nil {
					return "", err
				}
				c, err := eng.Start(cmd.Context(), ref, container.StartOptions{})
				if err != nil {
					return "", startExit(err)
				}
				return c.ID, nil
			})
		},
	}
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait before killing")
	return cmd
}

func newRmCommand(a *app) *cobra.Command {
	var all, force, volumes, depend, ignore bool
	var timeout uint
	cmd := &cobra.Command{
		Use:   "rm [options] CONTAINER [CONTAINER...]",
		Short: "Remove one or more containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, refs, err := a.targets(cmd, all, args, false)
			if err != nil {
				return err
			}
			o := container.RemoveOptions{Force: force, Volumes: volumes}
			if cmd.Flags().Changed("time") {
				o.Timeout = &timeout
			}
			return a.eachContainer(refs, func(ref string) (string, error) {
				ids, err := removeContainer(cmd, eng, ref, o, depend)
				if errors.Is(err, state.ErrNotFound) && (force || ignore) {
					return "", nil // Podman: rm -f or -i of a missing container is not an error
				}
				return strings.Join(ids, "\n"), err
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove every container")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "stop running containers first")
	cmd.Flags().BoolVarP(&volumes, "volumes", "v", false, "remove anonymous volumes too")
	cmd.Flags().BoolVar(&depend, "depend", false, "remove dependent containers too")
	cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore containers that do not exist")
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "with --force, seconds to wait for the stop signal before killing (default: kill at once)")
	return cmd
}

// removeContainer removes one container, with --depend those depending on
// it first, and returns the ids removed.
func removeContainer(cmd *cobra.Command, eng *container.Engine, ref string, o container.RemoveOptions, depend bool) ([]string, error) {
	if depend {
		return eng.RemoveDepend(cmd.Context(), ref, o)
	}
	id, err := eng.Remove(cmd.Context(), ref, o)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
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
	cmd.Flags().StringArrayVar(&conditions, "condition", nil, "state to wait for: stopped, exited")
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
			for _, ref := range args {
				lo := o
				if len(args) > 1 {
					c, err := eng.Get(ref)
					if err != nil {
						return err
					}
					lo.Prefix = linePrefix(c, names)
				}
				if err := eng.Logs(cmd.Context(), ref, lo, a.out, a.errOut); err != nil {
					return err
				}
			}
			return nil
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
	return &cobra.Command{
		Use:   "exists CONTAINER",
		Short: "Exit 0 if the container exists, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if _, err := eng.Resolve(args[0]); errors.Is(err, state.ErrNotFound) {
				return &exitError{code: 1}
			} else if err != nil {
				return err
			}
			return nil
		},
	}
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
