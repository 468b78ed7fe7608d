package pods

import (
	"strings"
	"testing"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
)

func TestListFilterAndListing(t *testing.T) {
	p := &Pod{ID: "p0d" + strings.Repeat("0", 61), Name: "front", Infra: "inf" + strings.Repeat("1", 61),
		Labels: map[string]string{"tier": "front"}, Created: time.Now().Add(-time.Hour)}
	members := []container.Container{
		{ID: p.Infra, Name: "front-infra", State: container.State{Status: container.StatusRunning},
			Net: container.NetOptions{Networks: []network.Request{{Network: "blue"}}}},
		{ID: "web" + strings.Repeat("2", 61), Name: "web", State: container.State{Status: container.StatusExited}},
	}
	for spec, want := range map[string]bool{
		"id=p0d": true, "id=web": false, "name=^fr": true, "name=^back": false,
		"label=tier=front": true, "label!=tier": false, "status=degraded": true, "status=running": false,
		"network=blue": true, "ctr-names=web": true, "ctr-ids=web": true, "ctr-status=exited": true,
		"ctr-status=created": false, "ctr-number=2": true, "ctr-number=3": false, "until=10m": true,
	} {
		f, err := ParseListFilter([]string{spec})
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if got := f.Match(p, members); got != want {
			t.Errorf("%s: %v, want %v", spec, got, want)
		}
	}
	for _, bad := range []string{"colour=red", "ctr-number=two", "name=("} {
		if _, err := ParseListFilter([]string{bad}); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
	l := NewListing(p, members, false, time.Now())
	if l.ID != p.ID[:12] || l.InfraID != p.Infra[:12] || l.NumberOfContainers != 2 || l.Status != StatusDegraded ||
		l.ContainerNames != "front-infra,web" || l.ContainerStatuses != "running,exited" || strings.Join(l.Networks, ",") != "blue" ||
		l.Created != "About an hour ago" {
		t.Errorf("listing: %+v", l)
	}
}
