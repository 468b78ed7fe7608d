package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/filter"
	"github.com/roost-containers/roost/pkg/state"
)

// PruneFilter chooses which stopped containers prune removes: until= and
// label= (label!= too), with pkg/filter's rules. The zero PruneFilter keeps
// every one.
type PruneFilter struct {
	keep filter.Predicate[*Container]
}

// ParsePruneFilters reads --filter values: until=, label=, label!=.
func ParsePruneFilters(list []string) (PruneFilter, error) {
	keep, err := pruneKind.Compile(list)
	return PruneFilter{keep: keep}, err
}

func (f PruneFilter) match(c *Container) bool { return f.keep == nil || f.keep(c) }

// Prune removes every container that is not running (created or exited)
// and passes the filter, and returns their ids. A container that starts or
// goes away meanwhile is skipped, not an error.
func (e *Engine) Prune(ctx context.Context, f PruneFilter) ([]string, error) {
	list, err := e.List(ctx, ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for i := range list {
		c := &list[i]
		if !stopped(c.State.Status) || !f.match(c) {
			continue
		}
		ok, err := e.pruneOne(ctx, c.ID)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			removed = append(removed, c.ID)
		}
	}
	return removed, errors.Join(errs...)
}

func stopped(s Status) bool { return s == StatusCreated || s == StatusExited }

// pruneOne removes one container if, under its lock, it is still stopped
// and nothing depends on it.
func (e *Engine) pruneOne(ctx context.Context, id string) (bool, error) {
	c, l, err := e.locked(ctx, id)
	if errors.Is(err, state.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !stopped(c.State.Status) || (c.Pod != nil && c.Pod.IsInfra) { // an infra goes with its pod
		l.Unlock()
		return false, nil
	}
	if deps, err := e.dependents(c.ID); err != nil || len(deps) > 0 {
		l.Unlock()
		return false, err
	}
	if err := e.removeLocked(ctx, c); err != nil {
		l.Unlock()
		return false, fmt.Errorf("prune %s: %w", c.Name, err)
	}
	l.Remove()
	return true, nil
}
