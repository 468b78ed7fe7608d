package image

import (
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"
)

// Find returns the local image a user named: by ID or ID prefix, by full
// name, by short name (busybox finds 127.0.0.1:5000/busybox:latest), or by
// name@digest. The second result is the stored name that matched, or "" when
// the image was named by ID or digest. An unknown image is an error wrapping
// storage.ErrImageUnknown.
func Find(store cstorage.Store, name string) (*cstorage.Image, string, error) {
	q, err := parseQuery(name)
	if err != nil {
		return nil, "", err
	}
	if q.id != "" {
		if img, err := store.Image(q.id); err == nil && strings.HasPrefix(img.ID, q.id) {
			return img, "", nil
		}
	}
	if q.named == nil {
		return nil, "", notKnown(name)
	}
	if e := q.exact(); e != "" {
		if img, err := store.Image(e); err == nil && slices.Contains(img.Names, e) {
			return img, e, nil
		}
	}
	images, err := store.Images()
	if err != nil {
		return nil, "", fmt.Errorf("list images: %w", err)
	}
	return pick(q, images)
}

func notKnown(name string) error {
	return fmt.Errorf("%s: %w", name, cstorage.ErrImageUnknown)
}

// pick chooses among all images the one the query names; two different
// images answering one short name is an error rather than a guess.
func pick(q query, images []cstorage.Image) (*cstorage.Image, string, error) {
	var hit *cstorage.Image
	var hitName string
	for i := range images {
		img := &images[i]
		n := matchingName(q, img)
		if n == "" {
			continue
		}
		if hit != nil && hit.ID != img.ID {
			return nil, "", fmt.Errorf("%q names more than one image (%s, %s): give the full name or the ID", q.raw, hitName, n)
		}
		hit, hitName = img, n
	}
	if hit == nil {
		return nil, "", notKnown(q.raw)
	}
	if q.dig != "" {
		// Pulling by digest stores name@digest as a name of its own:
		// naming it exactly is naming that name (rmi only untags it).
		if exact := q.named.String(); slices.Contains(hit.Names, exact) {
			return hit, exact, nil
		}
		return hit, "", nil
	}
	return hit, hitName, nil
}

// matchingName returns the image's name the query matches, or "".
func matchingName(q query, img *cstorage.Image) string {
	if q.dig != "" && !hasDigest(img, q.dig) {
		return ""
	}
	for _, n := range img.Names {
		if q.matchesName(n) {
			return n
		}
	}
	return ""
}

func hasDigest(img *cstorage.Image, d digest.Digest) bool {
	return img.Digest == d || slices.Contains(img.Digests, d)
}
