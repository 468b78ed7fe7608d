package pods

import (
	"slices"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/filter"
)

// Candidate is what pod filters read: a pod and its containers (infra
// included).
type Candidate struct {
	Pod     *Pod
	Members []container.Container
}

// listKind declares `pod ps`'s filter keys, Podman's set.
var listKind = filter.Kind[Candidate]{Keys: map[string]filter.Key[Candidate]{
	"id":         filter.IDPrefix(func(c Candidate) string { return c.Pod.ID }),
	"name":       filter.Regex(func(c Candidate) string { return c.Pod.Name }),
	"label":      filter.Label(func(c Candidate) map[string]string { return c.Pod.Labels }),
	"until":      filter.Until(func(c Candidate) time.Time { return c.Pod.Created }),
	"status":     filter.Func(func(c Candidate, v string) bool { return strings.EqualFold(Status(c.Members), v) }),
	"network":    filter.Func(func(c Candidate, v string) bool { return slices.Contains(infraNetworks(c.Pod, c.Members), v) }),
	"ctr-names":  memberKey(func(m *container.Container, v string) bool { return m.Name == v }),
	"ctr-ids":    memberKey(func(m *container.Container, v string) bool { return strings.HasPrefix(m.ID, v) }),
	"ctr-status": memberKey(func(m *container.Container, v string) bool { return string(m.State.Status) == v }),
	"ctr-number": filter.Int(func(c Candidate) int { return len(c.Members) }),
}}

// ListFilter is a compiled `pod ps` filter; the zero ListFilter keeps
// every pod.
type ListFilter struct {
	keep filter.Predicate[Candidate]
}

// ParseListFilter reads `pod ps` --filter values.
func ParseListFilter(list []string) (ListFilter, error) {
	keep, err := listKind.Compile(list)
	return ListFilter{keep: keep}, err
}

// Match reports whether pod p, with its containers, passes.
func (f ListFilter) Match(p *Pod, members []container.Container) bool {
	return f.keep == nil || f.keep(Candidate{Pod: p, Members: members})
}

// memberKey matches pods with at least one container that match accepts.
func memberKey(match func(m *container.Container, value string) bool) filter.Key[Candidate] {
	return filter.Func(func(c Candidate, v string) bool {
		for i := range c.Members {
			if match(&c.Members[i], v) {
				return true
			}
		}
		return false
	})
}

// infraNetworks are the networks of the pod's infra container, which its
// members share.
func infraNetworks(p *Pod, members []container.Container) []string {
	var out []string
	for _, c := range members {
		if c.ID == p.Infra {
			for _, n := range c.Net.Networks {
				out = append(out, n.Network)
			}
		}
	}
	return out
}
