package events

import (
	"fmt"
	"strings"
)

// Filter tells whether an event is wanted; nil wants every event.
type Filter func(Event) bool

// keyMatchers are the --filter keys, Podman's (case-insensitive), plus
// network: each value becomes a test of one event.
var keyMatchers = map[string]func(value string) Filter{
	"container": func(v string) Filter { return objectMatch(Container, v) },
	"image":     func(v string) Filter { return objectMatch(Image, v) },
	"pod":       func(v string) Filter { return objectMatch(Pod, v) },
	"volume":    func(v string) Filter { return objectMatch(Volume, v) },
	"network": func(v string) Filter {
		return func(e Event) bool { return e.Type == Network && (e.Network == v || e.ID == v) }
	},
	"event":  statusMatch,
	"status": statusMatch,
	"type":   func(v string) Filter { return func(e Event) bool { return string(e.Type) == v } },
	"label":  labelMatch,
}

func statusMatch(v string) Filter {
	return func(e Event) bool { return string(e.Status) == v }
}

// objectMatch: an event about an object of type t named v, or whose id
// begins with v.
func objectMatch(t Type, v string) Filter {
	return func(e Event) bool {
		return e.Type == t && (e.Name == v || (v != "" && strings.HasPrefix(e.ID, v)))
	}
}

// labelMatch: label=KEY=VALUE needs that attribute with that value;
// label=KEY needs the attribute.
func labelMatch(v string) Filter {
	key, value, hasValue := strings.Cut(v, "=")
	return func(e Event) bool {
		got, ok := e.Attributes[key]
		return ok && (!hasValue || got == value)
	}
}

// CompileFilters reads --filter KEY=VALUE values with Podman's rules for
// events: values of one key are alternatives, different keys must all hold.
func CompileFilters(specs []string) (Filter, error) {
	groups := map[string][]Filter{}
	var order []string
	for _, s := range specs {
		key, value, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("%s is an invalid filter: use KEY=VALUE", s)
		}
		k := strings.ToLower(key)
		if k == "status" {
			k = "event" // one key under two names: still alternatives
		}
		match, known := keyMatchers[k]
		if !known {
			return nil, fmt.Errorf("%s is an invalid filter: use container, event, image, label, network, pod, type or volume", key)
		}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], match(value))
	}
	if len(groups) == 0 {
		return nil, nil
	}
	return func(e Event) bool {
		for _, k := range order {
			if !anyOf(groups[k], e) {
				return false
			}
		}
		return true
	}, nil
}

func anyOf(fs []Filter, e Event) bool {
	for _, f := range fs {
		if f(e) {
			return true
		}
	}
	return false
}
