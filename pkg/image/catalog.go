package image

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// catalog is one reading of storage that listing, filtering and pruning
// share: the images, which of them other images build on, and which
// containers use them.
type catalog struct {
	store   cstorage.Store
	images  []cstorage.Image
	childOf map[string]bool // layer ID -> another image builds on it
	// configParent: an image another, newer image on the same top layer
	// builds on with a config-only step (a build's ENV, LABEL...).
	configParent map[string]bool
	containers   map[string][]string // image ID -> IDs of containers using it
}

// filteredCatalog reads the catalog and compiles the user's filters against it.
func filteredCatalog(store cstorage.Store, filters []string) (*catalog, predicate, error) {
	c, err := readCatalog(store)
	if err != nil {
		return nil, nil, err
	}
	keep, err := compileFilters(filters, c.resolveTime)
	if err != nil {
		return nil, nil, err
	}
	return c, keep, nil
}

func readCatalog(store cstorage.Store) (*catalog, error) {
	images, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	c := &catalog{store: store, images: images, childOf: map[string]bool{}, containers: map[string][]string{}}
	if err := c.readLayers(); err != nil {
		return nil, err
	}
	ctrs, err := store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, ctr := range ctrs {
		c.containers[ctr.ImageID] = append(c.containers[ctr.ImageID], ctr.ID)
	}
	return c, nil
}

// readLayers marks every layer below an image's top layer: an image whose
// top layer is marked is the parent of another image.
func (c *catalog) readLayers() error {
	layers, err := c.store.Layers()
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	parent := make(map[string]string, len(layers))
	for _, l := range layers {
		parent[l.ID] = l.Parent
	}
	newest := map[string]time.Time{}
	for _, img := range c.images {
		for id := parent[img.TopLayer]; id != "" && !c.childOf[id]; id = parent[id] {
			c.childOf[id] = true
		}
		if img.TopLayer != "" && img.Created.After(newest[img.TopLayer]) {
			newest[img.TopLayer] = img.Created
		}
	}
	c.configParent = map[string]bool{}
	for _, img := range c.images {
		if img.TopLayer != "" && img.Created.Before(newest[img.TopLayer]) {
			c.configParent[img.ID] = true
		}
	}
	return nil
}

// hasChildren reports whether another image is built on img.
func (c *catalog) hasChildren(img *cstorage.Image) bool {
	return img.TopLayer != "" && (c.childOf[img.TopLayer] || c.configParent[img.ID])
}

// dangling is Podman's notion: no name and no image built on it.
func (c *catalog) dangling(img *cstorage.Image) bool {
	return len(img.Names) == 0 && !c.hasChildren(img)
}

// intermediate is an unnamed image that others build on; `images` hides
// these unless -a.
func (c *catalog) intermediate(img *cstorage.Image) bool {
	return len(img.Names) == 0 && c.hasChildren(img)
}

// stored is what an image's manifest and configuration say.
type stored struct {
	config        *imgspecv1.Image // converted to OCI's form from Docker's
	manifest      []byte
	manifestType  string
	dockerVersion string
	dockerComment string        // Docker's config has a comment field; OCI's has none
	dockerHealth  *HealthConfig // and a health check
}

// readStored opens an image in storage through containers/image, which reads
// both Docker's and OCI's formats.
func readStored(ctx context.Context, store cstorage.Store, id string) (*stored, error) {
	ref, err := storage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return nil, err
	}
	img, err := ref.NewImage(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("open image %s: %w", short(id), err)
	}
	defer img.Close()
	s := &stored{}
	if s.config, err = img.OCIConfig(ctx); err != nil {
		return nil, fmt.Errorf("read the configuration of image %s: %w", short(id), err)
	}
	if s.manifest, s.manifestType, err = img.Manifest(ctx); err != nil {
		return nil, fmt.Errorf("read the manifest of image %s: %w", short(id), err)
	}
	if info, err := img.Inspect(ctx); err == nil {
		s.dockerVersion = info.DockerVersion
	}
	if s.manifestType == manifest.DockerV2Schema2MediaType {
		s.dockerComment, s.dockerHealth = dockerExtras(ctx, img)
	}
	return s, nil
}

// dockerExtras reads the comment (`commit -m`) and the health check
// (HEALTHCHECK) of a Docker-format config; empty when there are none or the
// config cannot be read again.
func dockerExtras(ctx context.Context, img types.Image) (string, *HealthConfig) {
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return "", nil
	}
	var c struct {
		Comment string `json:"comment"`
		Config  struct {
			Healthcheck *HealthConfig `json:"Healthcheck"`
		} `json:"config"`
	}
	if json.Unmarshal(blob, &c) != nil {
		return "", nil
	}
	return c.Comment, c.Config.Healthcheck
}

// created is when the image was built, as its configuration says; storage's
// own record of the pull time is the fallback.
func created(cfg *imgspecv1.Image, img *cstorage.Image) time.Time {
	if cfg != nil && cfg.Created != nil && !cfg.Created.IsZero() {
		return *cfg.Created
	}
	return img.Created
}
