package events

import (
	"testing"
	"time"
)

// FuzzCompileFilters: any --filter list is accepted or refused, never a panic,
// and a compiled filter runs on any event.
func FuzzCompileFilters(f *testing.F) {
	for _, s := range []string{"container=web", "label=a=b", "label=a", "event=start", "=", "type", "TYPE=image", "network=n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := CompileFilters([]string{s, s})
		if err == nil && fl != nil {
			fl(Event{Type: Container, Name: s, ID: s, Attributes: map[string]string{s: s}})
		}
	})
}

// FuzzParseTime: any --since/--until value parses or fails cleanly.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"5m", "1h30s", "2024-01-01T00:00:00Z", "1700000000.25", "2024-01-01", "-1", "NaN", "1e400"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseTime(s, now, true)
		_, _ = ParseTime(s, now, false)
	})
}

// FuzzParseLine: any log line is an event or an error.
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"Name":"busybox","Status":"pull","Time":"2022-04-06T11:26:42.723667984+02:00","Type":"image","Attributes":null}`))
	f.Add([]byte(`{"ID":"cut`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := ParseLine(b); err == nil {
			_ = e.Human(true)
		}
	})
}
