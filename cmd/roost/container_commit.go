package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
)

type commitFlags struct {
	changes         []string
	message, author string
	format          string
	pause, quiet    bool
	includeVolumes  bool
}

func newCommitCommand(a *app) *cobra.Command {
	var f commitFlags
	cmd := &cobra.Command{
		Use:   "commit [options] CONTAINER [IMAGE]",
		Short: "Create a new image from a container's changes",
		Long: "Create a new image from a container's changes: the container's image with one more layer\n" +
			"holding what the container added, changed and deleted, and its config edited by --change.\n" +
			"Without IMAGE the new image has no name; a short name is stored under localhost/.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.commit(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	stringArrayP(fl, &f.changes, "change", "c", nil, "apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR); repeatable")
	fl.StringVarP(&f.message, "message", "m", "", "commit message, kept in the image's history")
	fl.StringVarP(&f.author, "author", "a", "", "author of the image (e.g. \"Name <email>\")")
	fl.StringVarP(&f.format, "format", "f", image.FormatOCI, "image format: oci or docker")
	fl.BoolVarP(&f.pause, "pause", "p", false, "pause the container while committing (unavailable without the cgroup v2 freezer: refused for a running container)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the new image's ID")
	fl.BoolVar(&f.includeVolumes, "include-volumes", false, "accepted for Podman compatibility; has no effect")
	return cmd
}

func (a *app) commit(cmd *cobra.Command, f commitFlags, args []string) error {
	// Everything the user typed is checked before the container is touched.
	changes, err := image.ParseChanges(f.changes)
	if err != nil {
		return err
	}
	name, err := commitTarget(f.format, args)
	if err != nil {
		return err
	}
	o := container.CommitOptions{
		CommitOptions: image.CommitOptions{
			Format: f.format, Author: f.author, Message: f.message, Changes: changes,
		},
		Pause: f.pause,
	}
	o.Name = name
	if !f.quiet {
		o.Progress = a.errOut
	}
	eng, err := a.Engine()
	if err != nil {
		return err
	}
	for _, w := range image.CommitWarnings(f.format, changes) {
		fmt.Fprintln(a.errOut, "WARNING: "+w)
	}
	id, err := eng.Commit(cmd.Context(), args[0], o)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out, id)
	return nil
}

// commitTarget checks the --format of a new image and the name given as the
// second argument of commit or import ("" when none is).
func commitTarget(format string, args []string) (string, error) {
	if format != image.FormatOCI && format != image.FormatDocker {
		return "", fmt.Errorf("unknown --format %q: use oci or docker", format)
	}
	if len(args) < 2 {
		return "", nil
	}
	if _, err := image.NormalizeName(args[1]); err != nil {
		return "", err
	}
	return args[1], nil
}
