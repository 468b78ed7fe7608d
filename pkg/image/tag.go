package image

import (
	"fmt"
	"slices"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/events"
)

// Tag gives the image src more names. A name another image had moves to src,
// as with Podman and Docker.
func Tag(store cstorage.Store, src string, targets []string, rec events.Options) error {
	img, _, err := Find(store, src)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		n, err := NormalizeName(t)
		if err != nil {
			return err
		}
		names = append(names, n.String())
	}
	if err := store.AddNames(img.ID, names); err != nil {
		return fmt.Errorf("tag image %s: %w", img.ID[:12], err)
	}
	record(rec, events.Tag, img.ID, targets...)
	return nil
}

// Untag removes names from the image; with no names, it removes all of them
// and the image becomes dangling. It returns the names removed.
func Untag(store cstorage.Store, src string, names []string, rec events.Options) ([]string, error) {
	img, _, err := Find(store, src)
	if err != nil {
		return nil, err
	}
	remove := img.Names
	if len(names) > 0 {
		if remove, err = namesOf(img, names); err != nil {
			return nil, err
		}
	}
	if len(remove) == 0 {
		return nil, nil
	}
	if err := store.RemoveNames(img.ID, remove); err != nil {
		return nil, fmt.Errorf("untag image %s: %w", img.ID[:12], err)
	}
	record(rec, events.Untag, img.ID, remove...)
	return slices.Clone(remove), nil
}

// namesOf maps names the user typed to the image's stored names; a name the
// image does not have is an error, not a silent no-op.
func namesOf(img *cstorage.Image, names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		stored, err := storedName(img, n)
		if err != nil {
			return nil, err
		}
		out = append(out, stored)
	}
	return out, nil
}

func storedName(img *cstorage.Image, name string) (string, error) {
	if n, err := NormalizeName(name); err == nil && slices.Contains(img.Names, n.String()) {
		return n.String(), nil
	}
	q, err := parseQuery(dropTagOfDigested(name))
	if err != nil {
		return "", err
	}
	// NAME[:TAG]@DIGEST: the name a pull by digest stored, exactly.
	if q.dig != "" && q.named != nil && slices.Contains(img.Names, q.named.String()) {
		return q.named.String(), nil
	}
	for _, s := range img.Names {
		if q.dig == "" && q.matchesName(s) {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s: tag not known", name)
}
