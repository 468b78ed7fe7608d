//go:build !kube && !compose

package main

import "github.com/spf13/cobra"

// addKubeCommands adds `kube`, `play kube` and `generate kube`, which hand
// the whole command line to roost-compose: Kubernetes' types (about 10 MB)
// stay out of plain roost, as compose-go does (see composeBinary).
func addKubeCommands(a *app, root *cobra.Command) {
	root.AddCommand(pluginCommand("kube", "Play, remove and generate Kubernetes YAML"))
	play := &cobra.Command{Use: "play", Short: "Play Kubernetes YAML (alias of kube play)"}
	play.AddCommand(pluginCommand("kube", "Create pods, containers and volumes from Kubernetes YAML"))
	root.AddCommand(play)
	for _, c := range root.Commands() {
		if c.Name() == "generate" {
			c.AddCommand(pluginCommand("kube", "Write Kubernetes YAML for containers, pods and volumes"))
		}
	}
}
