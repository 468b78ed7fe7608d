package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// logLevels are the values --log-level takes, as in Podman.
var logLevels = []string{"trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"}

const defaultLogLevel = "warn"

// errNoRemote answers every flag of Podman's remote mode: Roost runs
// containers itself, on this machine, for the user who calls it.
var errNoRemote = errors.New("roost has no remote mode: run roost on the machine that runs the containers (over ssh, say) instead of --remote, --url, --connection or --identity")

// addGlobalFlags defines Podman's global flags. Those that choose paths and
// programs are persistent (they may come after a command group, as in
// Podman); those of the remote client are the root's own.
func (a *app) addGlobalFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	g := &a.globals
	f.StringVar(&g.Root, "root", os.Getenv("ROOST_ROOT"), "Path to the root directory in which data, including images, is stored")
	f.StringVar(&g.RunRoot, "runroot", os.Getenv("ROOST_RUNROOT"), "Path to the 'run directory' where all state information is stored")
	f.StringVar(&g.StorageDriver, "storage-driver", os.Getenv("ROOST_STORAGE_DRIVER"), "Select which storage driver is used to manage storage of images and containers (overlay, vfs)")
	stringArray(f, &g.StorageOpts, "storage-opt", envList("ROOST_STORAGE_OPT"), "Used to pass an option to the storage driver")
	f.StringVar(&g.Runtime, "runtime", os.Getenv("ROOST_RUNTIME"), "Path to the OCI-compatible binary used to run containers (crun, runc)")
	stringArray(f, &g.RuntimeFlags, "runtime-flag", nil, "add global flags for the container runtime")
	f.StringVar(&g.LogLevel, "log-level", envOr("ROOST_LOG_LEVEL", defaultLogLevel), "Log messages above specified level ("+strings.Join(logLevels, ", ")+")")
	f.StringVar(&g.CgroupManager, "cgroup-manager", "", `Cgroup manager to use ("cgroupfs"|"systemd")`)
	f.StringVar(&g.EventsBackend, "events-backend", "", `Events backend to use ("file"|"journald"|"none")`)
	f.StringVar(&g.TmpDir, "tmpdir", "", "Path to the tmp directory for Roost's state content")
	f.StringVar(&g.VolumePath, "volumepath", "", "Path to the volume directory in which volume data is stored")
	f.StringSliceVar(&g.HooksDirs, "hooks-dir", nil, "Set the OCI hooks directory path (may be set multiple times)")
	f.StringVar(&g.NetworkCmdPath, "network-cmd-path", "", "Path to the command for configuring the network (slirp4netns or pasta)")
	f.StringVar(&g.NetworkConfigDir, "network-config-dir", "", "Path of the configuration directory for networks")
	f.StringVar(&g.Conmon, "conmon", "", "Path of the conmon binary (accepted; Roost uses its own monitor)")
	f.StringVar(&g.RegistriesConf, "registries-conf", "", "Path to a registries.conf to use for image processing")
	f.String("namespace", "", "Set the libpod namespace (accepted, not used by Roost)")
	f.Bool("syslog", false, "Output logging information to syslog as well as the console (accepted, not used by Roost)")
	f.Int("max-workers", runtime.NumCPU()*3+1, "The maximum number of workers for parallel operations")
	f.String("network-backend", "", `Network backend to use ("cni"|"netavark"; accepted, not used by Roost)`)
	for _, h := range []string{"registries-conf", "max-workers", "network-backend"} {
		_ = f.MarkHidden(h)
	}

	l := root.Flags()
	l.BoolVar(&g.NoOut, "noout", false, "do not output to stdout")
	l.BoolVarP(&a.remote.remote, "remote", "r", false, "Access remote Podman service (not available: Roost has no remote mode)")
	l.StringVar(&a.remote.url, "url", "", "URL to access Podman service (not available in Roost)")
	l.StringVarP(&a.remote.connection, "connection", "c", "", "Connection to use for remote Podman service (not available in Roost)")
	l.StringVar(&a.remote.identity, "identity", "", "path to SSH identity file (not available in Roost)")
	l.String("ssh", "golang", "define the ssh mode")
	l.StringVarP(&a.remote.url, "host", "H", "", "Used for Docker compatibility")
	l.StringVar(&a.dockerConfig, "config", "", "Ignored for Docker compatibility")
	l.String("context", "default", "Name of the context to use to connect to the daemon (no-op, for scripting compatibility)")
	l.BoolVarP(&a.debug, "debug", "D", false, "Docker compatibility, force setting of log-level")
	for _, h := range []string{"host", "config", "context", "debug"} {
		_ = l.MarkHidden(h)
	}
	// As Podman: --remote is not offered where a remote destination is
	// already named (the environment or --url/--connection).
	if os.Getenv("CONTAINER_HOST") != "" || os.Getenv("CONTAINER_CONNECTION") != "" || namesDestination(os.Args[1:]) {
		_ = l.MarkHidden("remote")
	}
}

// remoteFlags are Podman's remote-client flags, kept only to answer them.
type remoteFlags struct {
	remote                    bool
	url, connection, identity string
}

// namesDestination says whether the global flags before the command name
// a remote destination.
func namesDestination(args []string) bool {
	for _, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") {
			return false
		}
		for _, f := range []string{"--url", "--connection", "--host"} {
			if a == f || strings.HasPrefix(a, f+"=") {
				return true
			}
		}
	}
	return false
}

// setLogLevel applies --log-level (or --debug), refusing values Podman
// refuses with Podman's words and exit code 1.
func (a *app) setLogLevel() error {
	level := a.globals.LogLevel
	if a.debug {
		if level != defaultLogLevel {
			fmt.Fprintln(a.errOut, "Setting --log-level and --debug is not allowed")
			return &exitError{code: 1}
		}
		level = "debug"
	}
	lvl, err := parseLogLevel(level)
	if err != nil {
		fmt.Fprintln(a.errOut, err)
		return &exitError{code: 1}
	}
	logrus.SetLevel(lvl)
	logrus.SetOutput(a.errOut)
	logrus.Infof("%s filtering at log level %s", os.Args[0], lvl)
	if a.dockerConfig != "" {
		logrus.Warn("The --config flag is ignored by Roost. Exists for Docker compatibility")
	}
	return nil
}

// parseLogLevel accepts exactly Podman's levels, in any case.
func parseLogLevel(s string) (logrus.Level, error) {
	for _, l := range logLevels {
		if l == strings.ToLower(s) {
			return logrus.ParseLevel(l)
		}
	}
	return 0, fmt.Errorf("Log Level %q is not supported, choose from: %s", s, strings.Join(logLevels, ", "))
}

// checkGlobals refuses what Roost cannot do and values it does not know,
// before anything is touched.
func (a *app) checkGlobals(cmd *cobra.Command) error {
	root := cmd.Root().Flags()
	for _, name := range []string{"remote", "url", "connection", "identity", "host"} {
		if f := root.Lookup(name); f != nil && f.Changed {
			return errNoRemote
		}
	}
	g := a.globals
	if err := oneOf("--cgroup-manager", g.CgroupManager, "systemd", "cgroupfs"); err != nil {
		return err
	}
	if err := oneOf("--events-backend", g.EventsBackend, "file", "journald", "none"); err != nil {
		return err
	}
	if g.Conmon != "" {
		logrus.Debugf("--conmon %s ignored: Roost's own monitor, roost-monitor, does conmon's work", g.Conmon)
	}
	return nil
}

// oneOf checks a flag's value against the values it takes (empty: default).
func oneOf(flag, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, x := range allowed {
		if v == x {
			return nil
		}
	}
	return fmt.Errorf("invalid %s %q: use %s", flag, v, strings.Join(allowed, " or "))
}

// discardStdout is --noout: everything a command prints on standard output
// is dropped, errors still go to standard error.
func (a *app) discardStdout() {
	a.out = io.Discard
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stdout = null
	}
}
