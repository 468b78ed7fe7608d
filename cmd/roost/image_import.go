package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/image"
)

type importFlags struct {
	changes []string
	message string
	format  string
	quiet   bool
}

func newImportCommand(a *app) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import [options] PATH [REFERENCE]",
		Short: "Import a tarball to create a filesystem image",
		Long: "Make an image of one layer from a tarball of a filesystem (what export writes): a file,\n" +
			"an http(s) URL, or - for stdin; its config edited by --change.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			return a.importImage(c, f, args)
		},
	}
	fl := cmd.Flags()
	stringArrayP(fl, &f.changes, "change", "c", nil, "apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, ...); repeatable")
	fl.StringVarP(&f.message, "message", "m", "", "commit message, kept in the image's history")
	fl.StringVarP(&f.format, "format", "f", image.FormatOCI, "image format: oci or docker")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the new image's ID")
	return cmd
}

func (a *app) importImage(c *cobra.Command, f importFlags, args []string) error {
	changes, err := image.ParseChanges(f.changes)
	if err != nil {
		return err
	}
	name, err := commitTarget(f.format, args)
	if err != nil {
		return err
	}
	o := image.ImportOptions{Source: args[0], Reader: os.Stdin,
		CommitOptions: image.CommitOptions{Format: f.format, Message: f.message, Changes: changes}}
	o.Name = name
	if !f.quiet {
		o.Progress = a.errOut
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	id, err := image.Import(c.Context(), store, a.cfg, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out, id)
	return nil
}
