package container

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestNewListing(t *testing.T) {
	now := time.Now()
	c := Container{ID: strings.Repeat("a", 64), Name: "web", Created: now.Add(-2 * time.Hour), ImageID: strings.Repeat("b", 64),
		Command: []string{"httpd", "-f", "-p", "8080", "-h", "/www"},
		Ports:   []PortMapping{{HostPort: 8080, ContainerPort: 80}, {HostIP: "::1", HostPort: 53, ContainerPort: 53, Protocol: "udp"}},
		State:   State{Status: StatusRunning, StartedAt: now.Add(-time.Hour), Health: "healthy"}}
	l := NewListing(c, now)
	r := Row{Listing: l, Now: now}
	if r.ID() != strings.Repeat("a", 12) || r.ImageID() != strings.Repeat("b", 12) || r.Command() != "httpd -f -p 8080 ..." ||
		r.RunningFor() != "2 hours ago" || l.Status != "Up About an hour ago (healthy)" || l.State != "running" ||
		r.Ports() != "0.0.0.0:8080->80/tcp, [::1]:53->53/udp" || r.Names() != "web" {
		t.Errorf("running: %+v", l)
	}
	if full := (Row{Listing: l, Full: true}); full.ID() != c.ID || full.Command() != "httpd -f -p 8080 -h /www" {
		t.Errorf("full: %+v", full)
	}
	c.State.Paused = true
	if l := NewListing(c, now); l.State != "paused" || l.Status != "Paused (healthy)" {
		t.Errorf("paused: %s %s", l.State, l.Status)
	}
	c.State = State{Status: StatusExited, ExitCode: 3, FinishedAt: now.Add(-time.Minute)}
	if l := NewListing(c, now); !l.Exited || l.Status != "Exited (3) About a minute ago" {
		t.Errorf("exited: %+v", l)
	}
	for st, want := range map[Status]string{StatusCreated: "Created", StatusUnknown: "Up (monitor lost)", StatusStopping: "Stopping"} {
		c.State = State{Status: st}
		if got := NewListing(c, now).Status; got != want {
			t.Errorf("%s: %q, want %q", st, got, want)
		}
	}
}

// TestListingJSON: the JSON has Podman's keys and types (Names a list,
// Created Unix seconds, Ports with ranges folded).
func TestListingJSON(t *testing.T) {
	now := time.Now()
	c := Container{ID: "abc", Name: "web", Created: time.Unix(1700000000, 0), Command: []string{"top"},
		Ports: []PortMapping{{HostPort: 8080, ContainerPort: 80}, {HostPort: 8081, ContainerPort: 81}, {HostPort: 9000, ContainerPort: 9000, Protocol: "udp"}},
		State: State{Status: StatusCreated}}
	b, err := json.Marshal(NewListing(c, now))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["Id"] != "abc" || m["Created"] != float64(1700000000) || m["State"] != "created" || m["Status"] != "Created" {
		t.Errorf("json: %s", b)
	}
	if names, _ := m["Names"].([]any); len(names) != 1 || names[0] != "web" {
		t.Errorf("Names: %s", b)
	}
	// (re-encoded from a map: keys sorted)
	want := `[{"container_port":80,"host_ip":"","host_port":8080,"protocol":"tcp","range":2},{"container_port":9000,"host_ip":"","host_port":9000,"protocol":"udp","range":1}]`
	if p, _ := json.Marshal(m["Ports"]); string(p) != want {
		t.Errorf("Ports: %s, want %s", p, want)
	}
	if got := PortsText(c.Ports); got != "0.0.0.0:8080-8081->80-81/tcp, 0.0.0.0:9000->9000/udp" {
		t.Errorf("PortsText: %s", got)
	}
}

func TestSortListings(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	mk := func(name, cmd string, at time.Duration) Listing {
		return NewListing(Container{ID: name, Name: name, Command: []string{cmd}, Created: t0.Add(at), State: State{Status: StatusCreated}}, t0)
	}
	rows := []Listing{mk("b", "z", 2), mk("c", "x", 0), mk("a", "y", 1)}
	for key, want := range map[string]string{"names": "abc", "created": "cab", "command": "cab", "id": "abc"} {
		if err := SortListings(rows, key); err != nil {
			t.Fatal(err)
		}
		var got string
		for _, r := range rows {
			got += r.Names[0]
		}
		if got != want {
			t.Errorf("sort %s: %s, want %s", key, got, want)
		}
	}
	if err := SortListings(rows, "colour"); err == nil || !strings.Contains(err.Error(), `"colour" is not a valid value`) {
		t.Errorf("bad key: %v", err)
	}
}
