package container

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/image"
)

// CommitOptions are a commit's image options and how to treat a running
// container.
type CommitOptions struct {
	image.CommitOptions
	// Pause asks to freeze a running container while its changes are read.
	// Freezing needs the cgroup freezer, which Roost does not have without
	// cgroup v2 delegation: a running container with Pause is refused rather
	// than committed unfrozen while the user believes it was frozen.
	Pause bool
}

// ErrPauseUnavailable is the refusal of --pause on a running container.
var ErrPauseUnavailable = errors.New("pausing a container needs the cgroup v2 freezer, which Roost does not use on this host")

// Commit makes a new image from a container's changes over its image. The
// container may be running; its lock is held meanwhile, so it is not
// removed or restarted under the copy.
func (e *Engine) Commit(ctx context.Context, ref string, o CommitOptions) (string, error) {
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	switch c.State.Status {
	case StatusCreating:
		return "", fmt.Errorf("container %s is being created by another command", c.Name)
	case StatusRemoving:
		return "", fmt.Errorf("container %s is being removed by another command", c.Name)
	case StatusRunning, StatusStopping, StatusUnknown:
		if o.Pause {
			return "", fmt.Errorf("commit %s --pause: %w: commit without --pause, or stop the container first for a consistent image", c.Name, ErrPauseUnavailable)
		}
	}
	sc, err := e.Store.Container(c.ID)
	if err != nil {
		return "", fmt.Errorf("storage of container %s: %w", c.Name, err)
	}
	if o.CreatedBy == "" {
		o.CreatedBy = strings.Join(c.Command, " ")
	}
	p := c.Spec.Process
	o.Container = &image.ContainerConfig{Entrypoint: p.Entrypoint, Cmd: p.Args, Env: p.Env, WorkDir: p.WorkDir, User: p.User}
	id, err := image.Commit(ctx, e.Store, e.Cfg, image.CommitSource{LayerID: sc.LayerID, ImageID: sc.ImageID}, o.CommitOptions)
	if err != nil {
		return "", fmt.Errorf("commit %s: %w", c.Name, err)
	}
	e.event(c, events.Commit)
	return id, nil
}
