package image

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// diskTransports open the images of an on-disk transport, by its prefix:
// the formats save writes, which pull (and so run and create) take as
// Podman's do, loading the image with the names it carries.
var diskTransports = map[string]func(*types.SystemContext, string) ([]loadable, func(), error){
	"docker-archive:": dockerArchiveImages,
	"oci-archive:": func(sys *types.SystemContext, p string) ([]loadable, func(), error) {
		l, err := ociArchiveImage(sys, p)
		return l, func() {}, err
	},
	"oci:": func(_ *types.SystemContext, p string) ([]loadable, func(), error) {
		l, err := ociDirImages(p)
		return l, func() {}, err
	},
	"dir:": func(sys *types.SystemContext, p string) ([]loadable, func(), error) {
		l, err := dockerDirImage(sys, p)
		return l, func() {}, err
	},
}

// OnDisk says whether name is an image on disk (docker-archive:FILE,
// oci-archive:FILE, oci:DIR, dir:DIR) rather than a registry's.
func OnDisk(name string) bool {
	_, _, ok := diskTransport(name)
	return ok
}

func diskTransport(name string) (string, string, bool) {
	for prefix := range diskTransports {
		if p, ok := strings.CutPrefix(name, prefix); ok {
			return prefix, p, true
		}
	}
	return "", "", false
}

// pullFromDisk loads every image of an on-disk transport into storage and
// returns their IDs; progress is copy's, as a pull from a registry shows.
func pullFromDisk(ctx context.Context, store cstorage.Store, cfg *config.Config, name string, opts PullOptions) ([]string, error) {
	prefix, path, _ := diskTransport(name)
	if path == "" {
		return nil, fmt.Errorf("invalid image reference %q: %s needs a path: %sPATH", name, strings.TrimSuffix(prefix, ":"), prefix)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("pull %s: %w", name, err)
	}
	sys, done, err := copyContext(cfg, opts.RegistryOptions, opts.Platform)
	if err != nil {
		return nil, err
	}
	defer done()
	found, closeSrc, err := diskTransports[prefix](sys, path)
	if err != nil {
		return nil, fmt.Errorf("pull %s: not a readable %s: %w", name, strings.TrimSuffix(prefix, ":"), err)
	}
	defer closeSrc()
	ids, _, err := storeAll(ctx, store, cfg, sys, found, opts.Progress, events.Pull)
	if err != nil {
		return ids, fmt.Errorf("pull %s: %w", name, err)
	}
	return ids, nil
}
