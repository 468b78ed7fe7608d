package engine

import (
	"context"
	"path/filepath"

	"github.com/roost-containers/roost/pkg/volume"
)

// VolumePruneReport is what a volume prune removed and the space it gave
// back (the API reports both; the CLI prints the names).
type VolumePruneReport struct {
	Names          []string
	SpaceReclaimed uint64
}

// PruneVolumes removes every volume f matches that no container uses, as
// `volume prune` does, and adds up their sizes. The sizes are measured just
// before the removal; a volume that became unused in between counts as 0.
func (e *Engine) PruneVolumes(ctx context.Context, f volume.Filter) (VolumePruneReport, error) {
	var r VolumePruneReport
	ce, err := e.Containers()
	if err != nil {
		return r, err
	}
	candidates, err := ce.PrunableVolumes(f)
	if err != nil {
		return r, err
	}
	sizes := map[string]int64{}
	for _, name := range candidates {
		sizes[name], _ = dirSize(filepath.Join(ce.Volumes.Dir, name))
	}
	r.Names, err = ce.PruneVolumes(ctx, f)
	for _, name := range r.Names {
		r.SpaceReclaimed += uint64(max(sizes[name], 0))
	}
	return r, err
}
