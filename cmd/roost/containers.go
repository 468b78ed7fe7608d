package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
)

// addContainerCommands adds the container commands, top-level and under
// `container`, with Podman's aliases.
func addContainerCommands(a *app, root *cobra.Command, args []string) {
	group := &cobra.Command{Use: "container", Short: "Manage containers"}
	// Every command is also under `container`: made a second time only when
	// the command line can reach the group, as run's and create's hundreds
	// of flags cost every command's start-up otherwise.
	whole := needsWholeTree(args, "container")
	for _, mk := range []func(*app) *cobra.Command{
		newRunCommand, newCreateCommand, newStartCommand, newStopCommand, newKillCommand,
		newRestartCommand, newRmCommand, newPsCommand, newLogsCommand, newWaitCommand,
		newAttachCommand, newContainerInspectCommand, newCommitCommand, newExecCommand,
		newTopCommand, newRenameCommand, newPortCommand, newPauseCmd, newUnpauseCmd, newStatsCommand,
		newCpCommand, newExportCommand, newDiffCommand, newMountCommand, newUnmountCommand, newUpdateCommand,
	} {
		root.AddCommand(mk(a))
		if !whole {
			continue
		}
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
	return a.Core().Containers()
}

// composeBinary is roost built with compose (the build tag "compose").
// compose-go pulls in a JSON-schema library whose package init compiles
// every draft's metaschema: about 7 ms that every roost command would pay
// before doing anything. So, as Docker ships compose as a plugin, plain
// roost's `compose` runs roost-compose, found next to it, with the same
// command line (compose_plugin.go).
const composeBinary = "roost-compose"

// exitCommand is how a monitor calls Roost back: this binary with the
// global flags that chose this storage.
func (a *app) exitCommand() []string {
	cmd := []string{roostBinary()}
	g := a.globals
	for flag, v := range map[string]string{"--root": g.Root, "--runroot": g.RunRoot, "--storage-driver": g.StorageDriver, "--tmpdir": g.TmpDir} {
		if v != "" {
			cmd = append(cmd, flag, v)
		}
	}
	for _, o := range g.StorageOpts {
		cmd = append(cmd, "--storage-opt", o)
	}
	return cmd
}

// roostBinary is this executable, but plain roost beside roost-compose when
// that is what runs: the commands a container or unit runs later (exit
// command, ExecStart) need no compose, so they start quicker without it.
func roostBinary() string {
	self, err := os.Executable()
	if err != nil {
		return "roost"
	}
	if filepath.Base(self) == composeBinary {
		plain := filepath.Join(filepath.Dir(self), "roost")
		if _, err := os.Stat(plain); err == nil {
			return plain
		}
	}
	return self
}
