package network

import (
	"time"

	"github.com/roost-containers/roost/pkg/filter"
)

// networkKeys are every key a network command may accept.
var networkKeys = map[string]filter.Key[*Network]{
	"name":   filter.Regex(func(n *Network) string { return n.Name }),
	"id":     filter.IDPrefix(func(n *Network) string { return n.ID }),
	"label":  filter.Label(func(n *Network) map[string]string { return n.Labels }),
	"driver": filter.Equal(func(n *Network) string { return n.Driver }),
	"until":  filter.Until(func(n *Network) time.Time { return n.Created }),
}

// ListFilterKeys and PruneFilterKeys are the keys of `network ls` and
// `network prune`, as Podman has them (label!= comes with label).
var (
	ListFilterKeys  = []string{"name", "id", "label", "driver", "until"}
	PruneFilterKeys = []string{"label", "until"}
)

// Filter chooses networks; the zero Filter keeps every one.
type Filter struct {
	keep filter.Predicate[*Network]
}

// ParseFilter reads --filter values for a command that accepts the keys
// named (ListFilterKeys or PruneFilterKeys).
func ParseFilter(list []string, keys []string) (Filter, error) {
	kind := filter.Kind[*Network]{Keys: map[string]filter.Key[*Network]{}}
	for _, k := range keys {
		kind.Keys[k] = networkKeys[k]
	}
	keep, err := kind.Compile(list)
	return Filter{keep: keep}, err
}

// Match reports whether n passes.
func (f Filter) Match(n *Network) bool { return f.keep == nil || f.keep(n) }
