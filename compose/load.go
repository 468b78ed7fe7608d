// Package compose runs compose-spec files on Roost's engine: it loads them
// with compose-go (the library Docker Compose uses), translates each service
// into the options a `roost run` would build, and converges the project's
// containers, networks and volumes, named and labelled as Docker Compose
// does. It never prints and never shells out to roost.
package compose

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadOptions are the project flags: -f, -p, --env-file, --profile.
type LoadOptions struct {
	Files    []string // empty: compose.yaml (or docker-compose.yml...) found from WorkDir up
	Name     string   // -p; else COMPOSE_PROJECT_NAME, the file's name:, or the directory
	EnvFiles []string // --env-file; else .env in the project directory
	Profiles []string
	WorkDir  string // --project-directory; else the first file's directory
	// Services limits the project to these and what they depend on.
	Services []string
	// Environ (KEY=VALUE) is what ${VAR} interpolation and COMPOSE_FILE,
	// COMPOSE_PROFILES... read: the caller's environment, passed in so
	// that loading never reads the process's behind its back.
	Environ []string
}

// ErrInvalid marks a compose file that cannot be used: the CLI says so in
// one line with exit 125 before anything is created.
var ErrInvalid = errors.New("invalid compose file")

// Load reads, merges, interpolates and validates the files into a project.
func Load(ctx context.Context, o LoadOptions) (*types.Project, error) {
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(o.WorkDir),
		cli.WithEnv(o.Environ),
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithName(o.Name),
		cli.WithProfiles(o.Profiles),
	}
	if o.Name == "" {
		opts = append(opts[:6], opts[7:]...)
	}
	po, err := cli.NewProjectOptions(o.Files, opts...)
	if err != nil {
		return nil, invalid(o.Files, err)
	}
	p, err := po.LoadProject(ctx)
	if err != nil {
		return nil, invalid(po.ConfigPaths, err)
	}
	if len(o.Services) > 0 {
		for _, s := range o.Services {
			if _, ok := p.Services[s]; !ok {
				if _, off := p.DisabledServices[s]; !off {
					return nil, fmt.Errorf("no such service: %s: see `roost compose config --services`", s)
				}
			}
		}
	}
	if err := checkProject(p); err != nil {
		return nil, invalid(p.ComposeFiles, err)
	}
	return p, nil
}

// invalid names the file in a loading error when compose-go did not.
func invalid(files []string, err error) error {
	msg := strings.TrimSpace(err.Error())
	msg = strings.ReplaceAll(msg, "\n", "; ")
	// compose-go's words, said plainly
	msg = strings.Replace(msg, "dependency cycle detected", "services.depends_on: dependency cycle detected", 1)
	if strings.HasSuffix(msg, " false schema") {
		msg = strings.TrimSuffix(msg, " false schema") + ": unknown key (not in the compose specification)"
	}
	if len(files) > 0 && !mentionsFile(msg, files) {
		msg = displayPath(files[0]) + ": " + msg
	}
	return fmt.Errorf("%w: %s", ErrInvalid, msg)
}

func mentionsFile(msg string, files []string) bool {
	for _, f := range files {
		if strings.Contains(msg, f) || strings.Contains(msg, filepath.Base(f)) {
			return true
		}
	}
	return false
}

func displayPath(f string) string {
	if f == "-" {
		return "stdin"
	}
	if abs, err := filepath.Abs(f); err == nil {
		return abs
	}
	return f
}
