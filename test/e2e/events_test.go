package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventsLog is the file log of an environment (the default path).
func (e *env) eventsLog() string {
	return filepath.Join(e.RuntimeDir, "roost", "events", "events.log")
}

// eventStatuses lists the statuses `roost events` prints for its filters.
func eventStatuses(e *env, filters ...string) []string {
	args := []string{"events", "--stream=false", "--format", "{{.Status}}"}
	for _, f := range filters {
		args = append(args, "--filter", f)
	}
	return strings.Fields(e.roostOK(args...))
}

// inOrder says whether want appears in got as a subsequence.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestEventsRunLifecycle(t *testing.T) {
	e := newEnv(t)
	if r := e.roost("run", "--rm", "--name", "life", "--label", "team=blue", busybox, "sh", "-c", "exit 3"); r.Code != 3 {
		t.Fatalf("run: want exit 3, got %s", r)
	}
	got := eventStatuses(e, "container=life")
	want := []string{"create", "init", "start", "died", "remove"}
	if !inOrder(got, want) {
		t.Fatalf("events of run --rm: got %v, want %v in that order", got, want)
	}
	// Podman's line: time, type, status, full id, image, name, labels.
	out := e.roostOK("events", "--stream=false", "--filter", "container=life", "--filter", "event=start")
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC container start [0-9a-f]{64} \(image=` +
		regexp.QuoteMeta(busybox) + `, name=life, team=blue\)\n$`)
	if !re.MatchString(out) {
		t.Fatalf("default line: got %q", out)
	}
	// --no-trunc=false shortens the id to 12 characters.
	short := e.roostOK("events", "--stream=false", "--no-trunc=false", "--filter", "container=life", "--filter", "event=start")
	if !regexp.MustCompile(` container start [0-9a-f]{12} \(`).MatchString(short) {
		t.Fatalf("--no-trunc=false: got %q", short)
	}
	// JSON lines, with the exit code in died and the labels as attributes.
	lines := strings.Split(strings.TrimSpace(e.roostOK("events", "--stream=false", "--format", "json", "--filter", "event=died")), "\n")
	if len(lines) != 1 {
		t.Fatalf("--format json: want one died event, got %q", lines)
	}
	var ev struct {
		ContainerExitCode int
		Name, Status      string
		Type              string
		Attributes        map[string]string
	}
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatalf("--format json: %v: %q", err, lines[0])
	}
	if ev.ContainerExitCode != 3 || ev.Name != "life" || ev.Type != "container" || ev.Attributes["team"] != "blue" {
		t.Fatalf("died event: got %+v", ev)
	}
	if got := strings.TrimSpace(e.roostOK("events", "--stream=false", "--filter", "event=died", "--format", "{{.Attributes.team}} {{.ContainerExitCode}}")); got != "blue 3" {
		t.Fatalf("template over attributes: got %q", got)
	}
	st, err := os.Stat(e.eventsLog())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("events log %s: want mode 0600, got %v, %v", e.eventsLog(), st, err)
	}
}

func TestEventsFiltersSinceUntil(t *testing.T) {
	e := newEnv(t)
	e.roostOK("run", "--rm", "--name", "foo", busybox, "true")
	time.Sleep(1100 * time.Millisecond) // whole seconds apart for the RFC 3339 bound below
	mid := time.Now().UTC()
	e.roostOK("run", "--rm", "--name", "bar", busybox, "true")

	// Values of one key are alternatives; keys must all hold.
	out := e.roostOK("events", "--stream=false", "--filter", "container=foo", "--filter", "container=bar", "--filter", "event=start")
	if !regexp.MustCompile(`(?s)^[^\n]* container start .*name=foo[^\n]*\n[^\n]* container start .*name=bar[^\n]*\n$`).MatchString(out) {
		t.Fatalf("disjunctive filters: got %q", out)
	}
	// The first run pulled the image: one image event, by the name asked.
	if got := e.roostOK("events", "--stream=false", "--filter", "type=image", "--format", "{{.Status}} {{.Name}}"); got != "pull "+busybox+"\n" {
		t.Fatalf("type=image: got %q", got)
	}
	since := mid.Format(time.RFC3339)
	names := strings.Fields(e.roostOK("events", "--stream=false", "--since", since, "--filter", "event=create", "--format", "{{.Name}}"))
	if strings.Join(names, " ") != "bar" {
		t.Fatalf("--since %s: got %v, want [bar]", since, names)
	}
	names = strings.Fields(e.roostOK("events", "--stream=false", "--until", since, "--filter", "event=create", "--format", "{{.Name}}"))
	if strings.Join(names, " ") != "foo" {
		t.Fatalf("--until %s: got %v, want [foo]", since, names)
	}
	// A duration counts back from now; a Unix timestamp is a time.
	names = strings.Fields(e.roostOK("events", "--stream=false", "--since", "10m", "--filter", "event=create", "--format", "{{.Name}}"))
	if strings.Join(names, " ") != "foo bar" {
		t.Fatalf("--since 10m: got %v", names)
	}
	names = strings.Fields(e.roostOK("events", "--stream=false", "--since", fmt.Sprint(mid.Unix()), "--filter", "event=create", "--format", "{{.Name}}"))
	if strings.Join(names, " ") != "bar" {
		t.Fatalf("--since unix: got %v", names)
	}

	if msg := e.roostFails(125, "events", "--stream=false", "--filter", "colour=red"); !strings.Contains(msg, "colour is an invalid filter") {
		t.Fatalf("unknown filter key: %q", msg)
	}
	if msg := e.roostFails(125, "events", "--stream=false", "--since", "yesterday"); !strings.Contains(msg, "--since") {
		t.Fatalf("bad --since: %q", msg)
	}
	e.roostFails(125, "events", "--stream=false", "--format", "{{.Nope")
	if msg := e.roostFails(125, "--events-backend", "none", "events"); msg != `Error: cannot read events with the "none" backend` {
		t.Fatalf("none backend: %q", msg)
	}
	// The none backend records nothing.
	before := eventStatuses(e)
	e.roostOK("--events-backend", "none", "create", "--name", "quiet", busybox, "true")
	if after := eventStatuses(e); len(after) != len(before) {
		t.Fatalf("--events-backend none recorded %d events", len(after)-len(before))
	}
	e.roostFails(125, "--events-backend", "syslog", "events")
}

func TestEventsStream(t *testing.T) {
	e := newEnv(t)
	e.roostOK("create", "--name", "old", busybox, "true")
	cmd, out := e.start("events", "--filter", "event=create", "--format", "{{.Name}}")
	defer killGroup(cmd)
	// A stream starts at the end: wait until it runs, then make an event.
	time.Sleep(500 * time.Millisecond)
	e.roostOK("create", "--name", "new", busybox, "true")
	eventually(t, 20*time.Second, func() error {
		if strings.TrimSpace(out.String()) != "new" {
			return fmt.Errorf("streamed events: got %q, want only \"new\"", out.String())
		}
		return nil
	})
}

func TestEventsConcurrentWriters(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", busybox)
	const n = 6
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.roost("run", "--rm", "--name", fmt.Sprintf("c%d", i), busybox, "true"); r.Code != 0 {
				t.Errorf("run c%d: %s", i, r)
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(e.eventsLog())
	if err != nil {
		t.Fatal(err)
	}
	starts := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events log line is not JSON: %q", line)
		}
		if ev["Status"] == "start" {
			starts++
		}
	}
	if starts != n {
		t.Fatalf("want %d start events, got %d", n, starts)
	}
}

func TestEventsHealthStatus(t *testing.T) {
	e := newEnv(t)
	e.roostOK("run", "-d", "--name", "hc", "--health-cmd", "true", "--health-interval", "1s", busybox, "sleep", "1000")
	defer e.roost("rm", "-f", "-t", "0", "hc")
	eventually(t, 30*time.Second, func() error {
		out := e.roostOK("events", "--stream=false", "--filter", "event=health_status", "--filter", "container=hc")
		if !strings.Contains(out, "health_status=healthy") {
			return fmt.Errorf("no health_status=healthy event yet: %q", out)
		}
		return nil
	})
}

func TestEventsKilledWriterLeavesReadableLog(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", busybox)
	cmd, _ := e.start("run", "--name", "victim", busybox, "sleep", "1000")
	eventually(t, 30*time.Second, func() error {
		if !inOrder(eventStatuses(e, "container=victim"), []string{"start"}) {
			return fmt.Errorf("victim not started yet")
		}
		return nil
	})
	killGroup(cmd) // the CLI dies mid-run; the monitor lives on
	// A record cut short (a full disk) must not swallow the next one.
	f, err := os.OpenFile(e.eventsLog(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"ID":"cut-sho`)
	f.Close()
	e.roostOK("rm", "-f", "-t", "0", "victim")
	got := eventStatuses(e, "container=victim")
	if !inOrder(got, []string{"create", "start", "died", "remove"}) {
		t.Fatalf("events after a killed writer: got %v", got)
	}
}

func TestEventsRotation(t *testing.T) {
	e := newEnv(t)
	log := filepath.Join(e.Home, "events.txt")
	e.writeFile(".config/roost/roost.conf", fmt.Sprintf("[engine]\nevents_logger = \"file\"\nevents_logfile_path = %q\nevents_logfile_max_size = 4750\n", log))
	var b strings.Builder
	for i := range 100 { // 95 bytes a line: 9500 bytes, twice the cap
		fmt.Fprintf(&b, `{"Name":"busybox","Status":"pull","Time":"2022-04-06T11:26:42.7236679%02d+02:00","Type":"image","Attributes":null}`+"\n", i)
	}
	e.writeFile("events.txt", b.String())
	e.roostOK("volume", "create", "vol")
	lines := strings.Split(strings.TrimSpace(e.roostOK("events", "--stream=false")), "\n")
	// The newer half (the line cut at the middle dropped), then the
	// rotation, then the event that caused it.
	if len(lines) != 51 || !strings.HasSuffix(lines[49], "system log-rotation "+log) || !strings.HasSuffix(lines[50], "volume create vol") {
		t.Fatalf("after rotation: %d lines, last two %q", len(lines), lines[max(0, len(lines)-2):])
	}
}
