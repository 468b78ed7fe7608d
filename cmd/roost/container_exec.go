package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
)

type execFlags struct {
	interactive, tty, detach, privileged, latest bool
	env, envFiles                                []string
	workdir, user, detachKeys                    string
}

func newExecCommand(a *app) *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec [options] CONTAINER COMMAND [ARG...]",
		Short: "Run a process in a running container",
		Long: "Run a process in a running container. It exits with the process's exit code; " +
			"with -d it prints nothing and returns once the process runs.",
		RunE: func(cmd *cobra.Command, args []string) error { return a.exec(cmd, &f, args) },
	}
	// Flags after the container belong to the command.
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.BoolVarP(&f.interactive, "interactive", "i", false, "keep stdin open to the process")
	fl.BoolVarP(&f.tty, "tty", "t", false, "give the process a pseudo-terminal")
	fl.BoolVarP(&f.detach, "detach", "d", false, "run the process in the background")
	fl.BoolVar(&f.privileged, "privileged", false, "give the process every capability")
	fl.BoolVarP(&f.latest, "latest", "l", false, "act on the latest container created")
	stringArrayP(fl, &f.env, "env", "e", nil, "set environment variables (KEY=VALUE, or KEY to copy yours)")
	stringArray(fl, &f.envFiles, "env-file", nil, "read environment variables from a file")
	fl.StringVarP(&f.workdir, "workdir", "w", "", "working directory inside the container")
	fl.StringVarP(&f.user, "user", "u", "", "user[:group], by name or number")
	fl.StringVar(&f.detachKeys, "detach-keys", monitor.DefaultDetachKeys, "keys that detach from the process (with -it)")
	return cmd
}

// exec is `roost exec`: it exits with the process's code.
func (a *app) exec(cmd *cobra.Command, f *execFlags, args []string) error {
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	if _, err := monitor.ParseDetachKeys(f.detachKeys); err != nil {
		return err
	}
	ref, command, err := execTarget(cmd, eng, f.latest, args)
	if err != nil {
		return err
	}
	o := container.ExecOptions{
		Cmd: command, WorkDir: f.workdir, User: f.user, Terminal: f.tty,
		Detach: f.detach, Privileged: f.privileged,
	}
	for _, file := range f.envFiles {
		vars, err := readEnvFile(file)
		if err != nil {
			return err
		}
		o.Env = append(o.Env, vars...)
	}
	if o.Env, err = spec.ResolveHostEnv(append(o.Env, f.env...), false, os.Environ()); err != nil {
		return err
	}
	eio := container.ExecIO{Stdout: os.Stdout, Stderr: os.Stderr}
	if f.interactive && !f.detach {
		eio.Stdin = os.Stdin
	}
	if f.tty && f.interactive && !f.detach {
		o.DetachKeys = f.detachKeys
	}
	if !f.detach {
		restore := a.execTerminal(f.tty, &eio)
		defer restore()
	}
	code, err := eng.Exec(cmd.Context(), ref, o, eio)
	if errors.Is(err, container.ErrDetached) {
		return nil
	}
	if err != nil || code != 0 {
		return &exitError{code: code, err: err}
	}
	return nil
}

// execTarget splits the arguments into the container and the command.
func execTarget(cmd *cobra.Command, eng *container.Engine, latest bool, args []string) (string, []string, error) {
	usage := fmt.Errorf("%s needs a container and a command: %s", cmd.CommandPath(), cmd.UseLine())
	if !latest {
		if len(args) < 2 {
			return "", nil, usage
		}
		return args[0], args[1:], nil
	}
	if len(args) < 1 {
		return "", nil, fmt.Errorf("%s --latest needs a command: %s", cmd.CommandPath(), cmd.UseLine())
	}
	list, err := eng.List(cmd.Context(), container.ListOptions{All: true})
	if err != nil {
		return "", nil, err
	}
	if len(list) == 0 {
		return "", nil, errors.New("--latest: there are no containers")
	}
	return list[0].ID, args, nil
}

// execTerminal puts a terminal in raw mode for -t, watches its size, and
// forwards signals to the process; the returned func undoes it all.
func (a *app) execTerminal(tty bool, eio *container.ExecIO) func() {
	resize, restoreTerm := rawTerminal(tty)
	eio.Resize = resize
	sigs, stopSignals := notifySignals()
	eio.Signals = sigs
	return func() { stopSignals(); restoreTerm() }
}
