package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/spec"
)

// imageMountsFile lists, in the run directory, the images this run of the
// container mounted (one id a line): releaseImageMounts unmounts exactly
// those, once, however many cleanups run.
const imageMountsFile = "image-mounts.list"

// imageMount turns --mount type=image into a bind mount of the image's
// filesystem, mounted through storage (counted, so `image mount` and other
// containers keep theirs). Read-only by default; with rw the container
// writes into an overlay of its own whose changes go with the run.
func (e *Engine) imageMount(c *Container, n int, m spec.Mount) (spec.Mount, error) {
	path, err := e.Store.MountImage(m.Source, nil, "")
	if err != nil {
		return spec.Mount{}, fmt.Errorf("image mount at %s: mount image %.12s: %w", m.Destination, m.Source, err)
	}
	dir := e.runDir(c.ID)
	if err := appendIDLine(filepath.Join(dir, imageMountsFile), m.Source); err != nil {
		_, _ = e.Store.UnmountImage(m.Source, false)
		return spec.Mount{}, err
	}
	opts := []string{"rbind", "ro"}
	if strings.Contains(strings.Join(m.Options, ","), "rw") {
		if path, err = rwOverlay(filepath.Join(dir, "image-mounts", strconv.Itoa(n)), path); err != nil {
			return spec.Mount{}, fmt.Errorf("image mount at %s: %w", m.Destination, err)
		}
		opts = []string{"rbind", "rw"}
	}
	return spec.Mount{Type: spec.TypeBind, Source: path, Destination: m.Destination, Options: opts}, nil
}

// rwOverlay mounts a writable overlay over lower in dir (upper, work,
// merged) and returns the merged path.
func rwOverlay(dir, lower string) (string, error) {
	merged := filepath.Join(dir, "merged")
	_ = unix.Unmount(merged, unix.MNT_DETACH) // a previous run's
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	for _, d := range []string{"upper", "work", "merged"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return "", err
		}
	}
	data := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err := unix.Mount("overlay", merged, "overlay", 0, data); err != nil {
		return "", fmt.Errorf("writable overlay over the image: %w", err)
	}
	return merged, nil
}

// releaseImageMounts undoes what imageMount did for the last run.
func (e *Engine) releaseImageMounts(id string) {
	dir := e.runDir(id)
	b, err := os.ReadFile(filepath.Join(dir, imageMountsFile))
	if err != nil {
		return
	}
	_ = os.Remove(filepath.Join(dir, imageMountsFile))
	overlays, _ := os.ReadDir(filepath.Join(dir, "image-mounts"))
	for _, o := range overlays {
		_ = unix.Unmount(filepath.Join(dir, "image-mounts", o.Name(), "merged"), unix.MNT_DETACH)
	}
	_ = os.RemoveAll(filepath.Join(dir, "image-mounts"))
	for _, img := range strings.Fields(string(b)) {
		_, _ = e.Store.UnmountImage(img, false)
	}
}

func appendIDLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
