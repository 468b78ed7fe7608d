package events

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func collect(t *testing.T, o Options, r ReadOptions) []Event {
	t.Helper()
	var out []Event
	for e, err := range Read(context.Background(), o, r) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestRecordAndReadBack(t *testing.T) {
	o := Options{Path: filepath.Join(t.TempDir(), "sub", "events.log")}
	var errs []error
	o.OnError = func(err error) { errs = append(errs, err) }
	Record(o, Event{Type: Container, Status: Create, ID: strings.Repeat("a", 64), Name: "x", Attributes: map[string]string{"k": "v"}})
	Record(o, Event{Type: Image, Status: Pull, ID: "img", Name: "busybox"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := collect(t, o, ReadOptions{})
	if len(got) != 2 || got[0].Name != "x" || got[0].Attributes["k"] != "v" || got[1].Status != Pull {
		t.Fatalf("read back: %+v", got)
	}
	st, _ := os.Stat(o.Path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	f, _ := CompileFilters([]string{"type=image"})
	if got := collect(t, o, ReadOptions{Filter: f}); len(got) != 1 || got[0].Type != Image {
		t.Fatalf("type=image: %+v", got)
	}
}

func TestMissingLogHasNoEvents(t *testing.T) {
	o := Options{Path: filepath.Join(t.TempDir(), "none.log")}
	if got := collect(t, o, ReadOptions{}); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
}

func TestNoneBackendRefusesReading(t *testing.T) {
	for _, err := range Read(context.Background(), Options{Backend: BackendNone}, ReadOptions{}) {
		if err != ErrNoneBackend {
			t.Fatalf("got %v", err)
		}
		return
	}
	t.Fatal("no error")
}

func TestHumanLine(t *testing.T) {
	tm := time.Date(2022, 6, 15, 12, 0, 0, 123456789, time.UTC)
	e := Event{Type: Container, Status: Start, ID: strings.Repeat("b", 64), Name: "web", Image: "busybox",
		Time: tm, PodID: "p1", Attributes: map[string]string{"z": "1", "a": "2"}}
	want := "2022-06-15 12:00:00.123456789 +0000 UTC container start bbbbbbbbbbbb (image=busybox, name=web, pod_id=p1, a=2, z=1)"
	if got := e.Human(true); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	img := Event{Type: Image, Status: Tag, ID: "i", Name: "n", Time: tm}
	if got := img.Human(false); got != "2022-06-15 12:00:00.123456789 +0000 UTC image tag i n" {
		t.Fatalf("image line %q", got)
	}
	// The JSON is Podman's: its names, Attributes null when there are none.
	b, _ := img.MarshalLine()
	if string(b) != `{"ID":"i","Name":"n","Status":"tag","Time":"2022-06-15T12:00:00.123456789Z","Type":"image","Attributes":null}` {
		t.Fatalf("json %s", b)
	}
}

func TestFilters(t *testing.T) {
	c := Event{Type: Container, Status: Start, ID: "abcdef", Name: "web", Attributes: map[string]string{"team": "blue"}}
	cases := []struct {
		filters []string
		want    bool
	}{
		{[]string{"container=web"}, true},
		{[]string{"container=abc"}, true},
		{[]string{"container=other", "container=web"}, true},
		{[]string{"container=web", "event=stop"}, false},
		{[]string{"event=stop", "status=start"}, true},
		{[]string{"label=team=blue"}, true},
		{[]string{"label=team=red"}, false},
		{[]string{"label=team"}, true},
		{[]string{"image=web"}, false},
		{[]string{"TYPE=container"}, true},
	}
	for _, tc := range cases {
		f, err := CompileFilters(tc.filters)
		if err != nil {
			t.Fatal(err)
		}
		if got := f(c); got != tc.want {
			t.Errorf("%v: got %v", tc.filters, got)
		}
	}
	for _, bad := range []string{"nokey", "colour=red"} {
		if _, err := CompileFilters([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Time{
		"2024-01-01T00:00:00Z":      time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-01-01T00:00:00+02:00": time.Date(2023, 12, 31, 22, 0, 0, 0, time.UTC),
		"1700000000.5":              time.Unix(1700000000, 500000000),
		"5m":                        now.Add(-5 * time.Minute),
		"2024-01-01":                time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range cases {
		got, err := ParseTime(in, now, true)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	if got, _ := ParseTime("5m", now, false); !got.Equal(now.Add(5 * time.Minute)) {
		t.Errorf("until 5m: %v", got)
	}
	if _, err := ParseTime("yesterday", now, true); err == nil {
		t.Error("yesterday accepted")
	}
}

// Concurrent writers with rotation: every line stays JSON, nothing is lost
// beyond what the rotation cut.
func TestConcurrentWritersWithRotation(t *testing.T) {
	o := Options{Path: filepath.Join(t.TempDir(), "events.log"), MaxSize: 20_000}
	o.OnError = func(err error) { t.Error(err) }
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				Record(o, Event{Type: Volume, Status: Create, Name: fmt.Sprintf("w%d-%d", w, i)})
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(o.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 20_000+200 {
		t.Fatalf("log grew to %d bytes past its cap", len(b))
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if _, err := ParseLine([]byte(line)); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
	}
	// The last record written is still there.
	f, _ := CompileFilters([]string{"type=volume"})
	got := collect(t, o, ReadOptions{Filter: f})
	if len(got) == 0 {
		t.Fatal("no events left")
	}
}

func TestStreamFollowsAndSeesRotation(t *testing.T) {
	o := Options{Path: filepath.Join(t.TempDir(), "events.log"), MaxSize: 2000}
	Record(o, Event{Type: Volume, Status: Create, Name: "before"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := make(chan string, 100)
	go func() {
		for e, err := range Read(ctx, o, ReadOptions{Stream: true}) {
			if err != nil {
				return
			}
			seen <- e.Name
		}
		close(seen)
	}()
	time.Sleep(3 * PollInterval) // the stream starts at the end
	for i := range 40 {          // enough to rotate the log at least once
		Record(o, Event{Type: Volume, Status: Create, Name: fmt.Sprintf("v%d", i)})
	}
	got := map[string]bool{}
	for n := range seen {
		got[n] = true
		if got["v39"] {
			break
		}
	}
	if got["before"] || !got["v39"] {
		t.Fatalf("stream saw %v", got)
	}
}
