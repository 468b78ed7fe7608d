package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/image"
)

// Podman's rmi exit codes: 1 when an image did not exist (and nothing else
// failed), 2 when an image is in use, 125 otherwise.
const (
	exitImageUnknown = 1
	exitImageInUse   = 2
)

func newRmiCommand(a *app, use string) *cobra.Command {
	var opts image.RemoveOptions
	cmd := &cobra.Command{
		Use:   use + " [options] IMAGE [IMAGE...]",
		Short: "Remove images from local storage",
		RunE: func(c *cobra.Command, args []string) error {
			return a.rmi(c, args, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Force, "force", "f", false, "also remove the containers that use the image")
	fl.BoolVarP(&opts.All, "all", "a", false, "remove every image")
	fl.BoolVarP(&opts.Ignore, "ignore", "i", false, "ignore images that do not exist")
	return cmd
}

func (a *app) rmi(c *cobra.Command, args []string, opts image.RemoveOptions) error {
	if len(args) == 0 && !opts.All {
		return errors.New("give an IMAGE to remove, or --all")
	}
	if len(args) > 0 && opts.All {
		return errors.New("give IMAGEs or --all, not both")
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	if opts.Force {
		eng, err := a.Engine()
		if err != nil {
			return err
		}
		opts.RemoveContainer = func(id string) error { return eng.RemoveUser(c.Context(), id) }
	}
	opts.Events = a.cfg.Events
	done, err := image.Remove(c.Context(), store, args, opts)
	// Podman lists every untagged name first, then every deleted ID.
	for _, r := range done {
		for _, n := range r.Untagged {
			fmt.Fprintln(a.out, "Untagged: "+n)
		}
	}
	for _, r := range done {
		if r.Deleted != "" {
			fmt.Fprintln(a.out, "Deleted: "+r.Deleted)
		}
	}
	return rmiExit(err)
}

func rmiExit(err error) error {
	if err == nil {
		return nil
	}
	// Several failures (one per image) read best as one line split by "; ".
	line := errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	switch {
	case errors.Is(err, image.ErrInUse):
		return &exitError{code: exitImageInUse, err: line}
	case onlyUnknown(err):
		return &exitError{code: exitImageUnknown, err: line}
	}
	return line
}

// onlyUnknown reports whether every failure was an image that does not exist.
func onlyUnknown(err error) bool {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return errors.Is(err, cstorage.ErrImageUnknown)
	}
	for _, e := range joined.Unwrap() {
		if !errors.Is(e, cstorage.ErrImageUnknown) {
			return false
		}
	}
	return true
}
