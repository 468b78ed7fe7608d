package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/systemd"
)

// generatorName is the name systemd runs this binary under as a generator
// (a symlink in a generator directory; see `roost systemd install`).
const generatorName = "roost-generator"

// isGenerator says whether this process is the systemd generator.
func isGenerator() bool { return filepath.Base(os.Args[0]) == generatorName }

// runGenerator is the generator: systemd calls it with its three output
// directories at boot and at every daemon-reload; it writes a unit for each
// valid Quadlet file into the first. Problems go to stderr (the journal):
// warnings name file and line; an invalid file's unit is not written.
func runGenerator(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, generatorName+": systemd runs it with its output directories")
		return 1
	}
	if os.Getenv("HOME") == "" {
		// Generators may get a bare environment.
		if u, err := user.Current(); err == nil {
			os.Setenv("HOME", u.HomeDir)
		}
	}
	cfg, err := config.Load(config.Globals{})
	if err != nil {
		fmt.Fprintln(os.Stderr, generatorName+":", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, generatorName+":", err)
		return 1
	}
	for _, f := range systemd.QuadletFiles(systemd.QuadletDirs(cfg.ConfigDir)) {
		g, err := systemd.ConvertFile(f, []string{self})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v: unit not generated\n", generatorName, err)
			continue
		}
		printWarnings(os.Stderr, g)
		if err := systemd.WriteGenerated(args[0], g); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s: %v\n", generatorName, f, err)
		}
	}
	return 0
}

func printWarnings(w io.Writer, g systemd.Generated) {
	for _, m := range g.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", m)
	}
}

func newQuadletCommand(a *app) *cobra.Command {
	group := &cobra.Command{Use: "quadlet", Short: "Manage Quadlet files (.container, .network, .volume, .build) for systemd"}
	group.AddCommand(newQuadletListCommand(a), newQuadletPrintCommand(a),
		newQuadletInstallCommand(a), newQuadletRmCommand(a))
	markTree(group)
	return group
}

// quadletDir is where this user's Quadlet files go.
func (a *app) quadletDir() string { return systemd.QuadletDirs(a.cfg.ConfigDir)[0] }

// quadletRoost is the roost command generated units run.
func quadletRoost() []string {
	self, err := os.Executable()
	if err != nil {
		self = "/usr/local/bin/roost"
	}
	return []string{self}
}

// quadletRow is a line of `quadlet list`.
type quadletRow struct {
	Name   string `json:"Name"`
	Unit   string `json:"Unit"`
	Path   string `json:"Path"`
	Status string `json:"Status"`
}

func newQuadletListCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:     "list [options]",
		Aliases: []string{"ls"},
		Short:   "List Quadlet files and the units they become",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rows []quadletRow
			for _, p := range systemd.QuadletFiles(systemd.QuadletDirs(a.cfg.ConfigDir)) {
				r := quadletRow{Name: filepath.Base(p), Unit: systemd.QuadletUnitName(p), Path: p, Status: "ok"}
				if _, err := systemd.ConvertFile(p, quadletRoost()); err != nil {
					r.Status = "invalid: " + err.Error()
				}
				rows = append(rows, r)
			}
			return format.List(a.out, f, "{{.Name}}\t{{.Unit}}\t{{.Status}}", nil, rows, false)
		},
	}
	cmd.Flags().StringVar(&f, "format", "", "json or a Go template ({{.Name}} {{.Unit}} {{.Path}} {{.Status}})")
	return cmd
}

// findQuadlet resolves NAME (a file name in the Quadlet directory, with or
// without its extension, or a unit name) or a path.
func (a *app) findQuadlet(ref string) (string, error) {
	if strings.Contains(ref, "/") {
		return ref, nil
	}
	for _, p := range systemd.QuadletFiles(systemd.QuadletDirs(a.cfg.ConfigDir)) {
		base := filepath.Base(p)
		if base == ref || strings.TrimSuffix(base, filepath.Ext(base)) == ref || systemd.QuadletUnitName(p) == ref {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Quadlet file %q in %s: see `roost quadlet list`", ref, a.quadletDir())
}

func newQuadletPrintCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "print NAME|FILE",
		Short: "Print the unit a Quadlet file becomes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.findQuadlet(args[0])
			if err != nil {
				return err
			}
			g, err := systemd.ConvertFile(p, quadletRoost())
			if err != nil {
				return err
			}
			printWarnings(a.errOut, g)
			fmt.Fprint(a.out, g.Unit.Content)
			return nil
		},
	}
}

func newQuadletInstallCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "install FILE [FILE...]",
		Short: "Check Quadlet files and copy them into the Quadlet directory",
		Long:  "Check Quadlet files and copy them into the Quadlet directory;\nthen `systemctl --user daemon-reload` makes their units.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Every file is checked before any is copied: all or nothing.
			datas := make([][]byte, len(args))
			for i, p := range args {
				if !systemd.IsQuadlet(p) {
					return fmt.Errorf("%s: not a Quadlet file (.container, .network, .volume, .pod, .build)", p)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				// Converted where it is: its .network/.volume siblings are
				// usually installed with it.
				if _, err := systemd.ConvertQuadlet(p, b, quadletRoost()); err != nil {
					return fmt.Errorf("%v: nothing installed", err)
				}
				datas[i] = b
			}
			dir := a.quadletDir()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for i, p := range args {
				dst := filepath.Join(dir, filepath.Base(p))
				if err := os.WriteFile(dst, datas[i], 0o644); err != nil {
					return err
				}
				if g, err := systemd.ConvertFile(dst, quadletRoost()); err == nil {
					printWarnings(a.errOut, g)
				}
				fmt.Fprintln(a.out, dst)
			}
			return nil
		},
	}
}

func newQuadletRmCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME [NAME...]",
		Aliases: []string{"remove"},
		Short:   "Remove Quadlet files (stop their units first)",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var paths []string
			for _, ref := range args {
				p, err := a.findQuadlet(ref)
				if err != nil {
					return err
				}
				paths = append(paths, p)
			}
			for _, p := range paths {
				if err := os.Remove(p); err != nil {
					return err
				}
				fmt.Fprintln(a.out, p)
			}
			return nil
		},
	}
}
