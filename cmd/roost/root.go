package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	cstorage "go.podman.io/storage"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/version"
	"github.com/roost-containers/roost/userns"
)

// noNamespace marks a command that runs without joining the user namespace
// (it touches no storage). It is read in one place: app.prepare.
const noNamespace = "roost.no-userns"

// app is what every command shares: the global flags, the configuration they
// lead to, and the store, opened on first use.
type app struct {
	globals config.Globals
	cfg     *config.Config
	core    *engine.Engine // made on first use, from explicit inputs
	out     io.Writer
	errOut  io.Writer
	// Flags kept only to be answered: Podman's remote client, Docker's
	// --config, --debug.
	remote       remoteFlags
	dockerConfig string
	debug        bool
}

// progressStderr is stderr as progress is written to it. containers/image
// draws progress bars on a terminal and prints a "Copying blob" line per
// blob elsewhere; a terminal that reports no width (a pty nobody sized:
// script(1) without a terminal, some CI runners) gets bars of no width,
// which is nothing at all. There the plain lines are written instead,
// by hiding that stderr is a terminal.
func progressStderr() io.Writer {
	fd := int(os.Stderr.Fd())
	if !term.IsTerminal(fd) {
		return os.Stderr
	}
	if w, _, err := term.GetSize(fd); err == nil && w > 0 {
		return os.Stderr
	}
	return struct{ io.Writer }{os.Stderr}
}

// newRootCommand is the command tree for the command line args (without
// the program's name): parts that cannot be reached from it are left out.
func newRootCommand(args []string) *cobra.Command {
	a := &app{out: os.Stdout, errOut: progressStderr()}
	root := &cobra.Command{
		Use:           "roost [options]",
		Short:         "Rootless, daemonless containers",
		Long:          "Roost runs containers as you, without root and without a daemon.\nIt speaks Podman's and Docker's command language.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Each level parses its own flags: `compose -f FILE logs -f`.
		TraverseChildren: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.prepare(cmd)
		},
		PersistentPostRunE: func(*cobra.Command, []string) error {
			return a.close()
		},
		DisableFlagsInUseLine: true,
		Annotations:           map[string]string{noNamespace: "true"},
	}
	// A failed command skips PersistentPostRunE: close storage anyway, or
	// its graph root's private mount stays behind in the namespace.
	cobra.OnFinalize(func() { _ = a.close() })
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w: see `%s --help`", err, c.CommandPath())
	})
	a.addGlobalFlags(root)
	// -h is --hostname in create and run, as in Podman: help has no shorthand.
	root.PersistentFlags().Bool("help", false, "Help for roost")
	for _, add := range []func(*app) *cobra.Command{
		newVersionCommand, newInfoCommand, newUnshareCommand, newHealthcheckCommand,
		newGenerateCommand, newQuadletCommand, newSystemdCommand, newAutoUpdateCommand,
		newSystemCommand,
		newEventsCommand,
	} {
		root.AddCommand(add(a))
	}
	addImageCommands(a, root)
	addContainerCommands(a, root, args)
	addNetworkCommands(a, root)
	addVolumeCommands(a, root)
	addSecretCommands(a, root)
	addNetworkDNSCommand(a, root) // after any network group, which it joins
	addPodCommands(a, root)
	addComposeCommands(a, root)
	addKubeCommands(a, root)
	// --version and -v print one line, as `podman --version` does (scripts
	// and the conformance harness read it); cobra answers them before any
	// hook runs, so no namespace is joined.
	root.Version = version.Version
	root.SetVersionTemplate("roost version {{.Version}}\n")
	root.CompletionOptions.HiddenDefaultCmd = false
	markNoNamespace(root, "help", "completion")
	shapeCommands(root)
	return root
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envList(k string) []string {
	if v := os.Getenv(k); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

// markNoNamespace marks built-in cobra commands that need no namespace.
func markNoNamespace(root *cobra.Command, names ...string) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		for _, n := range names {
			if c.Name() == n {
				markTree(c)
			}
		}
	}
}

func markTree(c *cobra.Command) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[noNamespace] = "true"
	for _, sub := range c.Commands() {
		markTree(sub)
	}
}

// prepare checks the global flags, loads the configuration and, for a
// command that needs it, joins the user's namespace (which may re-execute
// this process). A command group only answers with its help or an error,
// so it needs none of that, as in Podman.
func (a *app) prepare(cmd *cobra.Command) error {
	if err := a.setLogLevel(); err != nil {
		return err
	}
	logrus.Debugf("Called %s.PersistentPreRunE(%s)", cmd.Name(), strings.Join(os.Args, " "))
	if cmd.Annotations[groupCommand] == "true" {
		return nil
	}
	if err := a.checkGlobals(cmd); err != nil {
		return err
	}
	if a.globals.NoOut {
		a.discardStdout()
	}
	cfg, err := config.Load(a.globals)
	if err != nil {
		return err
	}
	a.cfg = cfg
	logrus.Tracef("graph root %s, run root %s, run directory %s", cfg.GraphRoot, cfg.StorageRunRoot, cfg.RunDir)
	cfg.Events.OnError = func(err error) { logrus.Debug(err) }
	if cmd.Annotations[noNamespace] == "true" || !cfg.Rootless {
		return nil
	}
	if !userns.Inside() {
		// The re-execution keeps the profiling timer: the new image, which
		// starts its own profile, would die of SIGPROF before Go handles it.
		stopProfile()
	}
	return userns.Enter(cfg.HolderDir, cfg.UID, cfg.GID, preservedFDs(cmd), func(w string) {
		fmt.Fprintln(a.errOut, "WARNING: "+w)
	})
}

// preservedFDs is the command's --preserve-fds, the descriptors that must
// survive a re-execution into the namespace; 0 for commands without it.
func preservedFDs(cmd *cobra.Command) int {
	n, err := cmd.Flags().GetUint("preserve-fds")
	if err != nil {
		return 0
	}
	return int(n)
}

// Core is the engine every command calls, built once from the global
// flags' configuration and what this process was given: the exit command
// that chose this storage and, under a systemd unit, its notify socket.
func (a *app) Core() *engine.Engine {
	if a.core == nil {
		notify := os.Getenv("NOTIFY_SOCKET")
		a.core = engine.New(engine.Options{
			Config:       a.cfg,
			ExitCommand:  a.exitCommand(),
			NotifySocket: notify,
			// A unit's main process owns what it starts; other commands
			// give each monitor a scope, so no unit or session takes it,
			// unless the user chose cgroupfs over systemd.
			MonitorScopes: notify == "" && a.globals.CgroupManager != "cgroupfs",
		})
	}
	return a.core
}

// Store opens storage on first use.
func (a *app) Store() (cstorage.Store, error) { return a.Core().Store() }

func (a *app) close() error {
	if a.core == nil {
		return nil
	}
	if err := a.core.Close(); err != nil {
		fmt.Fprintln(a.errOut, "WARNING: "+oneLine(err.Error()))
	}
	return nil
}
