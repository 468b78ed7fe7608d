package container

import (
	"context"
	"fmt"

	"github.com/roost-containers/roost/pkg/stats"
)

// Stats is one sample of a container's use of resources (see package stats).
type Stats = stats.Sample

// Stats samples running containers: those named, or every running one.
// prev holds the last samples by id, so CPU % covers the interval between
// them; without one it covers the time since the container started.
func (e *Engine) Stats(ctx context.Context, refs []string, prev map[string]Stats) ([]Stats, error) {
	if err := e.needCgroups("stats", nil); err != nil {
		return nil, err
	}
	var list []Container
	if len(refs) == 0 {
		all, err := e.List(ctx, ListOptions{})
		if err != nil {
			return nil, err
		}
		list = all
	}
	for _, ref := range refs {
		c, err := e.Get(ref)
		if err != nil {
			return nil, err
		}
		list = append(list, *c)
	}
	out := make([]Stats, 0, len(list))
	for i := range list {
		c := &list[i]
		if c.State.Status != StatusRunning || c.State.Pid <= 0 {
			return nil, fmt.Errorf("stats %s: %w", c.Name, ErrNotRunning)
		}
		if err := e.needCgroups("stats", c); err != nil {
			return nil, err
		}
		s, err := stats.Read(c.State.Pid, c.State.StartedAt)
		if err != nil {
			return nil, fmt.Errorf("stats %s: %w", c.Name, err)
		}
		s.ContainerID, s.Name = c.ID, c.Name
		s.SetCPU(prev[c.ID], c.State.StartedAt)
		out = append(out, s)
	}
	return out, nil
}
