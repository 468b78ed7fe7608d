package main

import (
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newTopCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top CONTAINER [DESCRIPTORS...]",
		Short: "Show the processes of a running container",
		Long: "Show the processes of a running container, like ps. Descriptors choose the columns:\n" +
			"args, comm, etime, group, hgroup, hpid, huser, nice, pcpu, pgid, pid, ppid, rgroup, ruser,\n" +
			"seccomp, state, stime, time, tty, user, vsz, or AIX codes (%C %G %P %U %a %c %g %n %p %r %t %u %x %y %z).\n" +
			"Default: user pid ppid pcpu etime tty time args.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			rows, err := eng.Top(args[0], args[1:])
			if err != nil {
				return err
			}
			// Podman's column layout: at least 12 wide, two spaces apart.
			tw := tabwriter.NewWriter(a.out, 12, 2, 2, ' ', 0)
			for _, r := range rows {
				if _, err := tw.Write([]byte(strings.Join(r, "\t") + "\n")); err != nil {
					return err
				}
			}
			return tw.Flush()
		},
	}
	// Descriptors after CONTAINER are not flags.
	cmd.Flags().SetInterspersed(false)
	return cmd
}
