package image

import (
	"fmt"

	cstorage "go.podman.io/storage"
)

// Mount mounts a stored image's root filesystem read-only and returns
// where. Each mount adds one to storage's count; Unmount releases it.
func Mount(store cstorage.Store, name string) (string, error) {
	img, _, err := Find(store, name)
	if err != nil {
		return "", err
	}
	if isList(store, img) {
		return "", listRefused(img, name)
	}
	path, err := store.MountImage(img.ID, nil, "")
	if err != nil {
		return "", fmt.Errorf("mount image %s: %w", name, err)
	}
	return path, nil
}

// Unmount releases one mount of an image (every one with force) and
// returns its ID.
func Unmount(store cstorage.Store, name string, force bool) (string, error) {
	img, _, err := Find(store, name)
	if err != nil {
		return "", err
	}
	if _, err := store.UnmountImage(img.ID, force); err != nil {
		return "", fmt.Errorf("unmount image %s: %w", name, err)
	}
	return img.ID, nil
}
