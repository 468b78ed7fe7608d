package volume

import (
	"time"

	"github.com/roost-containers/roost/pkg/filter"
)

// Candidate is what volume filters read: a volume, and whether a container
// uses it (dangling=).
type Candidate struct {
	Volume *Volume
	InUse  bool
}

// Filter chooses volumes for `volume ls` and `volume prune`; the zero
// Filter keeps every volume.
type Filter struct {
	keep filter.Predicate[Candidate]
}

// volumeKeys are every key a volume command may accept.
var volumeKeys = map[string]filter.Key[Candidate]{
	"name":     filter.Regex(func(c Candidate) string { return c.Volume.Name }),
	"label":    filter.Label(func(c Candidate) map[string]string { return c.Volume.Labels }),
	"dangling": filter.Bool(func(c Candidate) bool { return !c.InUse }),
	"driver":   filter.Equal(func(c Candidate) string { return c.Volume.Driver }),
	"until":    filter.Until(func(c Candidate) time.Time { return c.Volume.CreatedAt }),
	// anonymous is not a CLI key: the API's volume prune takes only
	// anonymous volumes unless asked for all (Docker's API 1.42 and later).
	"anonymous": filter.Bool(func(c Candidate) bool { return c.Volume.Anonymous }),
}

// ListFilterKeys and PruneFilterKeys are the keys of `volume ls` and
// `volume prune`, as Podman has them (label!= comes with label).
var (
	ListFilterKeys  = []string{"name", "label", "dangling", "driver", "until"}
	PruneFilterKeys = []string{"label", "until"}
	// APIPruneFilterKeys are the API's: Docker's keys and the anonymous
	// restriction that its "all" filter lifts.
	APIPruneFilterKeys = []string{"label", "until", "anonymous"}
)

// ParseFilter reads --filter values for a command that accepts the keys
// named (ListFilterKeys or PruneFilterKeys).
func ParseFilter(list []string, keys []string) (Filter, error) {
	kind := filter.Kind[Candidate]{Noun: "volume", Keys: map[string]filter.Key[Candidate]{}}
	for _, k := range keys {
		kind.Keys[k] = volumeKeys[k]
	}
	keep, err := kind.Compile(list)
	return Filter{keep: keep}, err
}

// Match reports whether v passes; inUse says whether a container uses it.
func (f Filter) Match(v *Volume, inUse bool) bool {
	return f.keep == nil || f.keep(Candidate{Volume: v, InUse: inUse})
}
