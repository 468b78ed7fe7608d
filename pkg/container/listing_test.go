package container

import (
	"strings"
	"testing"
	"time"
)

func TestNewListing(t *testing.T) {
	now := time.Now()
	c := Container{ID: strings.Repeat("a", 64), Name: "web", Created: now.Add(-2 * time.Hour),
		Command: []string{"httpd", "-f", "-p", "8080", "-h", "/www"},
		Ports:   []PortMapping{{HostPort: 8080, ContainerPort: 80}, {HostIP: "::1", HostPort: 53, ContainerPort: 53, Protocol: "udp"}},
		State:   State{Status: StatusRunning, StartedAt: now.Add(-time.Hour), Health: "healthy"}}
	l := NewListing(c, now, false)
	if l.ID != strings.Repeat("a", 12) || l.Command != "httpd -f -p 8080 ..." || l.RunningFor != "2 hours ago" ||
		l.Status != "Up About an hour (healthy)" || l.State != "running" || l.Ports != "0.0.0.0:8080->80/tcp, [::1]:53->53/udp" {
		t.Errorf("running: %+v", l)
	}
	if full := NewListing(c, now, true); full.ID != c.ID || full.Command != "httpd -f -p 8080 -h /www" {
		t.Errorf("full: %+v", full)
	}
	c.State.Paused = true
	if l := NewListing(c, now, false); l.State != "paused" || l.Status != "Paused" {
		t.Errorf("paused: %s %s", l.State, l.Status)
	}
	c.State = State{Status: StatusExited, ExitCode: 3, FinishedAt: now.Add(-time.Minute)}
	if l := NewListing(c, now, false); !l.Exited || l.Status != "Exited (3) About a minute ago" {
		t.Errorf("exited: %+v", l)
	}
	for st, want := range map[Status]string{StatusCreated: "Created", StatusUnknown: "Up (monitor lost)", StatusStopping: "Stopping"} {
		if got := StatusText(Container{State: State{Status: st}}, now); got != want {
			t.Errorf("%s: %q, want %q", st, got, want)
		}
	}
}
