package pods

import (
	"context"

	"github.com/roost-containers/roost/pkg/container"
)

// Stats is one sample of a pod's running container.
type Stats struct {
	PodID string
	container.Stats
}

// Stats samples the running containers (the infra too) of the pods
// named; prev holds each container's last sample, by id, as the
// container engine's Stats takes it.
func (m *Manager) Stats(ctx context.Context, refs []string, prev map[string]container.Stats) ([]Stats, error) {
	podOf := map[string]string{}
	var ids []string
	for _, ref := range refs {
		p, list, err := m.GetWithContainers(ctx, ref)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			if c.State.Status == container.StatusRunning {
				ids = append(ids, c.ID)
				podOf[c.ID] = p.ID
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	samples, err := m.Eng.Stats(ctx, ids, prev)
	if err != nil {
		return nil, err
	}
	out := make([]Stats, 0, len(samples))
	for _, s := range samples {
		out = append(out, Stats{PodID: podOf[s.ContainerID], Stats: s})
	}
	return out, nil
}
