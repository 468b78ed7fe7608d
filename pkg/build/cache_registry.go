package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/image"
)

// registryCache shares step images through registry repositories, as
// Buildah's --cache-from and --cache-to do: a step's image is pushed to
// REPO:KEY, where KEY is its step's cache key, and a step missing from the
// local store is pulled from there. The key chains through the parent
// image's ID (its config's digest, which a push and pull keep), so a store
// emptied since, or another machine, gets the same images, step by step.
type registryCache struct {
	from, to []string
	store    cstorage.Store
	cfg      *config.Config
	out      io.Writer
	warned   map[string]bool // repos already warned about, once each
}

// checkRepos refuses a --cache-from/--cache-to that is not a repository.
func checkRepos(flag string, repos []string) error {
	for _, r := range repos {
		n, err := reference.ParseNormalizedNamed(r)
		if err != nil || !reference.IsNameOnly(n) {
			return fmt.Errorf("invalid %s %q: give a registry repository without tag or digest, e.g. registry.example.com/app/cache", flag, r)
		}
	}
	return nil
}

func cacheRef(repo, key string) string { return repo + ":" + key }

// fetch pulls the image of the step with key from the first --cache-from
// repository that has it, makes it an intermediate image (no name, the
// key recorded) and returns its ID; "" when no repository has it. A
// repository that cannot be reached is a warning, once: the cache is an
// optimisation, the build runs on.
func (r *registryCache) fetch(ctx context.Context, c *cache, key string) (string, error) {
	for _, repo := range r.from {
		ref := cacheRef(repo, key)
		ids, err := image.Pull(ctx, r.store, r.cfg, ref, image.PullOptions{})
		if err != nil {
			if !errors.Is(err, image.ErrNotInRegistry) {
				r.warn(repo, "--cache-from", err)
			}
			continue
		}
		id := ids[0]
		if err := r.store.RemoveNames(id, []string{ref}); err != nil {
			return "", fmt.Errorf("untag the cached step %s: %w", ref, err)
		}
		if err := c.record(id, key); err != nil {
			return "", err
		}
		return id, nil
	}
	return "", nil
}

// send pushes a step's image to every --cache-to repository.
func (r *registryCache) send(ctx context.Context, id, key string) {
	for _, repo := range r.to {
		if _, err := image.Push(ctx, r.store, r.cfg, id, cacheRef(repo, key), image.PushOptions{}); err != nil {
			r.warn(repo, "--cache-to", err)
		}
	}
}

func (r *registryCache) warn(repo, flag string, err error) {
	if r.warned[repo] {
		return
	}
	r.warned[repo] = true
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(r.out, "WARNING: %s %s: %s; building without it\n", flag, repo, msg)
}
