package container

import (
	"context"
	"fmt"

	"github.com/roost-containers/roost/pkg/state"
)

// stopPodIfIdle applies a pod's exit policy "stop" after member c has
// exited: when no other member of its pod runs any more, the infra is
// stopped too, so the whole pod is Exited (Podman's --exit-policy stop).
// The caller holds no container lock: Stop takes the infra's.
func (e *Engine) stopPodIfIdle(ctx context.Context, c *Container) error {
	if c == nil || c.State.Status != StatusExited || c.Pod == nil || !c.Pod.StopPodOnExit || c.Pod.IsInfra || c.Pod.Infra == "" {
		return nil
	}
	var all []Container
	err := e.DB.View(func(tx *state.Tx) (err error) {
		all, err = state.List[Container](tx, state.Containers)
		return err
	})
	if err != nil {
		return fmt.Errorf("pod exit policy: %w", err)
	}
	for _, o := range all {
		if o.ID == c.ID || o.Pod == nil || o.Pod.ID != c.Pod.ID || o.Pod.IsInfra {
			continue
		}
		switch o.State.Status {
		case StatusRunning, StatusStopping, StatusUnknown:
			return nil // another member still runs: the pod goes on
		}
	}
	if _, err := e.Stop(ctx, c.Pod.Infra, nil); err != nil {
		return fmt.Errorf("pod exit policy stop: stop infra: %w", err)
	}
	return nil
}
