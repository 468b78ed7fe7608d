package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/systemd"
)

// generatorDirs are where `roost systemd install` links the generator:
// systemd 252 reads no generator from a user's home, so this needs root.
var generatorDirs = []string{
	"/usr/local/lib/systemd/user-generators",   // users' ~/.config/roost/systemd
	"/usr/local/lib/systemd/system-generators", // root's /etc/roost/systemd
}

func newSystemdCommand(a *app) *cobra.Command {
	group := &cobra.Command{Use: "systemd", Short: "Install Roost's systemd integration"}
	var prefix string
	install := &cobra.Command{
		Use:   "install",
		Short: "Install the Quadlet generator, the auto-update timer and the API socket",
		Long: "As root: link roost-generator into systemd's generator directories and install\n" +
			"roost-auto-update.service and .timer, roost.socket and roost.service for every user\n" +
			"and for the system.\n" +
			"As a user: install roost-auto-update.service and .timer, roost.socket and roost.service\n" +
			"in ~/.config/systemd/user (systemd reads generators only from system directories).\n" +
			"Enable the API with `systemctl --user enable --now roost.socket`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			units := append(systemd.AutoUpdateUnits([]string{self}), systemd.APIUnits([]string{self})...)
			if a.cfg.Rootless { // inside Roost's namespace geteuid() says 0
				dir := filepath.Join(a.cfg.Home, ".config", "systemd", "user")
				if err := writeUnits(a, filepath.Join(prefix, dir), units); err != nil {
					return err
				}
				fmt.Fprintln(a.errOut, "WARNING: the Quadlet generator needs root: run `sudo roost systemd install`")
				return nil
			}
			for _, d := range []string{"/usr/local/lib/systemd/user", "/usr/local/lib/systemd/system"} {
				if err := writeUnits(a, filepath.Join(prefix, d), units); err != nil {
					return err
				}
			}
			for _, d := range generatorDirs {
				dir := filepath.Join(prefix, d)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return fmt.Errorf("install the generator: %w", err)
				}
				link := filepath.Join(dir, generatorName)
				os.Remove(link)
				if err := os.Symlink(self, link); err != nil {
					return fmt.Errorf("install the generator: %w", err)
				}
				fmt.Fprintln(a.out, link)
			}
			return nil
		},
	}
	install.Flags().StringVar(&prefix, "prefix", "", "install under this root directory (for packaging)")
	group.AddCommand(install)
	markTree(group)
	return group
}

// writeUnits writes unit files into dir and prints their paths.
func writeUnits(a *app, dir string, units []systemd.Unit) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install units: %w", err)
	}
	for _, u := range units {
		p := filepath.Join(dir, u.Name)
		if err := os.WriteFile(p, []byte(u.Content), 0o644); err != nil {
			return fmt.Errorf("install units: %w", err)
		}
		fmt.Fprintln(a.out, p)
	}
	return nil
}
