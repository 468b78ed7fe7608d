//go:build !kube && !compose

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
)

// addKubeCommands adds `kube`, `play kube` and `generate kube`, which hand
// the whole command line to roost-compose: Kubernetes' types (about 9 MB)
// stay out of plain roost, as compose-go does (see composeBinary).
func addKubeCommands(a *app, root *cobra.Command) {
	handOver := func(use, short string) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, DisableFlagParsing: true,
			Annotations: map[string]string{noNamespace: "true"},
			RunE:        func(*cobra.Command, []string) error { return execKubePlugin() },
		}
	}
	root.AddCommand(handOver("kube", "Play, remove and generate Kubernetes YAML"))
	play := &cobra.Command{Use: "play", Short: "Play Kubernetes YAML (alias of kube play)"}
	play.AddCommand(handOver("kube", "Create pods, containers and volumes from Kubernetes YAML"))
	root.AddCommand(play)
	for _, c := range root.Commands() {
		if c.Name() == "generate" {
			c.AddCommand(handOver("kube", "Write Kubernetes YAML for containers, pods and volumes"))
		}
	}
}

// execKubePlugin runs roost-compose beside this executable with the same
// arguments and environment (the namespace variables go along).
func execKubePlugin() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find %s: %w", composeBinary, err)
	}
	path := filepath.Join(filepath.Dir(self), composeBinary)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("roost kube needs %s next to roost (%s): it was not installed with roost (make install installs both)", composeBinary, path)
	}
	if err := syscall.Exec(path, append([]string{path}, os.Args[1:]...), os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}
