package engine

import (
	"context"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/info"
	"github.com/roost-containers/roost/pkg/spec"
)

// WarnNoCgroupLimits is Podman's one warning when a rootless user on a host
// without cgroup v2 delegation asks for limits: they are dropped and the
// container runs without them.
const WarnNoCgroupLimits = "Resource limits are not supported and ignored on cgroups V1 rootless systems"

// applyCgroups decides whether the container gets a cgroup of its own: only
// where cgroup v2 controllers are delegated to the user (or for root on v2).
// Elsewhere asked-for limits are dropped, as Podman drops them, with one
// warning, so the record and inspect say what the container really has.
func (e *Engine) applyCgroups(s *spec.Options) []string {
	cg := info.DetectCgroups(e.opts.Config.UID, e.opts.Config.Rootless)
	if cg.Limits {
		s.Cgroups = true
		return nil
	}
	s.Cgroups = false
	if s.Resources == nil {
		return nil
	}
	s.Resources = nil
	return []string{WarnNoCgroupLimits}
}

// UpdateContainer gives a container new cgroup limits (`update`). Where the
// container has no cgroup of its own (rootless without cgroup v2
// delegation) the limits are checked, then dropped with Podman's warning, as
// run drops them: the record keeps saying what the container really has.
func (e *Engine) UpdateContainer(ctx context.Context, ref string, r *spec.Resources) (*container.Container, []string, error) {
	ce, err := e.Containers()
	if err != nil {
		return nil, nil, err
	}
	if r == nil || !info.DetectCgroups(e.opts.Config.UID, e.opts.Config.Rootless).Limits {
		c, err := ce.Get(ref)
		if err != nil || r == nil {
			return c, nil, err
		}
		return c, []string{WarnNoCgroupLimits}, nil
	}
	c, err := ce.UpdateResources(ctx, ref, r)
	return c, nil, err
}
