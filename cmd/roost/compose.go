//go:build compose

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/compose"
)

// composeFlags are the project flags every compose command shares.
type composeFlags struct {
	files, envFiles, profiles []string
	project, projectDir       string
}

func addComposeCommands(a *app, root *cobra.Command) {
	var f composeFlags
	cmd := &cobra.Command{
		Use:   "compose",
		Short: "Run multi-container applications from compose files",
		Long:  "Run the services of compose files (compose.yaml, docker-compose.yml) with Docker Compose's names, labels and behaviour.",
	}
	// The project flags belong to `compose` itself, before the subcommand
	// (`roost compose -f x.yaml logs -f`), as in Docker Compose: the root
	// command traverses children so that each level parses its own flags.
	pf := cmd.Flags()
	stringArrayP(pf, &f.files, "file", "f", nil, "compose file (several are merged; - reads stdin)")
	pf.StringVarP(&f.project, "project-name", "p", "", "project name (default: COMPOSE_PROJECT_NAME, the file's name:, or the directory's name)")
	stringArray(pf, &f.envFiles, "env-file", nil, "file of variables for interpolation (default: .env in the project directory)")
	stringArray(pf, &f.profiles, "profile", nil, "enable services of this profile")
	pf.StringVar(&f.projectDir, "project-directory", "", "project directory (default: the first file's directory)")
	for _, add := range []func(*app, *composeFlags) *cobra.Command{
		newComposeUp, newComposeDown, newComposePs, newComposeLogs, newComposeConfig,
		newComposeExec, newComposeRun, newComposePull, newComposeBuild, newComposePush,
		newComposeLs, newComposeTop, newComposePort, newComposeImages, newComposeWait,
		newComposeVersion, newComposeEvents,
	} {
		cmd.AddCommand(add(a, &f))
	}
	for _, act := range []compose.Action{compose.ActStart, compose.ActStop, compose.ActRestart, compose.ActKill, compose.ActPause, compose.ActUnpause, compose.ActRemove} {
		cmd.AddCommand(newComposeAction(a, &f, act))
	}
	root.AddCommand(cmd)
}

// composeProject loads the project and the engine to drive it; compose's
// events are printed as they come.
func (a *app) composeProject(cmd *cobra.Command, f *composeFlags, services []string) (*compose.Compose, error) {
	p, err := compose.Load(cmd.Context(), a.composeLoadOptions(f, services))
	if err != nil {
		return nil, err
	}
	eng, err := a.Engine()
	if err != nil {
		return nil, err
	}
	rt, err := a.Core().Runtime()
	if err != nil {
		return nil, err
	}
	return &compose.Compose{Core: a.Core(), Engine: eng, Project: p, Runtime: rt, Progress: a.errOut, Report: a.newComposePrinter().print}, nil
}

// composeLoadOptions are the project flags with this process's
// environment, which interpolation and COMPOSE_* variables read.
func (a *app) composeLoadOptions(f *composeFlags, services []string) compose.LoadOptions {
	name := f.project
	if name == "" {
		name = os.Getenv("COMPOSE_PROJECT_NAME")
	}
	return compose.LoadOptions{
		Files: f.files, Name: name, EnvFiles: f.envFiles, Profiles: f.profiles,
		WorkDir: f.projectDir, Services: services, Environ: os.Environ(),
	}
}

// parseScale reads --scale svc=N values.
func parseScale(list []string) (map[string]int, error) {
	out := map[string]int{}
	for _, s := range list {
		name, n, ok := strings.Cut(s, "=")
		var v int
		if _, err := fmt.Sscanf(n, "%d", &v); !ok || name == "" || err != nil || v < 0 {
			return nil, fmt.Errorf("invalid --scale %q: use SERVICE=NUMBER", s)
		}
		out[name] = v
	}
	return out, nil
}
