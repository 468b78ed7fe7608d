package container

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/state"
)

// PruneFilter chooses which stopped containers prune removes: all filters
// must match (label= and label!= may repeat).
type PruneFilter struct {
	Until     time.Time // created before this
	Labels    []string  // key or key=value that must be present
	NotLabels []string  // key or key=value that must be absent
}

// ParsePruneFilters reads --filter values: until=, label=, label!=.
func ParsePruneFilters(list []string) (PruneFilter, error) {
	var f PruneFilter
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return f, fmt.Errorf("invalid --filter %q: use until=TIME, label=KEY[=VALUE] or label!=KEY[=VALUE]", kv)
		}
		switch k {
		case "until":
			t, err := image.ParseUntil(v)
			if err != nil {
				return f, fmt.Errorf("invalid --filter %q: %w", kv, err)
			}
			f.Until = t
		case "label":
			f.Labels = append(f.Labels, v)
		case "label!":
			f.NotLabels = append(f.NotLabels, v)
		default:
			return f, fmt.Errorf("invalid --filter %q: container prune filters on until=, label= or label!=", kv)
		}
	}
	return f, nil
}

func (f PruneFilter) match(c *Container) bool {
	if !f.Until.IsZero() && !c.Created.Before(f.Until) {
		return false
	}
	for _, l := range f.Labels {
		if !hasLabel(c.Labels, l) {
			return false
		}
	}
	for _, l := range f.NotLabels {
		if hasLabel(c.Labels, l) {
			return false
		}
	}
	return true
}

// hasLabel matches "key" (present) or "key=value".
func hasLabel(labels map[string]string, l string) bool {
	k, v, hasValue := strings.Cut(l, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

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
