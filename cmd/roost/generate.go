package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/version"
	"github.com/roost-containers/roost/systemd"
)

func newGenerateCommand(a *app) *cobra.Command {
	group := &cobra.Command{Use: "generate", Short: "Generate systemd units and Kubernetes YAML"}
	group.AddCommand(newGenerateSystemdCommand(a))
	return group
}

type generateFlags struct {
	opts        systemd.Options
	files       bool
	format      string
	stopTimeout uint
	env         []string
}

// envFromCaller completes -e KEY with this process's value of KEY, as -e
// does for create; a KEY not set here is left out.
func envFromCaller(in []string) []string {
	var out []string
	for _, kv := range in {
		if strings.Contains(kv, "=") {
			out = append(out, kv)
		} else if v, ok := os.LookupEnv(kv); ok {
			out = append(out, kv+"="+v)
		}
	}
	return out
}

func newGenerateSystemdCommand(a *app) *cobra.Command {
	var f generateFlags
	cmd := &cobra.Command{
		Use:   "systemd [options] CONTAINER|POD",
		Short: "Generate systemd units that run a container or a pod",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("`%s` takes one container: see `%s --help`", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("stop-timeout") {
				f.opts.StopTimeout = &f.stopTimeout
			}
			// --template implies --new, unless --new=false was said (refused).
			if f.opts.Template && !cmd.Flags().Changed("new") {
				f.opts.New = true
			}
			f.opts.Env = envFromCaller(f.env)
			if !cmd.Flags().Changed("restart-policy") {
				f.opts.RestartPolicy = "" // the container's own, else on-failure
			}
			if f.format != "" && f.format != "json" {
				return fmt.Errorf("invalid --format %q: only json is supported", f.format)
			}
			return a.generateSystemd(&f, args[0])
		},
	}
	fl := cmd.Flags()
	o := &f.opts
	fl.BoolVar(&o.New, "new", false, "the unit creates the container at start and removes it at stop")
	fl.BoolVarP(&o.UseName, "name", "n", false, "name the unit after the container's name, not its id")
	fl.BoolVarP(&f.files, "files", "f", false, "write the unit files into the current directory and print their paths")
	fl.StringVar(&o.RestartPolicy, "restart-policy", "on-failure", "systemd restart policy: no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always")
	fl.UintVar(&o.RestartSec, "restart-sec", 0, "seconds systemd waits before a restart (0: its default)")
	fl.UintVar(&o.StartTimeout, "start-timeout", 0, "seconds systemd waits for the start (0: its default)")
	fl.UintVarP(&f.stopTimeout, "stop-timeout", "t", 10, "seconds to wait for the container to stop before killing it (default: the container's)")
	stringArray(fl, &o.After, "after", nil, "add After= (repeatable)")
	stringArray(fl, &o.Wants, "wants", nil, "add Wants= (repeatable)")
	stringArray(fl, &o.Requires, "requires", nil, "add Requires= (repeatable)")
	fl.StringVar(&o.ContainerPrefix, "container-prefix", "container", "prefix of container unit names")
	fl.StringVar(&o.PodPrefix, "pod-prefix", "pod", "prefix of pod unit names")
	fl.StringVar(&o.Separator, "separator", "-", "between the prefix and the name")
	fl.BoolVar(&o.NoHeader, "no-header", false, "leave out the comment header")
	fl.StringVar(&f.format, "format", "", "json: print the units as a JSON object")
	stringArrayP(fl, &f.env, "env", "e", nil, "set an environment variable in the unit (KEY=VALUE, or KEY for this shell's value)")
	fl.BoolVar(&o.Template, "template", false, "make an instance template (NAME@.service) whose instances run NAME-%i (implies --new; containers only)")
	return cmd
}

func (a *app) generateSystemd(f *generateFlags, ref string) error {
	f.opts.Roost = a.exitCommand()
	f.opts.Version = version.Version
	f.opts.Rootless = a.cfg.Rootless
	if err := f.opts.Validate(); err != nil {
		return err
	}
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	c, err := eng.Get(ref)
	if err != nil {
		// Not a container: perhaps a pod.
		units, found, perr := podUnits(a, ref, &f.opts)
		if found || perr != nil {
			if perr != nil {
				return perr
			}
			return a.printUnits(f, units)
		}
	}
	if err != nil {
		return err
	}
	sc := systemd.Container{
		ID: c.ID, Name: c.Name, CreateArgs: c.CreateArgs, StopTimeout: c.Run.StopTimeout,
		Restart: c.Run.Restart.Policy, RestartRetries: c.Run.Restart.MaxRetries,
	}
	unit, err := systemd.ContainerUnit(sc, &f.opts)
	if err != nil {
		return err
	}
	if w := systemd.RestartWarning(sc, &f.opts); w != "" {
		fmt.Fprintln(a.errOut, "WARNING: "+w)
	}
	return a.printUnits(f, []systemd.Unit{unit})
}

// printUnits prints units (or writes them with --files) in the order given.
func (a *app) printUnits(f *generateFlags, units []systemd.Unit) error {
	if f.files {
		for _, u := range units {
			if err := os.WriteFile(u.Name, []byte(u.Content), 0o644); err != nil {
				return fmt.Errorf("write unit: %w", err)
			}
			p, _ := filepath.Abs(u.Name)
			fmt.Fprintln(a.out, p)
		}
		return nil
	}
	if f.format == "json" {
		m := map[string]string{}
		for _, u := range units {
			m[strings.TrimSuffix(u.Name, ".service")] = u.Content
		}
		return format.JSON(a.out, m)
	}
	for i, u := range units {
		if i > 0 {
			fmt.Fprintln(a.out)
		}
		fmt.Fprint(a.out, u.Content)
	}
	return nil
}

// createArgs records the flags a create or run was given, as --name=value
// (every value of a repeated flag), then its arguments: the form
// `generate systemd --new` runs again.
func createArgs(cmd *cobra.Command, args []string) []string {
	var out []string
	// VisitAll and Changed: LocalFlags is a copy whose Visit sees nothing.
	cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		if !fl.Changed {
			return
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				out = append(out, "--"+fl.Name+"="+v)
			}
			return
		}
		out = append(out, "--"+fl.Name+"="+fl.Value.String())
	})
	return append(out, args...)
}
