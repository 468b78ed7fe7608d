package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
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
		Short: "Install the Quadlet generator (roost-generator) for systemd (as root)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if os.Geteuid() != 0 {
				return fmt.Errorf("systemd reads generators only from system directories: run `sudo roost systemd install` (or `sudo make install`)")
			}
			self, err := os.Executable()
			if err != nil {
				return err
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
