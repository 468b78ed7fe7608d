//go:build !compose

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
)

// addComposeCommands adds `compose`, which hands the whole command line over
// to roost-compose (see composeBinary).
func addComposeCommands(a *app, root *cobra.Command) {
	root.AddCommand(pluginCommand("compose", "Run multi-container applications from compose files"))
}

// pluginCommand is a command run by roost-compose with this command line.
func pluginCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short,
		DisableFlagParsing: true,
		Annotations:        map[string]string{noNamespace: "true"},
		RunE: func(*cobra.Command, []string) error {
			path, err := composePath()
			if err != nil {
				return err
			}
			// The namespace variables this process may have exported go
			// along: roost-compose then runs inside the same holder.
			if err := syscall.Exec(path, append([]string{path}, os.Args[1:]...), os.Environ()); err != nil {
				return fmt.Errorf("run %s: %w", path, err)
			}
			return nil
		},
	}
}

// composePath is roost-compose beside this executable.
func composePath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find roost-compose: %w", err)
	}
	path := filepath.Join(filepath.Dir(self), composeBinary)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("roost compose and kube need %s next to roost (%s): it was not installed with roost (make install installs both)", composeBinary, path)
	}
	return path, nil
}
