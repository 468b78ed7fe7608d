package image

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

// Details is one image as `image inspect` shows it, in Podman's shape.
type Details struct {
	ID           string `json:"Id"`
	Digest       string
	RepoTags     []string
	RepoDigests  []string
	Parent       string
	Comment      string
	Created      *time.Time
	Config       imgspecv1.ImageConfig
	Version      string
	Author       string
	Architecture string
	Os           string
	Size         int64
	VirtualSize  int64
	GraphDriver  GraphDriver
	RootFS       RootFS
	Labels       map[string]string
	Annotations  map[string]string
	ManifestType string
	User         string
	History      []imgspecv1.History
	NamesHistory []string
	// HealthCheck is a Docker-format image's HEALTHCHECK, as Podman shows it.
	HealthCheck *HealthConfig `json:"HealthCheck,omitempty"`
}

// Id lets --format templates written for Docker ({{.Id}}) work beside
// Podman's {{.ID}}.
func (d Details) Id() string { return d.ID } //nolint:revive,stylecheck // Docker's spelling, on purpose

// GraphDriver names the storage driver and where the image's layers live.
type GraphDriver struct {
	Name string
	Data map[string]string
}

// RootFS lists the image's layers by their uncompressed digests.
type RootFS struct {
	Type   string
	Layers []digest.Digest
}

// Inspect returns the details of each named image.
func Inspect(ctx context.Context, store cstorage.Store, names []string) ([]Details, error) {
	c, err := readCatalog(store)
	if err != nil {
		return nil, err
	}
	out := make([]Details, 0, len(names))
	for _, n := range names {
		img, _, err := Find(store, n)
		if err != nil {
			return nil, err
		}
		d, err := c.details(ctx, img)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Exists reports whether a local image answers to name.
func Exists(store cstorage.Store, name string) bool {
	_, _, err := Find(store, name)
	return err == nil
}

func (c *catalog) details(ctx context.Context, img *cstorage.Image) (Details, error) {
	if isList(c.store, img) {
		return Details{}, listRefused(img, firstName(img))
	}
	st, err := readStored(ctx, c.store, img.ID)
	if err != nil {
		return Details{}, err
	}
	size, err := c.store.ImageSize(img.ID)
	if err != nil {
		return Details{}, fmt.Errorf("size of image %s: %w", short(img.ID), err)
	}
	cfg := st.config
	made := created(cfg, img)
	d := Details{
		ID:           img.ID,
		Digest:       img.Digest.String(),
		RepoTags:     tagged(img.Names),
		RepoDigests:  RepoDigests(img),
		Parent:       c.parent(img),
		Created:      &made,
		Config:       cfg.Config,
		Version:      st.dockerVersion,
		Author:       cfg.Author,
		Architecture: cfg.Architecture,
		Os:           cfg.OS,
		Size:         size,
		VirtualSize:  size,
		GraphDriver:  c.graphDriver(img),
		RootFS:       RootFS{Type: cfg.RootFS.Type, Layers: cfg.RootFS.DiffIDs},
		Labels:       cfg.Config.Labels,
		Annotations:  annotations(st),
		ManifestType: st.manifestType,
		User:         cfg.Config.User,
		History:      cfg.History,
		NamesHistory: img.NamesHistory,
		HealthCheck:  st.dockerHealth,
	}
	if len(cfg.History) > 0 {
		d.Comment = cfg.History[0].Comment
	}
	if st.dockerComment != "" {
		d.Comment = st.dockerComment // as Podman shows a Docker image's comment
	}
	return d, nil
}

// tagged keeps the names that carry a tag (not those pulled by digest only).
func tagged(names []string) []string {
	out := []string{}
	for _, n := range names {
		if named, err := reference.ParseNormalizedNamed(n); err == nil {
			if _, ok := named.(reference.Tagged); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// parent is the image whose top layer is just below this image's, if any.
func (c *catalog) parent(img *cstorage.Image) string {
	if img.TopLayer == "" {
		return ""
	}
	l, err := c.store.Layer(img.TopLayer)
	if err != nil || l.Parent == "" {
		return ""
	}
	for _, other := range c.images {
		if other.TopLayer == l.Parent {
			return other.ID
		}
	}
	return ""
}

func (c *catalog) graphDriver(img *cstorage.Image) GraphDriver {
	g := GraphDriver{Name: c.store.GraphDriverName()}
	if img.TopLayer == "" {
		return g
	}
	if drv, err := c.store.GraphDriver(); err == nil {
		if data, err := drv.Metadata(img.TopLayer); err == nil {
			g.Data = data
		}
	}
	return g
}

// annotations are the OCI manifest's, which Docker's format lacks.
func annotations(st *stored) map[string]string {
	if st.manifestType != imgspecv1.MediaTypeImageManifest {
		return map[string]string{}
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal(st.manifest, &m); err != nil || m.Annotations == nil {
		return map[string]string{}
	}
	return m.Annotations
}

func firstName(img *cstorage.Image) string {
	if len(img.Names) > 0 {
		return img.Names[0]
	}
	return short(img.ID)
}
