package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	cstorage "go.podman.io/storage"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
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
	var detach, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "run [options] IMAGE [COMMAND [ARG...]]",
		Short: "Run a command in a new container",
		Args:  needImage,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, &f, args, runMode{detach: detach, sigProxy: sigProxy, detachKeys: detachKeys})
		},
	}
	f.add(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background and print the container id")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "forward signals Roost receives to the container")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", monitor.DefaultDetachKeys, "keys that detach from the container")
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
	detach, sigProxy bool
	detachKeys       string
	// finish runs once the container has exited, while still attached; see
	// container.AttachIO.Finish.
	finish func() error
}

// createContainer resolves the image (pulling per --pull) and creates.
func (a *app) createContainer(cmd *cobra.Command, f *createFlags, args []string) (*container.Container, error) {
	o, err := f.options(cmd, args[1:], a.cfg.Rootless)
	if err != nil {
		return nil, err
	}
	for _, w := range f.net.warnings {
		fmt.Fprintln(a.errOut, "WARNING: "+w)
	}
	eng, err := a.Engine()
	if err != nil {
		return nil, err
	}
	if o.ImageID, o.ImageName, o.Spec.Image, err = a.resolveImage(cmd, f, args[0]); err != nil {
		return nil, err
	}
	if o.Run.Runtime, err = a.chooseRuntime(); err != nil {
		return nil, err
	}
	o.CreateArgs = createArgs(cmd, args)
	var c *container.Container
	if f.pod != "" {
		c, err = a.createInPod(cmd, f, o)
	} else {
		c, err = eng.Create(cmd.Context(), o)
	}
	if err != nil {
		return nil, err
	}
	if f.cidFile != "" {
		if err := os.WriteFile(f.cidFile, []byte(c.ID), 0o644); err != nil {
			_, _ = eng.Remove(cmd.Context(), c.ID, container.RemoveOptions{Force: true})
			return nil, fmt.Errorf("--cidfile: %w", err)
		}
	}
	return c, nil
}

// resolveImage finds or pulls the image as --pull says and returns its id,
// the name to record, and its configuration.
func (a *app) resolveImage(cmd *cobra.Command, f *createFlags, name string) (string, string, spec.ImageConfig, error) {
	var cfg spec.ImageConfig
	store, err := a.Store()
	if err != nil {
		return "", "", cfg, err
	}
	img, _, findErr := image.Find(store, name)
	need := false
	switch f.pull {
	case "always", "newer":
		need = true
	case "missing", "":
		need = findErr != nil
	case "never":
		if findErr != nil {
			return "", "", cfg, fmt.Errorf("%s: image not known locally and --pull=never: pull it first", name)
		}
	default:
		return "", "", cfg, fmt.Errorf("invalid --pull %q: use always, missing, never or newer", f.pull)
	}
	if need {
		if findErr != nil && !errors.Is(findErr, cstorage.ErrImageUnknown) {
			return "", "", cfg, findErr
		}
		po := image.PullOptions{RegistryOptions: f.registry.options(cmd), Progress: a.errOut}
		if f.platform != "" {
			if po.Platform, err = image.ParsePlatform(f.platform); err != nil {
				return "", "", cfg, err
			}
		}
		ids, err := image.Pull(cmd.Context(), store, a.cfg, name, po)
		if err != nil && !(f.pull == "newer" && findErr == nil) {
			return "", "", cfg, err
		}
		if err == nil {
			if img, _, err = image.Find(store, ids[0]); err != nil {
				return "", "", cfg, err
			}
		}
	}
	details, err := image.Inspect(cmd.Context(), store, []string{img.ID})
	if err != nil {
		return "", "", cfg, err
	}
	recorded := name
	if len(img.Names) > 0 {
		recorded = img.Names[0]
	}
	return img.ID, recorded, details[0].Config, nil
}

// run is `roost run`: create, start, and either print the id (-d) or stay
// attached until the container exits, then exit with its code.
func (a *app) run(cmd *cobra.Command, f *createFlags, args []string, m runMode) error {
	c, err := a.createContainer(cmd, f, args)
	if err != nil {
		return err
	}
	eng, _ := a.Engine()
	ctx := cmd.Context()
	if m.detach {
		if _, err := eng.Start(ctx, c.ID, container.StartOptions{}); err != nil {
			return startExit(err)
		}
		fmt.Fprintln(a.out, c.ID)
		return nil
	}
	if _, err := eng.Start(ctx, c.ID, container.StartOptions{WaitAttach: true}); err != nil {
		a.cleanupAfterRun(ctx, eng, c)
		return startExit(err)
	}
	// The exit is finished here, while still attached, so that the monitor
	// knows it need not start `roost container cleanup` to do it again.
	var code int
	var waitErr error
	m.finish = func() error {
		if code, waitErr = eng.Wait(ctx, c.ID); waitErr != nil {
			return waitErr
		}
		return eng.Cleanup(ctx, c.ID)
	}
	err = a.attachTerminal(ctx, eng, c, f.interactive, f.tty, m)
	if errors.Is(err, monitor.ErrDetached) {
		return nil
	}
	if err != nil {
		var se *monitor.StartError
		if errors.As(err, &se) {
			a.cleanupAfterRun(ctx, eng, c)
			return startExit(err)
		}
		return err
	}
	if waitErr != nil {
		return waitErr
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// cleanupAfterRun finishes the container's exit now (unmount, and --rm
// removal) so the next command sees it done.
func (a *app) cleanupAfterRun(ctx context.Context, eng *container.Engine, c *container.Container) {
	_ = eng.Cleanup(ctx, c.ID)
}

// startExit maps a start failure to Podman's exit codes: 127 for a command
// not found, 126 for one that cannot be invoked, 125 otherwise.
func startExit(err error) error {
	return &exitError{code: monitor.ExitCode(err), err: err}
}

// attachTerminal connects our stdio to the container, with the terminal in
// raw mode for -t, window resizes and signal forwarding.
func (a *app) attachTerminal(ctx context.Context, eng *container.Engine, c *container.Container, interactive, tty bool, m runMode) error {
	aio := container.AttachIO{Stdout: os.Stdout, Stderr: os.Stderr, DetachKeys: m.detachKeys, Finish: m.finish}
	if interactive {
		aio.Stdin = os.Stdin
	}
	if fd := int(os.Stdin.Fd()); tty && term.IsTerminal(fd) {
		state, err := term.MakeRaw(fd)
		if err == nil {
			defer term.Restore(fd, state)
		}
		resize := make(chan [2]uint16, 1)
		aio.Resize = resize
		stop := watchResize(resize)
		defer stop()
	} else if !tty {
		aio.DetachKeys = ""
	}
	if m.sigProxy && !tty {
		stop := a.proxySignals(ctx, eng, c.ID)
		defer stop()
	}
	return eng.Attach(ctx, c.ID, aio)
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

// proxySignals forwards the signals a user sends Roost to the container.
func (a *app) proxySignals(ctx context.Context, eng *container.Engine, id string) func() {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				_, _ = eng.Kill(ctx, id, s.(syscall.Signal))
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
