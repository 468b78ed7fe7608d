package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/version"
)

// versionText is Podman's layout of `version`, with Roost's name.
const versionText = `Client:       Roost Engine
Version:      {{.Version}}
API Version:  {{.APIVersion}}
Go Version:   {{.GoVersion}}
{{if .GitCommit}}Git Commit:   {{.GitCommit}}
{{end}}Built:        {{.BuiltTime}}
OS/Arch:      {{.OsArch}}`

func newVersionCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:         "version [options]",
		Short:       "Display the Roost version information",
		Args:        noArgs,
		Annotations: map[string]string{noNamespace: "true"},
		RunE: func(*cobra.Command, []string) error {
			v := version.Current()
			rep := version.Report{Client: &v}
			switch {
			case f == "":
				return format.One(a.out, versionText, v)
			case format.IsJSON(f):
				return format.JSON(a.out, rep)
			}
			// There is no server: as in Podman, .Server.X reads the client's X.
			return format.One(a.out, strings.ReplaceAll(f, ".Server.", ".Client."), rep)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "Change the output format to JSON or a Go template")
	return cmd
}
