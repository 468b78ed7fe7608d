package image

import (
	"context"
	"errors"
	"fmt"
	"time"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/events"
)

// ErrInUse is what removing an image that a container uses fails with.
var ErrInUse = errors.New("image is in use by a container")

type inUseError struct {
	container string
}

func (e *inUseError) Error() string {
	// Podman's words, which name the fix (rmi --force) already.
	return fmt.Sprintf("image used by %s: %s: consider listing external containers and force-removing image", e.container, ErrInUse)
}

func (e *inUseError) Is(target error) bool { return target == ErrInUse }

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// RemoveOptions are rmi's options.
type RemoveOptions struct {
	Force bool // also remove the containers that use the image
	All   bool // every image
	// Ignore skips names of images that do not exist.
	Ignore bool
	// RemoveContainer removes one container for Force. nil: only storage's
	// record of it is deleted (the container engine passes its own).
	RemoveContainer func(id string) error
	// Events is where untag and remove events go.
	Events events.Options
}

// Removal is what happened to one image: names taken off it, and its ID when
// it was deleted.
type Removal struct {
	Untagged []string
	Deleted  string
	parent   parentRef // where the deleted image's parent is
}

// Remove removes images by name or ID. Naming one of several names of an
// image only takes that name off; otherwise the image is deleted. Each name
// is tried even when an earlier one fails; the failures come back joined
// (errors.Is finds storage.ErrImageUnknown and ErrInUse in them).
func Remove(ctx context.Context, store cstorage.Store, names []string, opts RemoveOptions) ([]Removal, error) {
	if opts.All {
		ids, err := allIDs(store)
		if err != nil {
			return nil, err
		}
		names = ids
	}
	var done []Removal
	var errs []error
	for _, n := range names {
		r, err := removeOne(store, n, opts)
		// Podman's --force also means a missing image is no error.
		if (opts.Ignore || opts.Force) && errors.Is(err, cstorage.ErrImageUnknown) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.record(opts.Events)
		done = append(done, r)
		for _, pr := range removeParents(store, r.parent) {
			pr.record(opts.Events)
			done = append(done, pr)
		}
	}
	return done, errors.Join(errs...)
}

// removeParents deletes, as Podman does, the unnamed images a deleted
// image was built on (a build's intermediate images) while no other image,
// name or container holds them.
func removeParents(store cstorage.Store, p parentRef) []Removal {
	var out []Removal
	for p.topLayer != "" {
		c, err := readCatalog(store)
		if err != nil {
			return out
		}
		img := p.find(c.images)
		if img == nil || len(img.Names) > 0 || c.hasChildren(img) || len(c.containers[img.ID]) > 0 {
			return out
		}
		next := parentOf(store, img)
		if _, err := store.DeleteImage(img.ID, true); err != nil {
			return out
		}
		out = append(out, Removal{Deleted: img.ID})
		p = next
	}
	return out
}

// parentRef is where an image's parent is found: an older image on the
// same top layer (a config-only step), else the newest image on the layer
// below.
type parentRef struct {
	topLayer, layerParent string
	created               time.Time
}

func parentOf(store cstorage.Store, img *cstorage.Image) parentRef {
	p := parentRef{topLayer: img.TopLayer, created: img.Created}
	if l, err := store.Layer(img.TopLayer); err == nil {
		p.layerParent = l.Parent
	}
	return p
}

func (p parentRef) find(images []cstorage.Image) *cstorage.Image {
	var best *cstorage.Image
	for i := range images {
		img := &images[i]
		if img.TopLayer == p.topLayer && img.Created.Before(p.created) && (best == nil || img.Created.After(best.Created)) {
			best = img
		}
	}
	if best != nil || p.layerParent == "" {
		return best
	}
	for i := range images {
		img := &images[i]
		if img.TopLayer == p.layerParent && (best == nil || img.Created.After(best.Created)) {
			best = img
		}
	}
	return best
}

func allIDs(store cstorage.Store) ([]string, error) {
	images, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	ids := make([]string, 0, len(images))
	for _, img := range images {
		ids = append(ids, img.ID)
	}
	return ids, nil
}

func removeOne(store cstorage.Store, name string, opts RemoveOptions) (Removal, error) {
	img, matched, err := Find(store, name)
	if err != nil {
		return Removal{}, err
	}
	if matched != "" && len(img.Names) > 1 {
		if err := store.RemoveNames(img.ID, []string{matched}); err != nil {
			return Removal{}, fmt.Errorf("untag %s: %w", matched, err)
		}
		record(opts.Events, events.Untag, img.ID, matched)
		return Removal{Untagged: []string{matched}}, nil
	}
	if err := freeImage(store, name, img.ID, opts); err != nil {
		return Removal{}, err
	}
	parent := parentOf(store, img)
	if _, err := store.DeleteImage(img.ID, true); err != nil {
		return Removal{}, fmt.Errorf("delete image %s: %w", short(img.ID), err)
	}
	return Removal{Untagged: img.Names, Deleted: img.ID, parent: parent}, nil
}

// freeImage makes sure no container uses the image: it refuses, or with
// Force removes those containers.
func freeImage(store cstorage.Store, name, id string, opts RemoveOptions) error {
	users, err := containersUsing(store, id)
	if err != nil || len(users) == 0 {
		return err
	}
	if !opts.Force {
		return &inUseError{container: users[0]}
	}
	for _, c := range users {
		err := removeContainer(store, c, opts.RemoveContainer)
		if err != nil {
			return fmt.Errorf("remove container %s that uses image %s: %w", short(c), name, err)
		}
	}
	return nil
}

func removeContainer(store cstorage.Store, id string, remove func(string) error) error {
	if remove != nil {
		return remove(id)
	}
	return store.DeleteContainer(id)
}

func containersUsing(store cstorage.Store, imageID string) ([]string, error) {
	ctrs, err := store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var ids []string
	for _, c := range ctrs {
		if c.ImageID == imageID {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// PruneOptions are `image prune`'s options.
type PruneOptions struct {
	All     bool     // every image no container uses, not only dangling ones
	Filters []string // as for List (label=, until=, ...)
	Events  events.Options
}

// Prune removes dangling images (or with All, every image no container uses)
// and returns their IDs. Removing an image can leave its parent dangling, so
// it goes round until nothing more qualifies.
func Prune(ctx context.Context, store cstorage.Store, opts PruneOptions) ([]string, error) {
	var removed []string
	for {
		ids, err := pruneCandidates(ctx, store, opts)
		if err != nil || len(ids) == 0 {
			return removed, err
		}
		for _, id := range ids {
			if _, err := store.DeleteImage(id, true); err != nil {
				return removed, fmt.Errorf("delete image %s: %w", short(id), err)
			}
			removed = append(removed, id)
			record(opts.Events, events.Remove, id, id)
		}
	}
}

// pruneCandidates lists the images that may go now: unused, without
// children, passing the filters, and dangling unless All.
func pruneCandidates(ctx context.Context, store cstorage.Store, opts PruneOptions) ([]string, error) {
	c, keep, err := filteredCatalog(store, opts.Filters)
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range c.images {
		img := &c.images[i]
		if len(c.containers[img.ID]) > 0 || c.hasChildren(img) || (!opts.All && len(img.Names) > 0) {
			continue
		}
		e, err := c.entry(ctx, img)
		if err != nil {
			return nil, err
		}
		if keep(e) {
			ids = append(ids, img.ID)
		}
	}
	return ids, nil
}
