package main

import (
	"runtime"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/version"
)

// versionInfo has the fields of Podman's `version --format json` Client section.
type versionInfo struct {
	Version    string
	APIVersion string
	GoVersion  string
	GitCommit  string
	Built      string
	OsArch     string
	Os         string
}

func newVersionCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:         "version",
		Short:       "Show Roost's version",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noNamespace: "true"},
		RunE: func(*cobra.Command, []string) error {
			v := versionInfo{
				Version:    version.Version,
				APIVersion: version.Version,
				GoVersion:  runtime.Version(),
				GitCommit:  version.GitCommit,
				Built:      version.BuildTime,
				OsArch:     runtime.GOOS + "/" + runtime.GOARCH,
				Os:         runtime.GOOS,
			}
			if f == "" {
				return format.Each(a.out, "Version:      {{.Version}}\nGo Version:   {{.GoVersion}}\nGit Commit:   {{.GitCommit}}\nBuilt:        {{.Built}}\nOS/Arch:      {{.OsArch}}", []versionInfo{v})
			}
			if format.IsJSON(f) {
				return format.JSON(a.out, struct{ Client versionInfo }{v})
			}
			return format.One(a.out, f, struct{ Client versionInfo }{v})
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "json or a Go template (e.g. {{.Client.Version}})")
	return cmd
}
