package volume

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/image"
)

// Filter chooses volumes for `volume ls` and `volume prune`. Values of one
// key are alternatives (any may match); different keys must all match, as
// in Podman.
type Filter struct {
	names     []*regexp.Regexp
	labels    []string
	notLabels []string
	dangling  *bool
	drivers   []string
	until     time.Time
}

// ParseFilter reads --filter values. allowed lists the keys the command
// takes (ls: name, label, dangling, driver, until; prune: label, label!,
// until).
func ParseFilter(list []string, allowed ...string) (Filter, error) {
	var f Filter
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return f, fmt.Errorf("invalid --filter %q: use KEY=VALUE with KEY one of %s", kv, strings.Join(allowed, ", "))
		}
		if !contains(allowed, k) {
			return f, fmt.Errorf("invalid --filter %q: filter on %s", kv, strings.Join(allowed, ", "))
		}
		switch k {
		case "name":
			re, err := regexp.Compile(v)
			if err != nil {
				return f, fmt.Errorf("invalid --filter %q: %w", kv, err)
			}
			f.names = append(f.names, re)
		case "label":
			f.labels = append(f.labels, v)
		case "label!":
			f.notLabels = append(f.notLabels, v)
		case "dangling":
			b, err := parseBool(v)
			if err != nil {
				return f, fmt.Errorf("invalid --filter %q: %w", kv, err)
			}
			f.dangling = &b
		case "driver":
			f.drivers = append(f.drivers, v)
		case "until":
			t, err := image.ParseUntil(v)
			if err != nil {
				return f, fmt.Errorf("invalid --filter %q: %w", kv, err)
			}
			f.until = t
		}
	}
	return f, nil
}

// Match reports whether v passes; inUse says whether a container uses it.
func (f Filter) Match(v *Volume, inUse bool) bool {
	if len(f.names) > 0 && !anyName(f.names, v.Name) {
		return false
	}
	for _, l := range f.labels {
		if !hasLabel(v.Labels, l) {
			return false
		}
	}
	for _, l := range f.notLabels {
		if hasLabel(v.Labels, l) {
			return false
		}
	}
	if f.dangling != nil && *f.dangling == inUse {
		return false
	}
	if len(f.drivers) > 0 && !contains(f.drivers, v.Driver) {
		return false
	}
	if !f.until.IsZero() && !v.CreatedAt.Before(f.until) {
		return false
	}
	return true
}

func anyName(res []*regexp.Regexp, name string) bool {
	for _, re := range res {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// hasLabel matches "key" (present) or "key=value".
func hasLabel(labels map[string]string, want string) bool {
	k, v, withValue := strings.Cut(want, "=")
	got, ok := labels[k]
	return ok && (!withValue || got == v)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("use true or false")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
