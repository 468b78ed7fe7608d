//go:build compose

package main

import (
	"bytes"
	"testing"

	"github.com/roost-containers/roost/compose"
)

// The printed bytes are what users and scripts read: Docker Compose's.
func TestComposePrinter(t *testing.T) {
	var out, errOut bytes.Buffer
	p := &composePrinter{out: &out, errOut: &errOut}
	for _, e := range []compose.Event{
		compose.Progress{Resource: "Network", Name: "app_default", State: "Created"},
		compose.Warning{Name: "web", Message: "resource limits are not applied"},
		compose.LogsStarting{Containers: []string{"app-db-1", "app-web-10"}},
		compose.LogLine{Container: "app-db-1", Index: 0, Stream: "stdout", Text: "ready"},
		compose.LogLine{Container: "app-web-10", Index: 1, Stream: "stderr", Text: ""},
		compose.Stopping{Reason: compose.StopExited, Container: "app-db-1"},
		compose.Stopping{Reason: compose.StopInterrupted},
		compose.Stopping{Reason: compose.StopAllExited},
	} {
		p.print(e)
	}
	if want := "app-db-1   | ready\napp-web-10 | \n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	want := " Network app_default  Created\nWARNING: web: resource limits are not applied\n" +
		"app-db-1 exited: aborting\nGracefully stopping... (press Ctrl+C again to force)\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}

	out.Reset()
	p = &composePrinter{out: &out, colour: true}
	names := make([]string, 11)
	for i := range names {
		names[i] = string(rune('a' + i))
	}
	p.print(compose.LogsStarting{Containers: names})
	p.print(compose.LogLine{Container: "a", Index: 0, Text: "x"})
	p.print(compose.LogLine{Container: "k", Index: 10, Text: "y"}) // colours cycle
	p.print(compose.LogLine{Container: "b", Index: 1, Text: "z"})
	if want := "\x1b[36ma | \x1b[0mx\n\x1b[36mk | \x1b[0my\n\x1b[33mb | \x1b[0mz\n"; out.String() != want {
		t.Errorf("colour: %q, want %q", out.String(), want)
	}

	out.Reset()
	p = &composePrinter{out: &out, colour: true, noPrefix: true}
	p.print(compose.LogsStarting{Containers: []string{"app-db-1"}})
	p.print(compose.LogLine{Container: "app-db-1", Text: "2024-01-01T00:00:00Z ready"})
	if want := "2024-01-01T00:00:00Z ready\n"; out.String() != want {
		t.Errorf("--no-log-prefix: %q, want %q", out.String(), want)
	}
}
