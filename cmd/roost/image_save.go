package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	cstorage "go.podman.io/storage"
	"golang.org/x/term"

	"github.com/roost-containers/roost/pkg/image"
)

type saveFlags struct {
	output, format                  string
	multi, quiet, cmp, uncompressed bool
}

func newSaveCommand(a *app) *cobra.Command {
	var f saveFlags
	cmd := &cobra.Command{
		Use:   "save [options] IMAGE [IMAGE...]",
		Short: "Save image(s) to an archive",
		Long:  "Save images to a docker-archive (default), oci-archive, oci-dir or docker-dir; to stdout when it is not a terminal.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.save(c, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write to FILE (or directory, for the *-dir formats) instead of stdout")
	fl.StringVar(&f.format, "format", image.FormatDockerArchive, "docker-archive, oci-archive, oci-dir or docker-dir")
	fl.BoolVarP(&f.multi, "multi-image-archive", "m", false, "save several images into one docker-archive")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no progress")
	fl.BoolVar(&f.cmp, "compress", false, "compress layers (docker-dir only; accepted for Podman's sake)")
	fl.BoolVar(&f.uncompressed, "uncompressed", false, "keep the layers uncompressed (oci-archive, oci-dir)")
	return cmd
}

func (a *app) save(c *cobra.Command, f saveFlags, names []string) error {
	if f.multi && f.format != image.FormatDockerArchive {
		return errors.New("--multi-image-archive needs --format docker-archive")
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	o := image.SaveOptions{Format: f.format, Output: f.output, Uncompressed: f.uncompressed}
	if !f.quiet && f.output != "" {
		o.Progress = a.errOut
	}
	if f.output != "" {
		return image.Save(c.Context(), store, a.cfg, names, o)
	}
	if out, ok := a.out.(*os.File); ok && term.IsTerminal(int(out.Fd())) {
		return errors.New("refusing to save to terminal: use -o flag or redirect")
	}
	if f.format == image.FormatOCIDir || f.format == image.FormatDockerDir {
		return fmt.Errorf("--format %s writes a directory: give it with -o", f.format)
	}
	return saveToStdout(c, a, store, names, o)
}

// saveToStdout writes the archive to a temporary file first: the archive
// writers need a file, as Podman's do.
func saveToStdout(c *cobra.Command, a *app, store cstorage.Store, names []string, o image.SaveOptions) error {
	tmp, done, err := image.OperationTempDir()
	if err != nil {
		return err
	}
	defer done()
	o.Output = tmp + "/archive.tar"
	if err := image.Save(c.Context(), store, a.cfg, names, o); err != nil {
		return err
	}
	f, err := os.Open(o.Output)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(a.out, f)
	return err
}

func newLoadCommand(a *app) *cobra.Command {
	var input string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load [options]",
		Short: "Load image(s) from a tar archive",
		Long:  "Load images from an archive, directory or URL that save wrote (any format), or from stdin.",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.load(c, input, quiet)
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "read from FILE, directory or URL (default: stdin)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	return cmd
}

func (a *app) load(c *cobra.Command, input string, quiet bool) error {
	o := image.LoadOptions{Input: input}
	if input == "" {
		if term.IsTerminal(int(os.Stdin.Fd())) {
			return errors.New("cannot read from terminal, use command-line redirection or the --input flag")
		}
		o.Reader = os.Stdin
	}
	if !quiet {
		o.Progress = a.errOut
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	names, err := image.Load(c.Context(), store, a.cfg, o)
	for _, n := range names {
		fmt.Fprintln(a.out, "Loaded image: "+n)
	}
	return err
}
