package image

import (
	"slices"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ContainerConfig is what a container was created with over its image:
// commit writes it into the new image's config, as Podman's and Docker's
// commit do, so the image runs as the container did. Empty fields keep
// the image's.
type ContainerConfig struct {
	// Entrypoint, when not nil, replaced the image's and dropped its Cmd.
	Entrypoint *[]string
	Cmd        []string // the words after the image name
	Env        []string // KEY=VALUE entries set over the image's
	WorkDir    string
	User       string
}

// applyTo edits an image config into the container's.
func (c *ContainerConfig) applyTo(cfg *imgspecv1.ImageConfig) {
	if c.Entrypoint != nil {
		cfg.Entrypoint = slices.Clone(*c.Entrypoint)
		if len(cfg.Entrypoint) == 1 && cfg.Entrypoint[0] == "" {
			cfg.Entrypoint = nil
		}
		cfg.Cmd = slices.Clone(c.Cmd)
	} else if len(c.Cmd) > 0 {
		cfg.Cmd = slices.Clone(c.Cmd)
	}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg.Env = setEnv(cfg.Env, k, v)
	}
	if c.WorkDir != "" {
		cfg.WorkingDir = c.WorkDir
	}
	if c.User != "" {
		cfg.User = c.User
	}
}
