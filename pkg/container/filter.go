package container

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/filter"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// Statuses a status= filter may name: the recorded ones, paused, and
// Podman's other words for two of them.
var filterStatuses = []string{"created", "running", "paused", "stopping", "exited", "removing", "unknown", "stopped", "configured"}

// statusAliases: Podman's stopped is an exited container, configured a
// created one.
var statusAliases = map[string]string{"stopped": "exited", "configured": "created"}

// restartPolicies a restart-policy= filter may name; none is no policy.
var restartPolicies = []string{"no", "none", "always", "on-failure", "unless-stopped"}

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
		"ancestor":       filter.Func(matchAncestor),
		"before":         filter.Before(created, e.createdOf),
		"since":          filter.Since(created, e.createdOf),
		"until":          filter.Until(created),
		"exited":         exitedKey,
		"health":         filter.Equal(healthOf, healthStates...),
		"id":             filter.IDPrefix(func(c *Container) string { return c.ID }),
		"label":          filter.Label(func(c *Container) map[string]string { return c.Labels }),
		"name":           filter.Regex(func(c *Container) string { return c.Name }),
		"network":        e.networkKey(),
		"pod":            e.podKey(),
		"status":         statusKey(),
		"volume":         filter.Func(usesVolume),
		"restart-policy": filter.Key[*Container]{Compile: compileRestartPolicy},
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

// usesVolume: a mount whose source (a volume's name, a bind's host path)
// or destination is v, or with v as SOURCE:DEST, both.
func usesVolume(c *Container, v string) bool {
	src, dest, both := strings.Cut(v, ":")
	clean := func(p string) string { return strings.TrimSuffix(p, "/") }
	for _, m := range c.Spec.Mounts {
		switch {
		case both && m.Source == src && clean(m.Destination) == clean(dest):
			return true
		case !both && (m.Source == v || (m.Type == spec.TypeVolume && clean(m.Destination) == clean(v))):
			return true
		}
	}
	return false
}

// statusKey is status=, with Podman's aliases.
func statusKey() filter.Key[*Container] {
	eq := filter.Equal(statusOf)
	return filter.Key[*Container]{Compile: func(v string) (filter.Predicate[*Container], error) {
		if !slices.Contains(filterStatuses, v) {
			return nil, fmt.Errorf("use one of %s", strings.Join(filterStatuses, ", "))
		}
		if a, ok := statusAliases[v]; ok {
			v = a
		}
		return eq.Compile(v)
	}, Negatable: true}
}

// checkRestartPolicies refuses restart-policy= values that name no policy
// with Podman's words, naming every bad one at once (ps, start, stop and rm
// alike), before the filter kind would stop at the first.
func checkRestartPolicies(specs []string) error {
	var bad []string
	for _, s := range specs {
		if v, ok := strings.CutPrefix(s, "restart-policy="); ok && !slices.Contains(restartPolicies, v) {
			bad = append(bad, v)
		}
	}
	switch {
	case len(bad) == 1:
		return fmt.Errorf("%s invalid restart policy", bad[0])
	case len(bad) > 1:
		return fmt.Errorf("%s invalid restart policies", strings.Join(bad, ", "))
	}
	return nil
}

// compileRestartPolicy is restart-policy=: the policy given at create.
func compileRestartPolicy(v string) (filter.Predicate[*Container], error) {
	if !slices.Contains(restartPolicies, v) {
		return nil, fmt.Errorf("%s invalid restart policy: use one of %s", v, strings.Join(restartPolicies, ", "))
	}
	return func(c *Container) bool {
		p := c.Run.Restart.Policy
		if p == "" || p == "no" {
			return v == "no" || v == "none"
		}
		return p == v
	}, nil
}

// networkKey matches containers on a network given by name or id, or, as
// container:NAME, those sharing that container's network namespace.
func (e *Engine) networkKey() filter.Key[*Container] {
	return filter.Key[*Container]{Compile: func(v string) (filter.Predicate[*Container], error) {
		if ref, ok := strings.CutPrefix(v, "container:"); ok {
			id, _ := e.Resolve(ref) // a container that is gone is shared by none
			return func(c *Container) bool { return id != "" && c.Net.Mode == NetContainer && c.Net.Target == id }, nil
		}
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
