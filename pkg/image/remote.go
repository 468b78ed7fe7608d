package image

import (
	"context"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
)

// RegistryHasNewer says whether the registry's image for name (a fully
// qualified reference) differs from the local image id: the manifest a pull
// would store is not one of that image's digests. Nothing is pulled.
func RegistryHasNewer(ctx context.Context, store cstorage.Store, cfg *config.Config, name, id string) (bool, error) {
	ref, err := docker.ParseReference("//" + strings.TrimPrefix(name, "docker://"))
	if err != nil {
		return false, fmt.Errorf("invalid image reference %q: %w", name, err)
	}
	sys, err := systemContext(cfg, RegistryOptions{}, Platform{})
	if err != nil {
		return false, err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return false, fmt.Errorf("inspect %s in its registry: %w", name, err)
	}
	defer src.Close()
	d, _, err := chosenManifest(ctx, sys, src)
	if err != nil {
		return false, fmt.Errorf("inspect %s in its registry: %w", name, err)
	}
	img, err := store.Image(id)
	if err != nil {
		return false, fmt.Errorf("image %s: %w", short(id), err)
	}
	return !hasDigest(img, d), nil
}
