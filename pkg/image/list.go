package image

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

// Summary is one image as `images --format json` shows it, with Podman's
// field names.
type Summary struct {
	ID          string `json:"Id"`
	ParentID    string `json:"ParentId"`
	RepoTags    []string
	RepoDigests []string
	Size        int64
	SharedSize  int64
	VirtualSize int64
	Labels      map[string]string
	Containers  int
	Dangling    bool     `json:",omitempty"`
	Names       []string `json:",omitempty"`
	Digest      string   `json:",omitempty"`
	History     []string `json:",omitempty"` // the names the image had
	Created     int64    // Unix seconds
	CreatedAt   string   // RFC 3339

	CreatedTime time.Time `json:"-"`
}

// ListOptions select what `images` shows.
type ListOptions struct {
	All     bool     // include intermediate images
	Filters []string // key=value or key!=value, as Podman's --filter
}

// List returns the images in storage that pass the filters, newest first.
func List(ctx context.Context, store cstorage.Store, opts ListOptions) ([]Summary, error) {
	c, keep, err := filteredCatalog(store, opts.Filters)
	if err != nil {
		return nil, err
	}
	var out []Summary
	for i := range c.images {
		img := &c.images[i]
		if !opts.All && c.intermediate(img) {
			continue
		}
		e, err := c.entry(ctx, img)
		if err != nil {
			return nil, err
		}
		if keep(e) {
			out = append(out, summarize(e))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedTime.After(out[j].CreatedTime) })
	return out, nil
}

// entry gathers what filters and summaries read about one image. An image
// whose manifest or configuration cannot be read (written by another tool,
// or damaged) is still listed, without labels, so that it can be removed.
func (c *catalog) entry(ctx context.Context, img *cstorage.Image) (entry, error) {
	st, err := readStored(ctx, c.store, img.ID)
	if err != nil {
		st = &stored{config: &imgspecv1.Image{}}
	}
	size, err := c.store.ImageSize(img.ID)
	if err != nil {
		return entry{}, fmt.Errorf("size of image %s: %w", img.ID, err)
	}
	return entry{
		img:          img,
		labels:       st.config.Config.Labels,
		created:      created(st.config, img),
		size:         size,
		dangling:     c.dangling(img),
		intermediate: c.intermediate(img),
		containers:   len(c.containers[img.ID]),
		parent:       c.parent(img),
	}, nil
}

// resolveTime is the creation time of a local image, for before= and since=.
func (c *catalog) resolveTime(name string) (time.Time, error) {
	img, _, err := Find(c.store, name)
	if err != nil {
		return time.Time{}, err
	}
	st, err := readStored(context.Background(), c.store, img.ID)
	if err != nil {
		return img.Created, nil
	}
	return created(st.config, img), nil
}

func summarize(e entry) Summary {
	img := e.img
	return Summary{
		ID:          img.ID,
		ParentID:    e.parent,
		RepoTags:    slices.Clone(img.Names),
		RepoDigests: RepoDigests(img),
		Size:        e.size,
		VirtualSize: e.size,
		Labels:      e.labels,
		Containers:  e.containers,
		Dangling:    e.dangling,
		Names:       slices.Clone(img.Names),
		Digest:      img.Digest.String(),
		History:     slices.Clone(img.NamesHistory),
		Created:     e.created.Unix(),
		CreatedAt:   e.created.UTC().Format(time.RFC3339Nano),
		CreatedTime: e.created,
	}
}

// RepoDigests pairs each of the image's repositories with each of its
// manifest digests (repo@sha256:...), which is how an image pulled by tag can
// later be named by digest.
func RepoDigests(img *cstorage.Image) []string {
	var out []string
	digests := append([]string{}, img.Digest.String())
	for _, d := range img.Digests {
		digests = append(digests, d.String())
	}
	for _, name := range img.Names {
		named, err := reference.ParseNormalizedNamed(name)
		if err != nil {
			continue
		}
		for _, d := range digests {
			if d == "" {
				continue
			}
			if s := reference.TrimNamed(named).String() + "@" + d; !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}
