package engine

import (
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
