package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"
)

func newUnshareCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unshare [COMMAND [ARG...]]",
		Short: "Run a command in Roost's user namespace (a shell by default)",
		Long: "Run a command in the user and mount namespace Roost's containers use: uid 0 there is you,\n" +
			"and storage mounts are visible. CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT are set.",
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			if !a.cfg.Rootless {
				return errors.New("roost unshare is for rootless use: as root there is no user namespace to enter")
			}
			if len(args) == 0 {
				sh := os.Getenv("SHELL")
				if sh == "" {
					sh = "/bin/sh"
				}
				args = []string{sh}
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
			cmd.Env = append(os.Environ(),
				"CONTAINERS_GRAPHROOT="+a.cfg.GraphRoot,
				"CONTAINERS_RUNROOT="+a.cfg.StorageRunRoot)
			err := cmd.Run()
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee):
				return &exitError{code: ee.ExitCode()}
			case errors.Is(err, exec.ErrNotFound):
				return &exitError{code: exitNotFoundInCtr, err: fmt.Errorf("%s: command not found", args[0])}
			case err != nil:
				return &exitError{code: exitCannotInvoke, err: fmt.Errorf("run %s: %w", args[0], err)}
			}
			return nil
		},
	}
	// Flags after the command belong to it: `roost unshare ls -l`.
	cmd.Flags().SetInterspersed(false)
	return cmd
}
