package container

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/roost-containers/roost/pkg/state"
)

// ErrHasDependents is returned when removing a container others depend on.
var ErrHasDependents = errors.New("container has dependent containers")

// dependents lists the ids of the containers whose DependsOn names id.
func (e *Engine) dependents(id string) ([]string, error) {
	var out []string
	err := e.DB.View(func(tx *state.Tx) error {
		all, err := state.List[Container](tx, state.Containers)
		for _, c := range all {
			if slices.Contains(c.DependsOn, id) {
				out = append(out, c.ID)
			}
		}
		return err
	})
	return out, err
}

// refuseDependents fails when other containers still depend on c.
func (e *Engine) refuseDependents(c *Container) error {
	deps, err := e.dependents(c.ID)
	if err != nil || len(deps) == 0 {
		return err
	}
	return &dependentsError{id: c.ID, deps: deps}
}

// dependentsError is Podman's refusal, naming the dependents; --depend is
// the way out.
type dependentsError struct {
	id   string
	deps []string
}

func (e *dependentsError) Error() string {
	return fmt.Sprintf("container %s has dependent containers which must be removed before it: %s (remove them first, or use --depend)", e.id, strings.Join(e.deps, ","))
}
func (e *dependentsError) Unwrap() error { return ErrHasDependents }

// RemoveDepend removes a container and, before it, every container that
// depends on it, recursively (rm --depend). It returns the ids removed, in
// order; on an error it stops and returns what it removed so far.
func (e *Engine) RemoveDepend(ctx context.Context, ref string, o RemoveOptions) ([]string, error) {
	id, err := e.Resolve(ref)
	if err != nil {
		return nil, err
	}
	order, err := e.dependencyOrder(id, map[string]bool{})
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range order {
		rid, err := e.Remove(ctx, d, o)
		if errors.Is(err, state.ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return removed, err
		}
		removed = append(removed, rid)
	}
	return removed, nil
}

// dependencyOrder lists id's dependents depth first, then id itself: the
// order in which they can be removed. seen guards against cycles.
func (e *Engine) dependencyOrder(id string, seen map[string]bool) ([]string, error) {
	if seen[id] {
		return nil, nil
	}
	seen[id] = true
	deps, err := e.dependents(id)
	if err != nil {
		return nil, err
	}
	var order []string
	for _, d := range deps {
		sub, err := e.dependencyOrder(d, seen)
		if err != nil {
			return nil, err
		}
		order = append(order, sub...)
	}
	return append(order, id), nil
}

// resolveRequired turns the names --requires gave into ids, so that rm
// can find the dependents; a missing one fails the create (Podman's words).
func (e *Engine) resolveRequired(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		id, err := e.Resolve(n)
		if err != nil {
			return nil, fmt.Errorf("no container with name or ID %q found: %w", n, err)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// startRequired starts the containers c needs that are not running
// (--requires, a shared network's owner), as Podman does before c.
func (e *Engine) startRequired(ctx context.Context, c *Container) error {
	for _, id := range c.DependsOn {
		if c.Pod != nil && id == c.Pod.Infra {
			continue // startInfra's
		}
		dep, err := e.Start(ctx, id, StartOptions{})
		if err != nil {
			return fmt.Errorf("start %s, which %s requires: %w", id, c.Name, err)
		}
		if dep.State.Status != StatusRunning {
			return fmt.Errorf("%s requires %s, which exited at once", c.Name, dep.Name)
		}
	}
	return nil
}
