package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// groupCommand marks a command that only holds subcommands (image, pod,
// system...): it answers with its help or an error and needs no set-up.
const groupCommand = "roost.group"

// helpTemplate and usageTemplate give every subcommand Podman's layout of
// --help: what it does, then Usage, Aliases, Examples, Available Commands
// and its own Options (the global ones are under `roost --help`).
const helpTemplate = `{{with (or .Short .Long)}}{{.}}{{end}}

Description:
  {{with (or .Long .Short)}}{{.}}{{end}}

{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}`

const usageTemplate = `Usage:{{if (and .Runnable (not .HasAvailableSubCommands))}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.UseLine}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
  {{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Options:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}
`

// shapeCommands walks the finished tree once: every command gets Podman's
// help layout, a usage line that says [options] when it has options, and
// every group answers a missing or unknown subcommand as Podman does.
func shapeCommands(root *cobra.Command) {
	root.SetUsageTemplate(usageTemplate)
	shapeGroup(root)
	for _, c := range root.Commands() {
		shapeTree(c)
	}
}

func shapeTree(c *cobra.Command) {
	c.SetHelpTemplate(helpTemplate)
	c.SetUsageTemplate(usageTemplate)
	c.DisableFlagsInUseLine = true
	if c.HasSubCommands() && !c.DisableFlagParsing {
		shapeGroup(c)
		// A group's Use is its name: the usage line adds [command].
		c.Use = c.Name()
	} else if hasOwnOptions(c) && !strings.Contains(c.Use, "[options]") {
		c.Use = insertOptions(c.Use)
	}
	for _, sub := range c.Commands() {
		shapeTree(sub)
	}
}

// needsWholeTree says whether a command line may reach the named group or
// needs every command (help, completion): only then is a tree that
// repeats commands made whole.
func needsWholeTree(args []string, group string) bool {
	for _, a := range args {
		switch a {
		case group, "help", "--help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return true
		}
	}
	return false
}

// newGroup is a command group (image, volume, secret...) holding subs;
// shapeGroup gives it Podman's answer to a missing or unknown subcommand.
func newGroup(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{Use: use, Short: short}
	g.AddCommand(subs...)
	shapeGroup(g)
	return g
}

// shapeGroup makes c answer like Podman's command groups.
func shapeGroup(c *cobra.Command) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[groupCommand] = "true"
	c.Annotations[noNamespace] = "true"
	c.Args = cobra.ArbitraryArgs
	c.Run = nil
	c.RunE = subCommandExists
}

// hasOwnOptions: the command has visible flags of its own (not inherited).
func hasOwnOptions(c *cobra.Command) bool {
	return c.Flags().HasAvailableFlags() || c.PersistentFlags().HasAvailableFlags()
}

// insertOptions puts "[options]" after the command's name in a Use line,
// where Podman's usage lines have it.
func insertOptions(use string) string {
	name, rest, found := strings.Cut(use, " ")
	if !found {
		return name + " [options]"
	}
	return name + " [options] " + rest
}

// usageError is an error whose message has several lines on purpose (a
// hint on the second), printed as it is.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// subCommandExists is the RunE of every command group: with no subcommand
// it prints the group's help and says so; with an unknown one it names it,
// with cobra's suggestions, as Podman does. Both exit 125.
func subCommandExists(cmd *cobra.Command, args []string) error {
	path := cmd.CommandPath()
	if len(args) == 0 {
		_ = cmd.Help()
		return fmt.Errorf("missing command '%s COMMAND'", path)
	}
	msg := fmt.Sprintf("unrecognized command `%s %s`", path, args[0])
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default for its suggestions
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return &usageError{msg: msg + fmt.Sprintf("\nTry '%s --help' for more information", path)}
}

// noArgs is Podman's check for commands that take no arguments.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("`%s` takes no arguments", cmd.CommandPath())
	}
	return nil
}
