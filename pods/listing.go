package pods

import (
	"context"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
)

// Listing is one pod as `pod ps` shows it; field names are Podman's, for
// --format and JSON.
type Listing struct {
	ID                 string `json:"Id"`
	Name               string
	Status             string
	Created            string    `json:"-"`
	CreatedAt          time.Time `json:"Created"`
	InfraID            string    `json:"InfraId"`
	NumberOfContainers int       `json:"-"`
	ContainerIds       string    `json:"-"`
	ContainerNames     string    `json:"-"`
	ContainerStatuses  string    `json:"-"`
	Labels             map[string]string
	Networks           []string
	Containers         []ListingMember `json:"Containers"`
}

// ListingMember is one container of a pod's Listing.
type ListingMember struct {
	ID     string `json:"Id"`
	Names  string
	Status string
}

// NewListing projects p and its containers at time now; unless full, ids
// are cut to 12 characters.
func NewListing(p *Pod, members []container.Container, full bool, now time.Time) Listing {
	short := func(id string) string {
		if full || len(id) < 12 {
			return id
		}
		return id[:12]
	}
	r := Listing{
		ID: short(p.ID), Name: p.Name, Status: Status(members), CreatedAt: p.Created,
		Created: image.HumanAgo(p.Created, now), InfraID: short(p.Infra),
		NumberOfContainers: len(members), Labels: p.Labels, Containers: []ListingMember{},
		Networks: infraNetworks(p, members),
	}
	var ids, names, states []string
	for _, c := range members {
		ids, names, states = append(ids, short(c.ID)), append(names, c.Name), append(states, string(c.State.Status))
		r.Containers = append(r.Containers, ListingMember{ID: c.ID, Names: c.Name, Status: string(c.State.Status)})
	}
	r.ContainerIds, r.ContainerNames, r.ContainerStatuses = strings.Join(ids, ","), strings.Join(names, ","), strings.Join(states, ",")
	return r
}

// List returns the pods f keeps, newest first, as `pod ps` shows them;
// unless full, ids are cut to 12 characters.
func (m *Manager) List(ctx context.Context, f ListFilter, full bool) ([]Listing, error) {
	all, err := m.All()
	if err != nil {
		return nil, err
	}
	rows := []Listing{}
	now := time.Now()
	for i := range all {
		members, err := m.Containers(ctx, &all[i])
		if err != nil {
			return nil, err
		}
		if f.Match(&all[i], members) {
			rows = append(rows, NewListing(&all[i], members, full, now))
		}
	}
	return rows, nil
}
