package container

import (
	"runtime"
	"sync"

	"github.com/roost-containers/roost/pkg/state"
)

// Outcome is what a batch operation did to one target: Done says whether
// it acted (a caller prints the target then), Err why it could not.
type Outcome struct {
	Target Target
	Done   bool
	Err    error
}

// batchWidth bounds how many targets a batch works on at once. Stopping and
// removing are mostly waiting (for a signal to take, for the runtime and
// storage), so a few per CPU keep the machine busy without a stampede.
func batchWidth() int { return max(4, 3*runtime.NumCPU()) }

// Batch runs op on every target, several at once, so a batch of twenty
// costs about its slowest member rather than the sum (Podman does the
// same). The operations must not depend on each other; each takes its
// container's own lock. Outcomes come back in target order.
func Batch(targets []Target, op func(Target) (bool, error)) []Outcome {
	out := make([]Outcome, len(targets))
	slots := make(chan struct{}, batchWidth())
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			done, err := op(t)
			out[i] = Outcome{Target: t, Done: done, Err: err}
		}()
	}
	wg.Wait()
	return out
}

// Anchors are the containers that must not be removed on their own: those
// another container depends on, and pods' infra containers. `rm -a`
// removes everything else in one batch and these in dependency order.
func (e *Engine) Anchors() (map[string]bool, error) {
	anchors := map[string]bool{}
	err := e.DB.View(func(tx *state.Tx) error {
		all, err := state.List[Container](tx, state.Containers)
		for _, c := range all {
			for _, d := range c.DependsOn {
				anchors[d] = true
			}
			if c.Pod != nil && c.Pod.IsInfra {
				anchors[c.ID] = true
			}
		}
		return err
	})
	return anchors, err
}
