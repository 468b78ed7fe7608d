package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pods"
)

// podTargets returns the manager and the pods a command acts on: the refs
// given, or with --all every pod.
func (a *app) podTargets(cmd *cobra.Command, all bool, args []string) (*pods.Manager, []string, error) {
	if !all && len(args) == 0 {
		return nil, nil, fmt.Errorf("%s needs at least one pod name or id (or --all)", cmd.CommandPath())
	}
	if all && len(args) > 0 {
		return nil, nil, errors.New("--all cannot be given with pod names")
	}
	mgr, err := a.Pods()
	if err != nil || !all {
		return mgr, args, err
	}
	list, err := mgr.All()
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	return mgr, ids, nil
}

// podVerb makes a command that applies fn to each pod and prints its id.
func podVerb(a *app, use, short string, fn func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error), flags func(*cobra.Command)) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			fromFiles, err := podIDFiles(cmd)
			if err != nil {
				return err
			}
			mgr, refs, err := a.podTargets(cmd, all, append(args, fromFiles...))
			if err != nil {
				return err
			}
			return a.eachContainer(refs, func(ref string) (string, error) {
				p, err := fn(cmd, mgr, ref)
				if err != nil {
					return "", err
				}
				return p.ID, nil
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "act on every pod")
	if flags != nil {
		flags(cmd)
	}
	return cmd
}

// addPodIDFileFlag gives a command --pod-id-file (repeatable): pods named
// by the ids that `pod create --pod-id-file` wrote.
func addPodIDFileFlag(cmd *cobra.Command) {
	cmd.Flags().StringArray("pod-id-file", nil, "act on the pod whose id this file holds (repeatable)")
}

// podIDFiles reads the ids of --pod-id-file, when the command has it.
func podIDFiles(cmd *cobra.Command) ([]string, error) {
	if cmd.Flags().Lookup("pod-id-file") == nil {
		return nil, nil
	}
	files, err := cmd.Flags().GetStringArray("pod-id-file")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read --pod-id-file: %w", err)
		}
		id := strings.TrimSpace(string(b))
		if id == "" {
			return nil, fmt.Errorf("--pod-id-file %s holds no pod id", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func newPodStartCommand(a *app) *cobra.Command {
	return podVerb(a, "start [options] POD [POD...]", "Start a pod's containers, the infra first",
		func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error) {
			p, err := mgr.Start(cmd.Context(), ref)
			if err != nil {
				return nil, startExit(err)
			}
			return p, nil
		}, addPodIDFileFlag)
}

func newPodStopCommand(a *app) *cobra.Command {
	var timeout uint
	var ignore bool
	return podVerb(a, "stop [options] POD [POD...]", "Stop a pod's containers, the infra last",
		func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error) {
			p, err := mgr.Stop(cmd.Context(), ref, changedUint(cmd, "time", timeout))
			if errors.Is(err, state.ErrNotFound) && ignore {
				return &pods.Pod{}, nil
			}
			return p, err
		}, func(cmd *cobra.Command) {
			cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait for the stop signal before killing")
			cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore pods that do not exist")
			addPodIDFileFlag(cmd)
		})
}

func newPodRestartCommand(a *app) *cobra.Command {
	return podVerb(a, "restart [options] POD [POD...]", "Stop a pod and start it again",
		func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error) {
			return mgr.Restart(cmd.Context(), ref, nil)
		}, nil)
}

func newPodKillCommand(a *app) *cobra.Command {
	var sig string
	return podVerb(a, "kill [options] POD [POD...]", "Send a signal to a pod's running containers",
		func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error) {
			// Podman reads pod kill's signal as kill's: one parser.
			s, err := container.ParseKillSignal(sig)
			if err != nil {
				return nil, err
			}
			return mgr.Kill(cmd.Context(), ref, s)
		}, func(cmd *cobra.Command) {
			cmd.Flags().StringVarP(&sig, "signal", "s", "KILL", "signal to send")
		})
}

func newPodPauseCommand(a *app, pause bool) *cobra.Command {
	use, short := "pause [options] POD [POD...]", "Pause a pod's running containers (needs cgroups)"
	if !pause {
		use, short = "unpause [options] POD [POD...]", "Unpause a pod's paused containers"
	}
	return podVerb(a, use, short, func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error) {
		return mgr.Pause(cmd.Context(), ref, pause)
	}, nil)
}

func newPodRmCommand(a *app) *cobra.Command {
	var force, ignore bool
	var timeout uint
	return podVerb(a, "rm [options] POD [POD...]", "Remove a pod with its containers and network",
		func(cmd *cobra.Command, mgr *pods.Manager, ref string) (*pods.Pod, error) {
			o := pods.RemoveOptions{Force: force, Timeout: changedUint(cmd, "time", timeout)}
			id, err := mgr.Remove(cmd.Context(), ref, o)
			if errors.Is(err, state.ErrNotFound) && (force || ignore) {
				return &pods.Pod{}, nil
			}
			if errors.Is(err, state.ErrNotFound) {
				return nil, &exitError{code: 1, err: err} // Podman's code for no such pod
			}
			if err != nil {
				return nil, err
			}
			return &pods.Pod{ID: id}, nil
		}, func(cmd *cobra.Command) {
			cmd.Flags().BoolVarP(&force, "force", "f", false, "stop running containers first")
			cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore pods that do not exist")
			cmd.Flags().UintVarP(&timeout, "time", "t", 10, "with --force, seconds to wait for the stop signal before killing (default: kill at once)")
			addPodIDFileFlag(cmd)
		})
}

// changedUint is the flag's value when the user gave it, else nil.
func changedUint(cmd *cobra.Command, name string, v uint) *uint {
	if cmd.Flags().Changed(name) {
		return &v
	}
	return nil
}

func newPodExistsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exists POD",
		Short: "Exit 0 if the pod exists, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mgr, err := a.Pods()
			if err != nil {
				return err
			}
			if _, err := mgr.Resolve(args[0]); errors.Is(err, state.ErrNotFound) {
				return &exitError{code: 1}
			} else if err != nil {
				return err
			}
			return nil
		},
	}
}

func newPodPruneCommand(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove every pod with no running container",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mgr, err := a.Pods()
			if err != nil {
				return err
			}
			ids, err := mgr.Prune(cmd.Context())
			for _, id := range ids {
				fmt.Fprintln(a.out, id)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (Roost never asks)")
	return cmd
}
