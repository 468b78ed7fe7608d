package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.podman.io/image/v5/docker/reference"

	"github.com/roost-containers/roost/pkg/engine"
)

// BuildOptions are `compose build`'s choices (and up --build's).
type BuildOptions struct {
	Services []string // empty: every service with build:
	NoCache  bool
	Pull     bool // pull base images even when stored
	// BuildArgs (--build-arg) override the file's build.args in every
	// service.
	BuildArgs map[string]string
	// Output receives each build's steps and RUN output; nil: nothing.
	Output io.Writer
}

// buildWhen is when up (and run) build a service's image.
type buildWhen int

const (
	buildMissing buildWhen = iota // only when the image is not stored
	buildAlways                   // up --build, pull_policy: build
	buildNever                    // up --no-build
)

// ImageName is the image a service runs: its image:, else, for a service
// that builds, Docker Compose v2's PROJECT-SERVICE (PROJECT_SERVICE with
// COMPOSE_COMPATIBILITY, as Compose v1 named it).
func ImageName(p *types.Project, s types.ServiceConfig) string {
	if s.Image != "" || s.Build == nil {
		return s.Image
	}
	sep := "-"
	if on, _ := strconv.ParseBool(p.Environment["COMPOSE_COMPATIBILITY"]); on {
		sep = "_"
	}
	return strings.ToLower(p.Name + sep + s.Name)
}

// Build builds the images of the services that have build:, checking
// every service's build: before the first build starts.
func (c *Compose) Build(ctx context.Context, o BuildOptions) error {
	names, err := c.ServiceNames(o.Services)
	if err != nil {
		return err
	}
	var todo []types.ServiceConfig
	for _, n := range names {
		if s := c.Project.Services[n]; s.Build != nil {
			if _, _, err := buildRequest(c.Project, s, o); err != nil {
				return err
			}
			todo = append(todo, s)
		}
	}
	for _, s := range todo {
		if _, err := c.buildService(ctx, s, o); err != nil {
			return err
		}
	}
	return nil
}

// buildService builds one service's image and returns its id.
func (c *Compose) buildService(ctx context.Context, s types.ServiceConfig, o BuildOptions) (string, error) {
	r, inline, err := buildRequest(c.Project, s, o)
	if err != nil {
		return "", err
	}
	if len(inline) > 0 {
		dir, err := writeBuildSecrets(r.Secrets, inline)
		if err != nil {
			return "", fmt.Errorf("service %s: build.secrets: %w", s.Name, err)
		}
		defer os.RemoveAll(dir)
	}
	r.Output = o.Output
	r.Quiet = o.Output == nil
	res, err := c.Core.Build(ctx, r)
	if err != nil {
		return "", fmt.Errorf("service %s: build: %w", s.Name, err)
	}
	c.progress("Image", r.Tags[0], "Built")
	return res.ImageID, nil
}

// buildRequest translates a service's build: into the engine's request:
// the pure part of building, checked before anything is built. Secrets
// not kept in a file (environment:, content) come back in inline, to be
// written to private files for the build's life.
func buildRequest(p *types.Project, s types.ServiceConfig, o BuildOptions) (engine.BuildRequest, map[string][]byte, error) {
	b := s.Build
	r := engine.BuildRequest{ContextDir: b.Context, Target: b.Target, NoCache: b.NoCache || o.NoCache,
		Layers: true, RemoveIntermediate: true}
	fail := func(format string, a ...any) (engine.BuildRequest, map[string][]byte, error) {
		return r, nil, fmt.Errorf("service %s: build.%s", s.Name, fmt.Sprintf(format, a...))
	}
	if err := unsupportedBuildKeys(b); err != nil {
		return fail("%v", err)
	}
	var err error
	if r.CacheFrom, err = cacheRepos(b.CacheFrom); err != nil {
		return fail("cache_from: %v", err)
	}
	if r.CacheTo, err = cacheRepos(b.CacheTo); err != nil {
		return fail("cache_to: %v", err)
	}
	if r.ContextDir == "" {
		r.ContextDir = p.WorkingDir
	}
	if strings.Contains(r.ContextDir, "://") {
		return fail("context %q: Roost builds only from a local directory", r.ContextDir)
	}
	if info, err := os.Stat(r.ContextDir); err != nil || !info.IsDir() {
		return fail("context %s: no such directory", r.ContextDir)
	}
	switch {
	case b.DockerfileInline != "" && b.Dockerfile != "":
		return fail("dockerfile and dockerfile_inline cannot both be set: keep one")
	case b.DockerfileInline != "":
		r.Containerfile, r.ContainerfileData = "dockerfile_inline", []byte(b.DockerfileInline)
	case b.Dockerfile != "":
		r.Containerfile = b.Dockerfile
		if !filepath.IsAbs(r.Containerfile) {
			r.Containerfile = filepath.Join(r.ContextDir, r.Containerfile)
		}
		if _, err := os.Stat(r.Containerfile); err != nil {
			return fail("dockerfile %s: no such file", r.Containerfile)
		}
	}
	for _, pl := range b.Platforms {
		r.Platform = pl // more than one is refused by the engine's own check
	}
	if b.Pull || o.Pull {
		r.Pull = engine.PullAlways
	}
	switch b.Network {
	case "", "default":
	default:
		r.Network = b.Network
	}
	r.Tags = append([]string{ImageName(p, s)}, b.Tags...)
	r.BuildArgs = buildArgs(b.Args, o.BuildArgs)
	r.Labels = imageLabels(p, s)
	for _, h := range b.ExtraHosts.AsList(":") {
		r.AddHosts = append(r.AddHosts, h)
	}
	r.Ulimits = ulimitList(b.Ulimits)
	inline, err := buildSecrets(p, b, &r)
	if err != nil {
		return r, nil, fmt.Errorf("service %s: build.secrets: %w", s.Name, err)
	}
	return r, inline, nil
}

// unsupportedBuildKeys names the first build: key Roost's builder cannot
// honour, so that a build never silently differs from what was asked.
func unsupportedBuildKeys(b *types.BuildConfig) error {
	switch {
	case len(b.AdditionalContexts) > 0:
		return errors.New("additional_contexts is not supported: copy from a stage or an image instead")
	case len(b.SSH) > 0:
		return errors.New("ssh is not supported: use build.secrets")
	case b.Privileged:
		return errors.New("privileged is not supported: Roost's RUN steps stay unprivileged")
	case len(b.Entitlements) > 0:
		return errors.New("entitlements is not supported")
	case len(b.Platforms) > 1:
		return errors.New("platforms: Roost builds for one platform, this machine's")
	}
	return nil
}

// buildArgs are the file's args (those given a value, here or by the
// environment compose-go read) under the command line's.
func buildArgs(file types.MappingWithEquals, flags map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range file {
		if v != nil {
			m[k] = *v
		}
	}
	for k, v := range flags {
		m[k] = v
	}
	return m
}

// imageLabels are build.labels and the labels Docker Compose puts on the
// images it builds.
func imageLabels(p *types.Project, s types.ServiceConfig) map[string]string {
	m := map[string]string{}
	for k, v := range s.Build.Labels {
		m[k] = v
	}
	m[LabelProject] = p.Name
	m[LabelService] = s.Name
	m[LabelVersion] = "2"
	return m
}

// buildSecrets maps build.secrets to the request's id -> file: the id is
// the target when given, else the secret's name, as Docker Compose does.
func buildSecrets(p *types.Project, b *types.BuildConfig, r *engine.BuildRequest) (map[string][]byte, error) {
	if len(b.Secrets) == 0 {
		return nil, nil
	}
	r.Secrets = map[string]string{}
	inline := map[string][]byte{}
	for _, ref := range b.Secrets {
		def, ok := p.Secrets[ref.Source]
		if !ok {
			return nil, fmt.Errorf("secret %q is not declared in the top-level secrets", ref.Source)
		}
		id := ref.Source
		if ref.Target != "" {
			id = ref.Target
		}
		if def.External {
			return nil, fmt.Errorf("secret %q is external: a build reads only file: or environment: secrets", ref.Source)
		}
		if def.File != "" {
			r.Secrets[id] = def.File
			continue
		}
		data, err := secretContent(ref.Source, def)
		if err != nil {
			return nil, err
		}
		inline[id] = data
	}
	return inline, nil
}

// writeBuildSecrets writes inline secrets to a private directory (0700,
// files 0600) and points the request's secrets at them; the caller
// removes the directory after the build.
func writeBuildSecrets(dst map[string]string, inline map[string][]byte) (string, error) {
	dir, err := os.MkdirTemp("", "roost-compose-secrets-*")
	if err != nil {
		return "", err
	}
	ids := make([]string, 0, len(inline))
	for id := range inline {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		p := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(p, inline[id], 0o600); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
		dst[id] = p
	}
	return dir, nil
}

// cacheRepos reads cache_from/cache_to entries, NAME[:TAG] or BuildKit's
// type=registry,ref=NAME[:TAG], as the registry repositories Roost's
// builder shares step images through (each step its own tag, so the
// entry's tag is dropped).
func cacheRepos(entries []string) ([]string, error) {
	var out []string
	for _, e := range entries {
		ref := e
		if strings.Contains(e, "=") {
			ref = ""
			for _, kv := range strings.Split(e, ",") {
				k, v, _ := strings.Cut(kv, "=")
				switch {
				case k == "type" && v != "registry":
					return nil, fmt.Errorf("%q: only type=registry is supported", e)
				case k == "ref":
					ref = v
				}
			}
		}
		n, err := reference.ParseNormalizedNamed(ref)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", e, err)
		}
		out = append(out, reference.FamiliarString(reference.TrimNamed(n)))
	}
	return out, nil
}
