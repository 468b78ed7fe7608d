package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newVolumeExportCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [options] VOLUME",
		Short: "Write a volume's files as a tar archive",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" && term.IsTerminal(int(os.Stdout.Fd())) {
				return errors.New("refusing to write a tar archive to a terminal: use --output FILE or redirect standard output")
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if _, err := eng.Volumes.Get(args[0]); err != nil {
				return err
			}
			if output == "" {
				return eng.Volumes.Export(args[0], a.out)
			}
			f, err := os.Create(output)
			if err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			if err := eng.Volumes.Export(args[0], f); err != nil {
				f.Close()
				os.Remove(output)
				return err
			}
			return f.Close()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

func newVolumeImportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import VOLUME FILE|-",
		Short: "Unpack a tar archive into an existing volume",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if _, err := eng.Volumes.Get(args[0]); err != nil {
				return err
			}
			var in io.Reader = os.Stdin
			if args[1] != "-" {
				f, err := os.Open(args[1])
				if err != nil {
					return fmt.Errorf("import into volume %s: %w", args[0], err)
				}
				defer f.Close()
				in = f
			}
			return eng.Volumes.Import(args[0], in)
		},
	}
}
