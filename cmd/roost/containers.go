package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
)

// addContainerCommands adds the container commands, top-level and under
// `container`, with Podman's aliases.
func addContainerCommands(a *app, root *cobra.Command) {
	group := &cobra.Command{Use: "container", Short: "Manage containers"}
	for _, mk := range []func(*app) *cobra.Command{
		newRunCommand, newCreateCommand, newStartCommand, newStopCommand, newKillCommand,
		newRestartCommand, newRmCommand, newPsCommand, newLogsCommand, newWaitCommand,
		newAttachCommand, newContainerInspectCommand, newCommitCommand, newExecCommand,
		newTopCommand, newRenameCommand, newPortCommand, newPauseCmd, newUnpauseCmd, newStatsCommand,
		newCpCommand, newExportCommand, newDiffCommand, newMountCommand, newUnmountCommand,
	} {
		root.AddCommand(mk(a))
		sub := mk(a)
		if sub.Name() == "ps" {
			sub.Aliases = []string{"ls", "list"}
		}
		group.AddCommand(sub)
	}
	group.AddCommand(newContainerExistsCommand(a), newCleanupCommand(a), newContainerPruneCommand(a))
	root.AddCommand(group)
}

// Engine returns the container engine over the open store.
func (a *app) Engine() (*container.Engine, error) {
	store, err := a.Store()
	if err != nil {
		return nil, err
	}
	if a.engine == nil {
		a.engine = container.New(a.cfg, store, a.exitCommand())
		// A start from a systemd unit hands the unit's socket to the monitor.
		a.engine.NotifySocket = os.Getenv("NOTIFY_SOCKET")
	}
	return a.engine, nil
}

// exitCommand is how a monitor calls Roost back: this binary with the
// global flags that chose this storage.
func (a *app) exitCommand() []string {
	self, err := os.Executable()
	if err != nil {
		self = "roost"
	}
	cmd := []string{self}
	g := a.globals
	for flag, v := range map[string]string{"--root": g.Root, "--runroot": g.RunRoot, "--storage-driver": g.StorageDriver} {
		if v != "" {
			cmd = append(cmd, flag, v)
		}
	}
	for _, o := range g.StorageOpts {
		cmd = append(cmd, "--storage-opt", o)
	}
	return cmd
}
