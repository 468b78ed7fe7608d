//go:build compose

package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roost-containers/roost/compose"
	"github.com/roost-containers/roost/pkg/build"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/version"
)

func newComposeAction(a *app, f *composeFlags, act compose.Action) *cobra.Command {
	var o compose.ActionOptions
	var timeout uint
	var sig string
	short := map[compose.Action]string{
		compose.ActStart: "Start the services' existing containers", compose.ActStop: "Stop the services' containers",
		compose.ActRestart: "Restart the services' containers", compose.ActKill: "Send a signal to the services' containers",
		compose.ActPause: "Pause the services' containers", compose.ActUnpause: "Unpause the services' containers",
		compose.ActRemove: "Remove the services' stopped containers",
	}[act]
	cmd := &cobra.Command{
		Use:   string(act) + " [options] [SERVICE...]",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("timeout") {
				o.Timeout = &timeout
			}
			if act == compose.ActKill {
				s, err := spec.ParseSignal(sig)
				if err != nil {
					return fmt.Errorf("--signal: %w", err)
				}
				o.Signal = s
			}
			o.Services = args
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			return c.Do(cmd.Context(), act, o)
		},
	}
	switch act {
	case compose.ActStop, compose.ActRestart:
		cmd.Flags().UintVarP(&timeout, "timeout", "t", 10, "seconds to wait before killing")
	case compose.ActKill:
		cmd.Flags().StringVarP(&sig, "signal", "s", "SIGKILL", "signal to send")
	case compose.ActRemove:
		cmd.Flags().BoolVarP(&o.Force, "force", "f", false, "remove running containers too (stopping them)")
		cmd.Flags().BoolP("stop", "s", false, "stop the containers first")
		cmd.Flags().BoolP("volumes", "v", false, "remove anonymous volumes too")
	}
	return cmd
}

func newComposeConfig(a *app, f *composeFlags) *cobra.Command {
	var services, volumes, quiet bool
	var fmtFlag string
	cmd := &cobra.Command{
		Use:   "config [options]",
		Short: "Validate the files and print the normalized project",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := compose.Load(cmd.Context(), a.composeLoadOptions(f, nil))
			if err != nil {
				return err
			}
			switch {
			case quiet:
				return nil
			case services:
				names := p.ServiceNames()
				sort.Strings(names)
				fmt.Fprintln(a.out, strings.Join(names, "\n"))
				return nil
			case volumes:
				names := p.VolumeNames()
				sort.Strings(names)
				if len(names) > 0 {
					fmt.Fprintln(a.out, strings.Join(names, "\n"))
				}
				return nil
			}
			var b []byte
			switch fmtFlag {
			case "yaml", "":
				b, err = p.MarshalYAML()
			case "json":
				b, err = p.MarshalJSON()
			default:
				return fmt.Errorf("invalid --format %q: use yaml or json", fmtFlag)
			}
			if err != nil {
				return err
			}
			_, err = a.out.Write(append(b, '\n'))
			return err
		},
	}
	cmd.Flags().BoolVar(&services, "services", false, "print the service names")
	cmd.Flags().BoolVar(&volumes, "volumes", false, "print the volume names")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only validate")
	cmd.Flags().StringVar(&fmtFlag, "format", "yaml", "yaml or json")
	markTree(cmd)
	return cmd
}

func newComposeExec(a *app, f *composeFlags) *cobra.Command {
	var ef execFlags
	var noTTY bool
	var index int
	cmd := &cobra.Command{
		Use:   "exec [options] SERVICE COMMAND [ARG...]",
		Short: "Run a command in a service's running container",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("%s needs a service and a command: %s", cmd.CommandPath(), cmd.UseLine())
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			ct, err := c.ServiceContainer(cmd.Context(), args[0], index)
			if err != nil {
				return err
			}
			ef.interactive = !ef.detach
			ef.tty = !noTTY && !ef.detach && term.IsTerminal(int(os.Stdin.Fd()))
			ef.detachKeys = monitor.DefaultDetachKeys
			return a.exec(cmd, &ef, append([]string{ct.ID}, args[1:]...))
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.BoolVarP(&noTTY, "no-TTY", "T", false, "do not allocate a pseudo-terminal")
	fl.BoolVarP(&ef.detach, "detach", "d", false, "run the command in the background")
	fl.BoolVar(&ef.privileged, "privileged", false, "give the process every capability")
	stringArrayP(fl, &ef.env, "env", "e", nil, "set environment variables")
	fl.StringVarP(&ef.workdir, "workdir", "w", "", "working directory inside the container")
	fl.StringVarP(&ef.user, "user", "u", "", "user[:group]")
	fl.IntVar(&index, "index", 1, "which container of the service (1 first)")
	return cmd
}

func newComposeRun(a *app, f *composeFlags) *cobra.Command {
	var o compose.RunOptions
	var noTTY, detach bool
	var entrypoint string
	cmd := &cobra.Command{
		Use:   "run [options] SERVICE [COMMAND [ARG...]]",
		Short: "Run a one-off command in a new container of a service",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return fmt.Errorf("%s needs a service: %s", cmd.CommandPath(), cmd.UseLine())
			}
			o.Service, o.Command = args[0], args[1:]
			if cmd.Flags().Changed("entrypoint") {
				o.Entrypoint = &entrypoint
			}
			o.Stdin = !detach
			o.Terminal = !noTTY && !detach && term.IsTerminal(int(os.Stdin.Fd()))
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			ct, err := c.CreateOneOff(cmd.Context(), o)
			if err != nil {
				return err
			}
			return a.startOneOff(cmd, ct, detach, o)
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.BoolVar(&o.Remove, "rm", false, "remove the container when it exits")
	fl.BoolVarP(&detach, "detach", "d", false, "run in the background and print the container's name")
	stringArrayP(fl, &o.Env, "env", "e", nil, "set an environment variable")
	stringArrayP(fl, &o.Volumes, "volume", "v", nil, "mount a volume or host directory")
	stringArrayP(fl, &o.Ports, "publish", "p", nil, "publish a port")
	fl.BoolVar(&o.NoDeps, "no-deps", false, "do not start the service's dependencies")
	fl.StringVar(&entrypoint, "entrypoint", "", "override the entrypoint")
	fl.BoolVarP(&noTTY, "no-TTY", "T", false, "do not allocate a pseudo-terminal")
	fl.StringVarP(&o.User, "user", "u", "", "user[:group]")
	fl.StringVarP(&o.WorkDir, "workdir", "w", "", "working directory")
	fl.StringVar(&o.Name, "name", "", "name of the container")
	return cmd
}

// startOneOff starts a `compose run` container in one run session:
// detached it prints the name; else it stays attached and exits with the
// container's code.
func (a *app) startOneOff(cmd *cobra.Command, ct *container.Container, detach bool, o compose.RunOptions) error {
	err := a.session(cmd.Context(), ct.ID, detach, o.Stdin, o.Terminal, runMode{sigProxy: true, detachKeys: monitor.DefaultDetachKeys})
	if err == nil && detach {
		fmt.Fprintln(a.out, ct.Name)
	}
	return err
}

func newComposePull(a *app, f *composeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "pull [SERVICE...]",
		Short: "Pull the services' images",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			return c.Pull(cmd.Context(), args)
		},
	}
}

func newComposeBuild(a *app, f *composeFlags) *cobra.Command {
	var o compose.BuildOptions
	var args []string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "build [options] [SERVICE...]",
		Short: "Build the images of services with build:",
		RunE: func(cmd *cobra.Command, services []string) error {
			var err error
			if o.BuildArgs, err = buildArgs(nil, args); err != nil {
				return err
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			o.Services = services
			if quiet {
				c.Report = nil
			} else {
				o.Output = a.errOut
			}
			return composeBuildError(c.Build(cmd.Context(), o))
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.NoCache, "no-cache", false, "do not use cached steps")
	fl.BoolVar(&o.Pull, "pull", false, "pull base images even when they are stored")
	stringArray(fl, &args, "build-arg", nil, "ARG value for every service, NAME=VALUE (or NAME to take it from the environment)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	return cmd
}

// composeBuildError passes a failing RUN's exit code on, as `roost build`
// does.
func composeBuildError(err error) error {
	var re *build.RunError
	if errors.As(err, &re) {
		return &exitError{code: re.ExitCode, err: err}
	}
	return err
}

func newComposePush(a *app, f *composeFlags) *cobra.Command {
	return composeNotYet("push [SERVICE...]", "Push the services' images",
		"compose push: Roost cannot push images yet: push them with skopeo copy")
}

func newComposeEvents(a *app, f *composeFlags) *cobra.Command {
	return composeNotYet("events [SERVICE...]", "Stream the project's container events",
		"compose events: Roost records no events yet: use `roost compose ps` or `roost compose logs -f`")
}

// composeNotYet is a Docker Compose command Roost names but cannot do yet:
// it is listed in help, and fails with msg saying what to do instead.
func composeNotYet(use, short, msg string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short + " (not available yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New(msg)
		},
	}
}

func newComposeLs(a *app, f *composeFlags) *cobra.Command {
	var all, quiet bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "ls [options]",
		Short: "List running compose projects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			rows, err := compose.ListProjects(cmd.Context(), eng, compose.ListOptions{All: all})
			if err != nil {
				return err
			}
			if quiet {
				for _, r := range rows {
					fmt.Fprintln(a.out, r.Name)
				}
				return nil
			}
			return format.List(a.out, tmpl, "table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}", map[string]string{"ConfigFiles": "CONFIG FILES"}, rows, false)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "show stopped projects too")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only names")
	cmd.Flags().StringVar(&tmpl, "format", "", "json, or a Go template")
	return cmd
}

func newComposeTop(a *app, f *composeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "top [SERVICE...]",
		Short: "Show the processes of the services' containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			found, err := c.Top(cmd.Context(), args)
			for _, ct := range found { // what was found before an error too
				fmt.Fprintln(a.out, ct.Container)
				tw := tabwriter.NewWriter(a.out, 0, 8, 2, ' ', 0)
				for _, r := range ct.Processes {
					fmt.Fprintln(tw, strings.Join(r, "\t"))
				}
				tw.Flush()
				fmt.Fprintln(a.out)
			}
			return err
		},
	}
}

func newComposePort(a *app, f *composeFlags) *cobra.Command {
	var index int
	var proto string
	cmd := &cobra.Command{
		Use:   "port [options] SERVICE PRIVATE_PORT",
		Short: "Print the host address a service's port is published on",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := strconv.Atoi(args[1])
			if err != nil || port < 1 || port > 65535 {
				return fmt.Errorf("invalid port %q: give a number from 1 to 65535", args[1])
			}
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			addr, err := c.PublishedPort(cmd.Context(), compose.PortOptions{Service: args[0], Index: index, Port: port, Protocol: proto})
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, addr)
			return nil
		},
	}
	cmd.Flags().IntVar(&index, "index", 1, "which container of the service")
	cmd.Flags().StringVar(&proto, "protocol", "tcp", "tcp or udp")
	return cmd
}

func newComposeImages(a *app, f *composeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "images [SERVICE...]",
		Short: "List the images the project's containers use",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			list, err := c.Images(cmd.Context(), args)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "CONTAINER\tREPOSITORY\tTAG\tIMAGE ID")
			for _, i := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", i.Container, i.Repository, i.Tag, i.ID)
			}
			return tw.Flush()
		},
	}
}

func newComposeWait(a *app, f *composeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "wait SERVICE...",
		Short: "Wait for the services' containers to exit and print their exit codes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.composeProject(cmd, f, nil)
			if err != nil {
				return err
			}
			return c.Wait(cmd.Context(), args, func(e compose.ContainerExit) {
				fmt.Fprintln(a.out, e.ExitCode)
			})
		},
	}
}

func newComposeVersion(a *app, f *composeFlags) *cobra.Command {
	var short bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the compose version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if short {
				fmt.Fprintln(a.out, version.Version)
				return nil
			}
			fmt.Fprintf(a.out, "Roost Compose version %s\n", version.Version)
			return nil
		},
	}
	cmd.Flags().BoolVar(&short, "short", false, "print only the version number")
	markTree(cmd)
	return cmd
}
