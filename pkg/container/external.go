package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/state"
)

// External containers are those containers/storage holds that Roost's
// state does not: made by Buildah (or Podman) sharing the storage, or left
// by a create killed between storage and record. ps --external lists them
// as Podman does (state "storage"), and rm -f removes them from storage.

// ErrExternalMounted: an external container is mounted; only rm -f removes it.
var ErrExternalMounted = errors.New("container state improper")

// knownIDs are the ids of the containers Roost's state records.
func (e *Engine) knownIDs() (map[string]bool, error) {
	known := map[string]bool{}
	err := e.DB.View(func(tx *state.Tx) error {
		all, err := state.List[struct {
			ID string `json:"id"`
		}](tx, state.Containers)
		for _, c := range all {
			known[c.ID] = true
		}
		return err
	})
	return known, err
}

// externalContainers are storage's containers that Roost does not record.
func (e *Engine) externalContainers() ([]cstorage.Container, error) {
	known, err := e.knownIDs()
	if err != nil {
		return nil, err
	}
	all, err := e.Store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list storage containers: %w", err)
	}
	var out []cstorage.Container
	for _, sc := range all {
		if !known[sc.ID] {
			out = append(out, sc)
		}
	}
	return out, nil
}

// externalListings lists external containers as Podman does: the command is
// "buildah" for Buildah's working containers, "storage" for others, and the
// image the first name the image had.
func (e *Engine) externalListings(now time.Time) ([]Listing, error) {
	ext, err := e.externalContainers()
	if err != nil {
		return nil, err
	}
	rows := make([]Listing, 0, len(ext))
	for i := range ext {
		rows = append(rows, e.externalListing(&ext[i], now))
	}
	return rows, nil
}

func (e *Engine) externalListing(sc *cstorage.Container, now time.Time) Listing {
	name := "unknown"
	if len(sc.Names) > 0 {
		name = sc.Names[0]
	}
	buildah := e.isBuildah(sc.ID)
	cmd := "storage"
	if buildah {
		cmd = "buildah"
	}
	r := Listing{
		ID: sc.ID, Names: []string{name}, ImageID: sc.ImageID, Command: []string{cmd},
		Created: sc.Created.Unix(), State: "storage", created: sc.Created,
		Labels: map[string]string{}, Mounts: []string{}, Networks: []string{}, Ports: []ListingPort{},
	}
	switch {
	case sc.ImageID != "":
		if img, err := e.Store.Image(sc.ImageID); err == nil && len(img.NamesHistory) > 0 {
			r.Image = img.NamesHistory[0]
		} else if err == nil && len(img.Names) > 0 {
			r.Image = img.Names[0]
		}
	case buildah:
		r.Image = "scratch"
	}
	r.CreatedAt = image.HumanAgo(sc.Created, now)
	r.Status = r.statusAt(now, "")
	return r
}

// isBuildah: Buildah keeps its working container's config in buildah.json
// in the container's storage directory.
func (e *Engine) isBuildah(id string) bool {
	dir, err := e.Store.ContainerDirectory(id)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "buildah.json"))
	return err == nil
}

// ResolveExternal is the full id of the external container ref names (full
// id, id prefix or name); state.ErrNotFound when there is none.
func (e *Engine) ResolveExternal(ref string) (string, error) {
	sc, err := e.lookupExternal(ref)
	if err != nil {
		return "", err
	}
	return sc.ID, nil
}

// lookupExternal finds an external container by full id, id prefix or name.
func (e *Engine) lookupExternal(ref string) (*cstorage.Container, error) {
	ext, err := e.externalContainers()
	if err != nil {
		return nil, err
	}
	var found []*cstorage.Container
	for i := range ext {
		sc := &ext[i]
		if sc.ID == ref || containsName(sc.Names, ref) {
			return sc, nil
		}
		if len(ref) >= 3 && strings.HasPrefix(sc.ID, ref) {
			found = append(found, sc)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("no container with name or ID %q found: %w", ref, state.ErrNotFound)
	}
	return nil, fmt.Errorf("more than one external container starts with %q: give more of the id", ref)
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// RemoveExternal removes a container only storage knows. A mounted one
// (Buildah's working container) goes only with force, as in Podman. It
// returns the full id; state.ErrNotFound when there is no such container.
func (e *Engine) RemoveExternal(ref string, force bool) (string, error) {
	sc, err := e.lookupExternal(ref)
	if err != nil {
		return "", err
	}
	if !force {
		if n, err := e.Store.Mounted(sc.ID); err == nil && n > 0 {
			return "", fmt.Errorf("container %s is mounted and cannot be removed without using force: %w", sc.ID, ErrExternalMounted)
		}
	} else if _, err := e.Store.Unmount(sc.ID, true); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) {
		return "", fmt.Errorf("unmount storage container %s: %w", sc.ID[:12], err)
	}
	if err := e.Store.DeleteContainer(sc.ID); err != nil {
		return "", fmt.Errorf("remove storage container %s: %w", sc.ID[:12], err)
	}
	return sc.ID, nil
}
