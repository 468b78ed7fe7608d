package container

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/filter"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// Statuses a status= filter may name: the recorded ones and paused.
var filterStatuses = []string{"created", "running", "paused", "stopping", "exited", "removing", "unknown"}

// HealthStates a health= filter may name; none is a container without a
// healthcheck.
var healthStates = []string{"starting", "healthy", "unhealthy", "none"}

// ValidStatus says whether s is a status ps and compose ps can filter on.
func ValidStatus(s string) bool { return slices.Contains(filterStatuses, s) }

// listKind declares ps's filter keys, Podman's set. It is the engine's
// because before=, since=, network= and pod= name other objects.
func (e *Engine) listKind() filter.Kind[*Container] {
	created := func(c *Container) time.Time { return c.Created }
	return filter.Kind[*Container]{Keys: map[string]filter.Key[*Container]{
		"ancestor": filter.Func(matchAncestor),
		"before":   filter.Before(created, e.createdOf),
		"since":    filter.Since(created, e.createdOf),
		"until":    filter.Until(created),
		"exited":   exitedKey,
		"health":   filter.Equal(healthOf, healthStates...),
		"id":       filter.IDPrefix(func(c *Container) string { return c.ID }),
		"label":    filter.Label(func(c *Container) map[string]string { return c.Labels }),
		"name":     filter.Regex(func(c *Container) string { return c.Name }),
		"network":  e.networkKey(),
		"pod":      e.podKey(),
		"status":   filter.Equal(statusOf, filterStatuses...),
		"volume":   filter.Func(usesVolume),
	}}
}

// pruneKind: container prune filters on until= and label= only, as Podman.
var pruneKind = filter.Kind[*Container]{Keys: map[string]filter.Key[*Container]{
	"until": filter.Until(func(c *Container) time.Time { return c.Created }),
	"label": filter.Label(func(c *Container) map[string]string { return c.Labels }),
}}

// needsAll: filters on states a container reaches by stopping look past the
// running ones even without --all, as Podman's do.
func needsAll(specs []string) bool {
	for _, s := range specs {
		key, _, _ := strings.Cut(s, "=")
		if key = strings.TrimSuffix(key, "!"); key == "status" || key == "exited" {
			return true
		}
	}
	return false
}

func (e *Engine) createdOf(ref string) (time.Time, error) {
	c, err := e.Get(ref)
	if err != nil {
		return time.Time{}, err
	}
	return c.Created, nil
}

// statusOf is the status ps shows in its State column: paused is a running
// container the runtime froze.
func statusOf(c *Container) string {
	if c.Paused() {
		return "paused"
	}
	return string(c.State.Status)
}

func healthOf(c *Container) string {
	if c.Run.Health == nil {
		return "none"
	}
	return c.State.Health
}

// exitedKey matches exited containers by their exit code.
var exitedKey = filter.Key[*Container]{Compile: func(v string) (filter.Predicate[*Container], error) {
	code, err := strconv.Atoi(v)
	if err != nil {
		return nil, errors.New("exited takes an exit code")
	}
	return func(c *Container) bool { return c.State.Status == StatusExited && c.State.ExitCode == code }, nil
}}

// matchAncestor: the image as named at create (in full, or without its
// registry and path, with or without a tag), or an id prefix.
func matchAncestor(c *Container, v string) bool {
	return c.ImageName == v || strings.HasPrefix(c.ImageID, strings.TrimPrefix(v, "sha256:")) ||
		strings.HasPrefix(c.ImageName, v+":") || strings.HasSuffix(c.ImageName, "/"+v) ||
		strings.Contains(c.ImageName, "/"+v+":")
}

// usesVolume: a named volume the container mounts, by name or by where it
// is mounted.
func usesVolume(c *Container, v string) bool {
	for _, m := range c.Spec.Mounts {
		if m.Type == spec.TypeVolume && (m.Source == v || strings.TrimSuffix(m.Destination, "/") == strings.TrimSuffix(v, "/")) {
			return true
		}
	}
	return false
}

// networkKey matches containers on a network given by name or id.
func (e *Engine) networkKey() filter.Key[*Container] {
	return filter.Key[*Container]{Compile: func(v string) (filter.Predicate[*Container], error) {
		if n, err := e.Networks.Get(v); err == nil {
			v = n.Name
		}
		return func(c *Container) bool {
			return slices.ContainsFunc(c.Net.Networks, func(r network.Request) bool { return r.Network == v })
		}, nil
	}}
}

// podKey matches the members (infra included) of a pod given by name or
// id. A pod that does not exist matches nothing: it may just have gone.
func (e *Engine) podKey() filter.Key[*Container] {
	return filter.Key[*Container]{Compile: func(v string) (filter.Predicate[*Container], error) {
		var id string
		_ = e.DB.View(func(tx *state.Tx) (err error) {
			id, err = tx.Lookup(state.Pods, v)
			return err
		})
		return func(c *Container) bool { return id != "" && c.Pod != nil && c.Pod.ID == id }, nil
	}}
}
