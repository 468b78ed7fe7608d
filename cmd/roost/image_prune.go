package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/image"
)

func newImagePruneCommand(a *app) *cobra.Command {
	var opts image.PruneOptions
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove unused images",
		Long:  "Remove dangling images (without a name), or with --all every image no container uses.\nWithout --force it asks first, reading the answer from standard input.",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !force {
				ok, err := confirmPrune(a, os.Stdin, opts.All)
				if err != nil || !ok {
					return err
				}
			}
			store, err := a.Store()
			if err != nil {
				return err
			}
			opts.Events = a.cfg.Events
			ids, err := image.Prune(c.Context(), store, opts)
			for _, id := range ids {
				fmt.Fprintln(a.out, id)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.All, "all", "a", false, "remove every image no container uses, not only dangling ones")
	fl.BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	stringArray(fl, &opts.Filters, "filter", nil, "only prune images matching: label=KEY[=VALUE], label!=..., until=TIME (repeatable)")
	return cmd
}

// confirmPrune asks as Podman does. Like Podman it reads standard input even
// when it is not a terminal (so `echo y | roost image prune` works), and
// having no answer at all is an error rather than a silent "no".
func confirmPrune(a *app, in io.Reader, all bool) (bool, error) {
	what := "WARNING! This command removes all dangling images."
	if all {
		what = "WARNING! This command removes all images without at least one container associated with them."
	}
	return confirm(a, in, what)
}

// confirm prints a warning, asks "[y/N]" and reads the answer from in.
func confirm(a *app, in io.Reader, warning string) (bool, error) {
	fmt.Fprint(a.out, warning+"\nAre you sure you want to continue? [y/N] ")
	answer, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || answer == "") {
		fmt.Fprintln(a.out)
		return false, errors.New("no answer on standard input: pass --force to prune without asking")
	}
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes", nil
}
