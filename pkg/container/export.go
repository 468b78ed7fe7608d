package container

import (
	"fmt"
	"io"

	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"

	"github.com/roost-containers/roost/pkg/events"
)

// Export writes the container's whole filesystem to w as an uncompressed tar,
// read chrooted into the root so the container's symlinks stay inside it.
func (e *Engine) Export(ref string, w io.Writer) error {
	return e.withRootfs(ref, func(c *Container, rootfs string) error {
		tr, err := chrootarchive.Tar(rootfs, &archive.TarOptions{Compression: archive.Uncompressed}, rootfs)
		if err != nil {
			return fmt.Errorf("export container %s: %w", c.Name, err)
		}
		defer tr.Close()
		if _, err := io.Copy(w, tr); err != nil {
			return fmt.Errorf("export container %s: %w", c.Name, err)
		}
		e.event(c, events.Export)
		return nil
	})
}
