package container

import "context"

// removeAnonymousVolumes is rm -v's hook: it removes the volumes made for c
// alone (an image's VOLUME, `-v /path` without a name). Volumes arrive with
// their own issue; until then a container has none, so there is nothing to do.
func (e *Engine) removeAnonymousVolumes(ctx context.Context, c *Container) error {
	return nil
}
