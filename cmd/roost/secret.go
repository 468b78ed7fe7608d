package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/secrets"
)

// addSecretCommands adds `secret` and its subcommands, as Podman names them.
func addSecretCommands(a *app, root *cobra.Command) {
	group := newGroup("secret", "Manage secrets", newSecretCreateCommand(a), newSecretLsCommand(a), newSecretInspectCommand(a),
		newSecretRmCommand(a), newSecretExistsCommand(a))
	for _, c := range group.Commands() {
		if c.Name() != "create" && c.Name() != "ls" {
			c.ValidArgsFunction = a.completeSecrets
		}
	}
	root.AddCommand(group)
}

// completeSecrets offers the secrets' names to the shell (never files).
func (a *app) completeSecrets(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if cmd.Name() == "exists" && len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if a.cfg == nil { // cobra's __complete runs no hooks: load what prepare would
		cfg, err := config.Load(a.globals)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		a.cfg = cfg
	}
	list, err := a.Core().Secrets().List(nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	names := make([]string, 0, len(list))
	for _, s := range list {
		names = append(names, s.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

func newSecretCreateCommand(a *app) *cobra.Command {
	var driver string
	var driverOpts map[string]string
	var labels []string
	var fromEnv bool
	cmd := &cobra.Command{
		Use:   "create [options] NAME FILE|-",
		Short: "Create a secret from a file, stdin (-) or an environment variable (--env)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := secrets.CreateOptions{Name: args[0], Driver: driver, DriverOpts: driverOpts}
			var err error
			if o.Labels, err = keyValues("label", labels); err != nil {
				return err
			}
			if o.Data, err = secretData(args[1], fromEnv); err != nil {
				return err
			}
			s, err := a.Core().Secrets().Create(o)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, s.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&driver, "driver", "d", secrets.DriverFile, "secret driver (file)")
	f.StringToStringVar(&driverOpts, "driver-opts", nil, "driver options: path=DIR for the file driver")
	stringArrayP(f, &labels, "label", "l", nil, "set a label (KEY=VALUE)")
	f.BoolVar(&fromEnv, "env", false, "read the data from the environment variable named by the second argument")
	return cmd
}

// secretData reads a secret's data from a file, from stdin (-), or from an
// environment variable, as Podman does.
func secretData(src string, fromEnv bool) ([]byte, error) {
	switch {
	case fromEnv:
		v := os.Getenv(src)
		if v == "" {
			return nil, fmt.Errorf("cannot create store secret data: environment variable %s is not set", src)
		}
		return []byte(v), nil
	case src == "-" || src == "/dev/stdin":
		st, err := os.Stdin.Stat()
		if err != nil {
			return nil, err
		}
		if st.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != os.ModeNamedPipe && !st.Mode().IsRegular() {
			return nil, errors.New("if `-` is used, data must be passed into stdin")
		}
		return io.ReadAll(io.LimitReader(os.Stdin, secrets.MaxSize+1))
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, secrets.MaxSize+1))
}

// secretRow is one line of `secret ls`, with Podman's --format names.
type secretRow struct {
	ID, Name, Driver, CreatedAt, UpdatedAt string
}

func newSecretLsCommand(a *app) *cobra.Command {
	var filters []string
	var tmpl string
	var quiet, noHeading bool
	cmd := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List secrets",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tmpl != "" && !format.IsJSON(tmpl) {
				if _, err := format.Template(tmpl); err != nil {
					return err
				}
			}
			list, err := a.Core().Secrets().List(filters)
			if err != nil {
				return err
			}
			if quiet && tmpl == "" {
				for _, s := range list {
					fmt.Fprintln(a.out, s.ID)
				}
				return nil
			}
			rows := make([]secretRow, 0, len(list))
			for _, s := range list {
				rows = append(rows, secretRow{ID: s.ID, Name: s.Name, Driver: s.Driver, CreatedAt: ago(s.CreatedAt), UpdatedAt: ago(s.UpdatedAt)})
			}
			return format.List(a.out, tmpl, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}",
				map[string]string{"CreatedAt": "CREATED", "UpdatedAt": "UPDATED"}, rows, noHeading)
		},
	}
	f := cmd.Flags()
	stringArrayP(f, &filters, "filter", "f", nil, "name=REGEX, id=REGEX (repeatable)")
	f.StringVar(&tmpl, "format", "", "json, or a Go template ({{.ID}}, {{.Name}}, {{.Driver}}, {{.CreatedAt}}, {{.UpdatedAt}})")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the ids")
	f.BoolVar(&noHeading, "noheading", false, "do not print the header row")
	return cmd
}

func ago(t time.Time) string { return units.HumanDuration(time.Since(t)) + " ago" }

// secretInfo is `secret inspect`'s shape, Podman's field for field.
type secretInfo struct {
	ID        string
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      secretSpec
}

type secretSpec struct {
	Name   string
	Driver secretDriver
	Labels map[string]string
}

type secretDriver struct {
	Name    string
	Options map[string]string
}

const secretPretty = `ID:              {{.ID}}
Name:              {{.Spec.Name}}
{{- if .Spec.Labels }}
Labels:
{{- range $k, $v := .Spec.Labels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Driver:            {{.Spec.Driver.Name}}
Created at:        {{.CreatedAt}}
Updated at:        {{.UpdatedAt}}`

func newSecretInspectCommand(a *app) *cobra.Command {
	var tmpl string
	var pretty bool
	cmd := &cobra.Command{
		Use:   "inspect [options] SECRET [SECRET...]",
		Short: "Show secrets in detail (JSON), never their data",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tmpl != "" && !format.IsJSON(tmpl) {
				if _, err := format.Template(tmpl); err != nil {
					return err
				}
			}
			m := a.Core().Secrets()
			list := []secretInfo{}
			var errs []error
			for _, ref := range args {
				s, err := m.Lookup(ref)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				labels := s.Labels
				if labels == nil {
					labels = map[string]string{}
				}
				list = append(list, secretInfo{ID: s.ID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
					Spec: secretSpec{Name: s.Name, Driver: secretDriver{Name: s.Driver, Options: s.DriverOptions}, Labels: labels}})
			}
			var err error
			switch {
			case pretty:
				err = format.Each(a.out, secretPretty, list)
			case tmpl != "" && !format.IsJSON(tmpl):
				err = format.Each(a.out, tmpl, list)
			default:
				var b []byte
				if b, err = json.MarshalIndent(list, "", "    "); err == nil {
					fmt.Fprintln(a.out, string(b))
				}
			}
			if err != nil {
				return err
			}
			if len(errs) > 0 {
				for _, e := range errs[1:] {
					fmt.Fprintf(a.errOut, "error inspecting secret: %v\n", e)
				}
				return fmt.Errorf("inspecting secret: %w", errs[0])
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&tmpl, "format", "f", "", "json, or a Go template ({{.ID}}, {{.Spec.Name}}, {{.Spec.Driver.Name}}, {{.Spec.Labels}}...)")
	f.BoolVar(&pretty, "pretty", false, "print in a human-readable form")
	return cmd
}

func newSecretRmCommand(a *app) *cobra.Command {
	var all, ignore bool
	cmd := &cobra.Command{
		Use:   "rm [options] SECRET [SECRET...]",
		Short: "Remove secrets",
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) > 0 && all) || (len(args) == 0 && !all) {
				return errors.New("`roost secret rm` requires one argument, or the --all flag")
			}
			m := a.Core().Secrets()
			if all {
				list, err := m.List(nil)
				if err != nil {
					return err
				}
				for _, s := range list {
					args = append(args, s.ID)
				}
			}
			var last error
			for _, ref := range args {
				id, err := m.Remove(ref)
				switch {
				case err == nil:
					fmt.Fprintln(a.out, id)
				case ignore && errors.Is(err, secrets.ErrNoSuchSecret):
				default:
					if last != nil {
						fmt.Fprintln(a.errOut, "Error: "+oneLine(last.Error()))
					}
					last = err
				}
			}
			return last
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove every secret")
	cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "do not fail for a secret that does not exist")
	return cmd
}

func newSecretExistsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exists SECRET",
		Short: "Exit 0 if the secret exists, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.Core().Secrets().Lookup(args[0])
			if errors.Is(err, secrets.ErrNoSuchSecret) {
				return &exitError{code: 1}
			}
			return err
		},
	}
}

// parseSecretRefs reads every --secret of create and run.
func parseSecretRefs(list []string) ([]secrets.Ref, error) {
	var out []secrets.Ref
	for _, s := range list {
		r, err := secrets.ParseRef(s)
		if err != nil {
			return nil, fmt.Errorf("--secret %q: %w", s, err)
		}
		out = append(out, r)
	}
	return out, nil
}
