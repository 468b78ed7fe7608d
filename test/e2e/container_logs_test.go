package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// logLines runs `roost logs -t` and splits each line into its time and text.
func logLines(t *testing.T, e *env, name string) ([]time.Time, []string) {
	t.Helper()
	var times []time.Time
	var texts []string
	for _, line := range strings.Split(strings.TrimSuffix(e.roostOK("logs", "-t", name), "\n"), "\n") {
		ts, text, ok := strings.Cut(line, " ")
		when, err := time.Parse(time.RFC3339Nano, ts)
		if !ok || err != nil {
			t.Fatalf("logs -t: line %q does not start with an RFC 3339 time: %v", line, err)
		}
		times, texts = append(times, when), append(texts, text)
	}
	return times, texts
}

// linesFrom joins texts whose times pass keep, as logs prints them.
func linesFrom(times []time.Time, texts []string, keep func(time.Time) bool) string {
	var b strings.Builder
	for i, t := range times {
		if keep(t) {
			b.WriteString(texts[i] + "\n")
		}
	}
	return b.String()
}

// --since and --until cut the log at the logged times (RFC 3339, unix
// seconds, durations); --tail keeps the last lines; -t prints the times.
func TestLogsTimeFiltersAndTail(t *testing.T) {
	e := pulled(t)
	// The pauses only make separate writes, so the lines get distinct times;
	// the expectations come from the times the log recorded.
	e.roostOK("run", "--name", "talk", busybox, "sh", "-c", "echo one; sleep 0.3; echo two; sleep 0.3; echo three; sleep 0.3; echo four")
	times, texts := logLines(t, e, "talk")
	if strings.Join(texts, ",") != "one,two,three,four" {
		t.Fatalf("logs -t texts: %q", texts)
	}
	for i := 1; i < len(times); i++ {
		if times[i].Before(times[i-1]) {
			t.Fatalf("log times go backwards: %v", times)
		}
	}
	all := "one\ntwo\nthree\nfour\n"
	logs := func(args ...string) string {
		r := e.roost(append(append([]string{"logs"}, args...), "talk")...)
		if r.Code != 0 {
			t.Fatalf("logs %v: %s", args, r)
		}
		return r.Stdout
	}
	second := times[1].Format(time.RFC3339Nano)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--since", second}, linesFrom(times, texts, func(t time.Time) bool { return !t.Before(times[1]) })},
		{[]string{"--until", second}, linesFrom(times, texts, func(t time.Time) bool { return !t.After(times[1]) })},
		{[]string{"--since", second, "--until", times[2].Format(time.RFC3339Nano)},
			linesFrom(times, texts, func(t time.Time) bool { return !t.Before(times[1]) && !t.After(times[2]) })},
		// Whole-second RFC 3339 and unix seconds.
		{[]string{"--since", times[0].Add(-time.Second).UTC().Format(time.RFC3339)}, all},
		{[]string{"--since", strconv.FormatInt(times[3].Unix()+1, 10)}, ""},
		// Durations count back from now.
		{[]string{"--since", "10m"}, all},
		{[]string{"--since", "10s", "--until", "0s"}, all},
		{[]string{"--until", "1h"}, ""},
		{[]string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, ""},
		{[]string{"--tail", "2"}, "three\nfour\n"},
		{[]string{"--tail", "0"}, ""},
		{[]string{"--tail", "9"}, all},
		{[]string{"--tail", "1", "--since", second}, "four\n"},
	}
	for _, c := range cases {
		if got := logs(c.args...); got != c.want {
			t.Errorf("logs %v: want %q, got %q", c.args, c.want, got)
		}
	}
	// The streams stay apart.
	e.roostOK("run", "--name", "split", busybox, "sh", "-c", "echo out; echo err >&2")
	r := e.roost("logs", "split")
	if r.Code != 0 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Fatalf("logs keeps stdout and stderr apart: %s", r)
	}
	e.roostFails(125, "logs", "--since", "yesterday", "talk")
}

// logs -f prints what comes while the container runs and ends when it exits.
func TestLogsFollowEndsWithContainer(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "live", busybox, "sh", "-c", `echo first; trap "echo last; exit 0" TERM; while :; do sleep 0.1; done`)
	cmd, out := e.start("logs", "-f", "live")
	done := make(chan int, 1)
	go func() { done <- waitCmd(t, cmd) }()
	eventually(t, secs(20), func() error {
		if out.String() != "first\n" {
			return fmt.Errorf("logs -f shows %q", out)
		}
		return nil
	})
	select {
	case code := <-done:
		t.Fatalf("logs -f ended (exit %d) while the container runs: %q", code, out)
	default:
	}
	e.roostOK("kill", "-s", "TERM", "live")
	if code := <-done; code != 0 {
		t.Fatalf("logs -f: exit %d: %q", code, out)
	}
	if out.String() != "first\nlast\n" {
		t.Fatalf("logs -f output: %q", out)
	}
	// Following an exited container prints its log and returns.
	if got := e.roostOK("logs", "-f", "live"); got != "first\nlast\n" {
		t.Fatalf("logs -f of an exited container: %q", got)
	}
}

// With several containers each line starts with the container's short id,
// as Podman does (--names: the name instead).
func TestLogsOfSeveralContainers(t *testing.T) {
	e := pulled(t)
	id1 := strings.TrimSpace(e.roostOK("create", "--name", "c1", busybox, "echo", "from-1"))
	id2 := strings.TrimSpace(e.roostOK("create", "--name", "c2", busybox, "sh", "-c", "echo from-2; echo again-2"))
	e.roostOK("start", "--attach", "c1")
	e.roostOK("start", "--attach", "c2")
	want := id1[:12] + " from-1\n" + id2[:12] + " from-2\n" + id2[:12] + " again-2\n"
	if got := e.roostOK("logs", "c1", "c2"); got != want {
		t.Fatalf("logs c1 c2: want %q, got %q", want, got)
	}
	if got := e.roostOK("logs", "--names", "c1", "c2"); got != "c1 from-1\nc2 from-2\nc2 again-2\n" {
		t.Fatalf("logs --names c1 c2: %q", got)
	}
	// Id, then time, then text.
	for _, line := range strings.Split(strings.TrimSpace(e.roostOK("logs", "-t", "c1", "c2")), "\n") {
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || (f[0] != id1[:12] && f[0] != id2[:12]) {
			t.Fatalf("logs -t c1 c2: line %q", line)
		}
		if _, err := time.Parse(time.RFC3339Nano, f[1]); err != nil {
			t.Fatalf("logs -t c1 c2: line %q: %v", line, err)
		}
	}
	// One container: no prefix.
	if got := e.roostOK("logs", "c2"); got != "from-2\nagain-2\n" {
		t.Fatalf("logs c2: %q", got)
	}
	e.roostFails(125, "logs", "c1", "nosuch")
}

// --log-opt max-size/max-file rotate the log file, and logs reads the kept
// files in order.
func TestLogsRotateAndReadAcrossFiles(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "chatty", "--log-opt", "max-size=1k", "--log-opt", "max-file=3", busybox,
		"sh", "-c", "i=1; while [ $i -le 200 ]; do echo line-$i; i=$((i+1)); done")
	path := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.LogPath}}", "chatty"))
	for _, f := range []string{path, path + ".1", path + ".2"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatalf("rotated log file: %v", err)
		}
		if fi.Size() > 1024 {
			t.Fatalf("%s is %d bytes, over max-size 1k", f, fi.Size())
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Fatalf("max-file=3 kept a fourth file %s.3", path)
	}
	live, _ := os.ReadFile(path)
	liveLines := strings.Count(string(live), "\n")
	// What logs prints is the end of the output, whole and in order, and
	// more than the live file alone holds.
	lines := strings.Split(strings.TrimSuffix(e.roostOK("logs", "chatty"), "\n"), "\n")
	if len(lines) <= liveLines || len(lines) >= 200 {
		t.Fatalf("logs should read the rotated files too: %d lines, %d in the live file", len(lines), liveLines)
	}
	first := 200 - len(lines) + 1
	for i, l := range lines {
		if l != fmt.Sprintf("line-%d", first+i) {
			t.Fatalf("logs across rotated files: line %d is %q, want line-%d", i, l, first+i)
		}
	}
	if got := e.roostOK("logs", "--tail", "2", "chatty"); got != "line-199\nline-200\n" {
		t.Fatalf("--tail across rotated files: %q", got)
	}
}

// --log-driver none keeps no log: logs says so (as Podman does) and no log
// file is written; the container still runs normally.
func TestLogDriverNone(t *testing.T) {
	e := pulled(t)
	r := e.roost("run", "--name", "quiet", "--log-driver", "none", busybox, "sh", "-c", "echo shown; exit 2")
	if r.Code != 2 || r.Stdout != "shown\n" {
		t.Fatalf("run with --log-driver none still shows output: %s", r)
	}
	msg := e.roostFails(125, "logs", "quiet")
	if !strings.Contains(msg, "none") || !strings.Contains(msg, "log") {
		t.Fatalf("logs of a none-driver container: %q", msg)
	}
	if got := e.roostOK("inspect", "--format", "{{.HostConfig.LogConfig.Type}}|{{.LogPath}}", "quiet"); got != "none|\n" {
		t.Fatalf("inspect log config: %q", got)
	}
	e.roostFails(125, "run", "--rm", "--log-driver", "bogus", busybox, "true")
	e.roostFails(125, "run", "--rm", "--log-opt", "max-size=lots", busybox, "true")
}

// `logs -f A B` follows both at once, lines as they come (035-logs "multi
// k8s-file"): B's lines appear while A still runs. The test, not a clock,
// orders the lines: each container waits for a file the test creates. What
// is logged already comes in time order across the containers.
func TestLogsFollowSeveralInterleaves(t *testing.T) {
	e := pulled(t)
	syncDir := filepath.Join(e.Home, "sync")
	mustDir(t, syncDir, e.UID, e.GID)
	wait := func(f string) string { return "while [ ! -e /s/" + f + " ]; do sleep 0.1; done" }
	e.roostOK("run", "-d", "--name", "c1", "-v", syncDir+":/s", busybox, "sh", "-c", "echo a; "+wait("go-d")+"; echo d")
	e.roostOK("run", "-d", "--name", "c2", "-v", syncDir+":/s", busybox, "sh", "-c", wait("go-b")+"; echo b; echo c")
	cmd, out := e.start("logs", "-f", "--names", "c1", "c2")
	done := make(chan int, 1)
	go func() { done <- waitCmd(t, cmd) }()
	until := func(want string) {
		eventually(t, secs(20), func() error {
			if out.String() != want {
				return fmt.Errorf("logs -f c1 c2 shows %q, want %q", out, want)
			}
			return nil
		})
	}
	until("c1 a\n")
	e.writeFile("sync/go-b", "")
	until("c1 a\nc2 b\nc2 c\n") // c1 still runs: its log is followed alongside
	e.writeFile("sync/go-d", "")
	if code := <-done; code != 0 {
		t.Fatalf("logs -f c1 c2: exit %d: %q", code, out)
	}
	if got := out.String(); got != "c1 a\nc2 b\nc2 c\nc1 d\n" {
		t.Fatalf("logs -f c1 c2 after both ended: %q", got)
	}
	// Lines logged before logs -f starts come in time order too, whatever
	// the order of the names.
	if got := e.roostOK("logs", "-f", "--names", "c2", "c1"); got != "c1 a\nc2 b\nc2 c\nc1 d\n" {
		t.Fatalf("logs -f c2 c1 of ended containers: %q", got)
	}
	e.roostOK("rm", "c1", "c2")
}
