package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
)

func newCreateCommand(a *app) *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create [options] IMAGE [COMMAND [ARG...]]",
		Short: "Create a container without starting it",
		Args:  needImage,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.createContainer(cmd, &f, args)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, c.ID)
			return nil
		},
	}
	f.add(cmd.Flags())
	return cmd
}

func newRunCommand(a *app) *cobra.Command {
	var f createFlags
	var detach, sigProxy, rmi bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "run [options] IMAGE [COMMAND [ARG...]]",
		Short: "Run a command in a new container",
		Args:  needImage,
		RunE: func(cmd *cobra.Command, args []string) error {
			m := runMode{detach: detach, sigProxy: sigProxy, detachKeys: detachKeys, rmi: rmi}
			if cmd.Flags().Changed("attach") {
				if err := m.setAttach(f.attach); err != nil {
					return err
				}
			}
			return a.run(cmd, &f, args, m)
		},
	}
	f.add(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background and print the container id")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "forward signals Roost receives to the container")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", monitor.DefaultDetachKeys, "keys that detach from the container")
	cmd.Flags().BoolVar(&rmi, "rmi", false, "remove the image once the run ends, unless a container still uses it")
	return cmd
}

// needImage says plainly what `run` and `create` miss without arguments.
func needImage(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s needs an image: %s", cmd.CommandPath(), cmd.UseLine())
	}
	return nil
}

type runMode struct {
	detach, sigProxy, rmi bool
	detachKeys            string
	// attach: -a/--attach was given; attached names the streams it listed.
	attach   bool
	attached map[string]bool
}

// setAttach checks -a's streams (stdin, stdout, stderr).
func (m *runMode) setAttach(streams []string) error {
	m.attach, m.attached = true, map[string]bool{}
	for _, s := range streams {
		s = strings.ToLower(s)
		switch s {
		case "stdin", "stdout", "stderr":
			m.attached[s] = true
		default:
			return fmt.Errorf("invalid stream %q for --attach - must be one of stdin, stdout, or stderr: invalid argument", s)
		}
	}
	return nil
}

// createContainer turns the flags into a request and has the engine make
// the container (pulling per --pull); warnings go to stderr.
func (a *app) createContainer(cmd *cobra.Command, f *createFlags, args []string) (*container.Container, error) {
	f.confFlagDefaults(cmd.Flags(), a.cfg.ContainersConf.Containers)
	r, warnings, err := f.request(cmd, args, a.cfg.Rootless, a.errOut)
	if err != nil {
		return nil, err
	}
	res, err := a.Core().CreateContainer(cmd.Context(), r)
	// Create's warnings are whole sentences, printed bare as Podman prints
	// them (bats compares them line by line).
	for _, w := range append(warnings, res.Warnings...) {
		fmt.Fprintln(a.errOut, w)
	}
	return res.Container, err
}

// run is `roost run`: create, then one run session: print the id (-d) or
// stay attached until the container exits, then exit with its code.
func (a *app) run(cmd *cobra.Command, f *createFlags, args []string, m runMode) error {
	c, err := a.createContainer(cmd, f, args)
	var se *monitor.StartError
	if errors.As(err, &se) {
		// Found while preparing the start (a --workdir, a --hostuser):
		// Podman finds it when starting, so the run exits as a start does.
		return startExit(err)
	}
	if err != nil {
		return err
	}
	if m.detach {
		if err := a.session(cmd.Context(), c.ID, true, false, false, m); err != nil {
			return err
		}
		fmt.Fprintln(a.out, c.ID)
		return nil
	}
	if m.attach && !m.attached["stdout"] && !m.attached["stderr"] {
		fmt.Fprintln(a.out, c.ID) // nothing of the container's is shown: say which it is
	}
	return a.session(cmd.Context(), c.ID, false, f.interactive, f.tty, m)
}

// attach joins a running container's session (`attach`).
func (a *app) attach(ctx context.Context, id string, interactive, tty bool, m runMode) error {
	sio, restore := a.terminalIO(interactive, tty, m)
	defer restore()
	return a.sessionExit(a.Core().RunSession(ctx, engine.SessionRequest{ID: id, AttachOnly: true, IO: sio}))
}

// session runs the engine's run session with this terminal: raw mode and
// window size for -t, signals forwarded with --sig-proxy; it turns the
// container's exit code into Roost's.
func (a *app) session(ctx context.Context, id string, detach, interactive, tty bool, m runMode) error {
	req := engine.SessionRequest{ID: id, Detach: detach, RemoveImage: m.rmi}
	if !detach {
		var restore func()
		req.IO, restore = a.terminalIO(interactive, tty, m)
		defer restore()
	}
	return a.sessionExit(a.Core().RunSession(ctx, req))
}

// sessionExit turns a session's end into Roost's exit: the container's own
// code, or Podman's codes for a start that failed.
func (a *app) sessionExit(res engine.SessionResult, err error) error {
	switch {
	case err != nil:
		return startExit(err)
	case res.Detached || res.ExitCode == 0:
		return nil
	}
	return &exitError{code: res.ExitCode}
}

// startExit maps a start failure to Podman's exit codes: 127 for a command
// not found, 126 for one that cannot be invoked, 125 otherwise.
func startExit(err error) error {
	return &exitError{code: monitor.ExitCode(err), err: err}
}

// terminalIO connects our stdio to a session, with the terminal in raw
// mode for -t, window resizes and signal forwarding; restore undoes it.
func (a *app) terminalIO(interactive, tty bool, m runMode) (engine.SessionIO, func()) {
	sio := engine.SessionIO{Stdout: os.Stdout, Stderr: os.Stderr, DetachKeys: m.detachKeys}
	if interactive {
		sio.Stdin = os.Stdin
	}
	if m.attach {
		if !m.attached["stdout"] {
			sio.Stdout = io.Discard
		}
		if !m.attached["stderr"] {
			sio.Stderr = io.Discard
		}
	}
	if !tty {
		sio.DetachKeys = ""
	}
	resize, restoreTerm := rawTerminal(tty)
	sio.Resize = resize
	stopSignals := func() {}
	if m.sigProxy && !tty {
		sio.Signals, stopSignals = notifySignals()
	}
	return sio, func() { stopSignals(); restoreTerm() }
}

// rawTerminal puts stdin's terminal in raw mode for -t and reports its
// size now and on every change; restore undoes it. Without -t or a
// terminal it does nothing.
func rawTerminal(tty bool) (<-chan [2]uint16, func()) {
	fd := int(os.Stdin.Fd())
	if !tty || !term.IsTerminal(fd) {
		return nil, func() {}
	}
	state, err := term.MakeRaw(fd)
	resize := make(chan [2]uint16, 1)
	stop := watchResize(resize)
	return resize, func() {
		stop()
		if err == nil {
			_ = term.Restore(fd, state)
		}
	}
}

// watchResize sends the terminal's size now and on every SIGWINCH.
func watchResize(out chan<- [2]uint16) func() {
	send := func() {
		if cols, rows, err := term.GetSize(int(os.Stdin.Fd())); err == nil {
			select {
			case out <- [2]uint16{uint16(rows), uint16(cols)}:
			default:
			}
		}
	}
	send()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				send()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// notifySignals passes on the signals a user sends Roost, for the session
// to forward to the container.
func notifySignals() (<-chan syscall.Signal, func()) {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	out := make(chan syscall.Signal, 8)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				out <- s.(syscall.Signal)
			case <-done:
				return
			}
		}
	}()
	return out, func() { signal.Stop(ch); close(done) }
}
