package container

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// filterEngine records three containers and a pod in a fresh database:
// web (running, with a healthcheck, on network blue, in pod p1, volume data
// at /data), db (exited with 3) and job (created), oldest first.
func filterEngine(t *testing.T) *Engine {
	t.Helper()
	dir := t.TempDir()
	db := state.Open(filepath.Join(dir, "state.db"))
	e := &Engine{Cfg: &config.Config{RunDir: dir}, DB: db, Networks: &network.Manager{DB: db, RunDir: dir}}
	t0 := time.Now().Add(-3 * time.Hour)
	list := []Container{
		{ID: "aaaa" + strings.Repeat("1", 60), Name: "web", Created: t0, ImageName: "127.0.0.1:5000/busybox:latest", ImageID: "b0b0",
			Labels: map[string]string{"app": "web", "tier": "front"}, State: State{Status: StatusRunning},
			Run: RunOptions{Health: &monitor.HealthConfig{}}, Net: NetOptions{Networks: []network.Request{{Network: "blue"}}},
			Pod: &PodLink{ID: "pod1"}, Spec: spec.Options{Mounts: []spec.Mount{{Type: spec.TypeVolume, Source: "data", Destination: "/data"}}}},
		{ID: "bbbb" + strings.Repeat("2", 60), Name: "db", Created: t0.Add(time.Hour), ImageName: "127.0.0.1:5000/debian:bookworm", ImageID: "d0d0",
			Labels: map[string]string{"app": "db"}, State: State{Status: StatusExited, ExitCode: 3}},
		{ID: "abab" + strings.Repeat("3", 60), Name: "job", Created: t0.Add(2 * time.Hour), ImageName: "127.0.0.1:5000/busybox:latest", ImageID: "b0b0",
			State: State{Status: StatusCreated}},
	}
	err := db.Update(func(tx *state.Tx) error {
		for i := range list {
			if err := tx.Put(state.Containers, list[i].ID, list[i].Name, &list[i]); err != nil {
				return err
			}
		}
		return tx.Put(state.Pods, "pod1", "p1", map[string]string{"id": "pod1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestListFilters(t *testing.T) {
	e := filterEngine(t)
	for _, c := range []struct {
		all     bool
		filters []string
		want    string
	}{
		{false, nil, "web"},
		{true, nil, "job db web"},
		{false, []string{"status=exited"}, "db"}, // status looks past running ones
		{false, []string{"status=exited", "status=created"}, "job db"},
		{false, []string{"status!=running"}, "job db"}, // so does status!=
		{false, []string{"exited=3"}, "db"},
		{false, []string{"exited=0"}, ""},
		{true, []string{"name=^w"}, "web"},
		{true, []string{"name=o", "name=d"}, "job db"}, // one key: any
		{true, []string{"label=app"}, "db web"},
		{true, []string{"label!=app"}, "job"},
		{true, []string{"label=app", "label!=tier"}, "db"},
		{true, []string{"id=ab"}, "job"},
		{true, []string{"ancestor=busybox"}, "job web"},
		{true, []string{"ancestor=d0"}, "db"},
		{true, []string{"before=db"}, "web"},
		{true, []string{"since=db"}, "job"},
		{true, []string{"until=90m"}, "db web"},
		{true, []string{"health=none"}, "job db"},
		{true, []string{"network=blue"}, "web"},
		{true, []string{"pod=p1"}, "web"},
		{true, []string{"pod=pod1"}, "web"},
		{true, []string{"pod=gone"}, ""},
		{true, []string{"volume=data"}, "web"},
		{true, []string{"volume=/data/"}, "web"},
		{true, []string{"label=app", "status=exited"}, "db"},
	} {
		list, err := e.List(context.Background(), ListOptions{All: c.all, Filters: c.filters})
		if err != nil {
			t.Fatalf("%q: %v", c.filters, err)
		}
		var names []string
		for _, ct := range list {
			names = append(names, ct.Name)
		}
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("all=%v %q: got %q, want %q", c.all, c.filters, got, c.want)
		}
	}
}

func TestListFilterErrors(t *testing.T) {
	e := filterEngine(t)
	for spec, want := range map[string]string{
		"colour=red":     "colour is an invalid filter",
		"status=asleep":  "use one of created, running, paused",
		"health=fine":    "use one of starting, healthy, unhealthy, none",
		"exited=three":   "exited takes an exit code",
		"before=nothing": `invalid filter "before=nothing"`,
		"id!=abc":        "id does not take !=",
	} {
		_, err := e.List(context.Background(), ListOptions{Filters: []string{spec}})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", spec, err, want)
		}
	}
}

func TestCheckRestartPolicies(t *testing.T) {
	for _, c := range []struct {
		specs []string
		want  string
	}{
		{[]string{"restart-policy=always", "restart-policy=none", "status=exited"}, ""},
		{[]string{"restart-policy=fake"}, "fake invalid restart policy"},
		{[]string{"restart-policy=fake", "name=x", "restart-policy=odd"}, "fake, odd invalid restart policies"},
	} {
		err := checkRestartPolicies(c.specs)
		if got := fmt.Sprint(err); c.want == "" && err != nil || c.want != "" && got != c.want {
			t.Errorf("checkRestartPolicies(%q) = %v, want %q", c.specs, err, c.want)
		}
	}
}
