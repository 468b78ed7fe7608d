package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	cstorage "go.podman.io/storage"
)

// cacheKeyPrefix names the big-data item that marks an image as the result
// of a build step: the item's name carries the step's key, so a lookup
// reads only the image list, never the items.
const cacheKeyPrefix = "roost-build-step-"

// cache finds and records step images in storage. A step's key is its
// parent image, the instruction after expansion and the digest of what it
// reads; the images are ordinary intermediate images (<none>), so `image
// prune` and `rmi` govern them as Podman's.
type cache struct {
	store cstorage.Store
}

func stepKey(parent string, parts ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", parent)
	for _, p := range parts {
		fmt.Fprintf(h, "%s\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lookup returns the image recorded for key, "" when none.
func (c *cache) lookup(key string) (string, error) {
	images, err := c.store.Images()
	if err != nil {
		return "", fmt.Errorf("list images for the build cache: %w", err)
	}
	name := cacheKeyPrefix + key
	for _, img := range images {
		if slices.Contains(img.BigDataNames, name) {
			return img.ID, nil
		}
	}
	return "", nil
}

// record marks image id as the result of the step with key.
func (c *cache) record(id, key string) error {
	if err := c.store.SetImageBigData(id, cacheKeyPrefix+key, []byte(key), nil); err != nil {
		return fmt.Errorf("record the build cache for image %.12s: %w", id, err)
	}
	return nil
}
