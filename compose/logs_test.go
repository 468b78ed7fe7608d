package compose

import (
	"context"
	"errors"
	"io"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a Report function that keeps the events and fails the test
// if compose ever calls it from two goroutines at once.
type recorder struct {
	t      *testing.T
	inside atomic.Int32
	mu     sync.Mutex
	events []Event
}

func (r *recorder) report(e Event) {
	if r.inside.Add(1) != 1 {
		r.t.Error("Report called concurrently")
	}
	defer r.inside.Add(-1)
	time.Sleep(time.Microsecond) // widen the window an unserialised call would need
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) lines(container string) []LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []LogLine
	for _, e := range r.events {
		if l, ok := e.(LogLine); ok && l.Container == container {
			out = append(out, l)
		}
	}
	return out
}

// fakeFeed writes its chunks in order, to stdout or (prefix "E") stderr,
// as a container's log would, then ends with err.
func fakeFeed(service, name string, err error, chunks ...string) logFeed {
	return logFeed{service: service, container: name, read: func(ctx context.Context, stdout, stderr io.Writer) error {
		for _, c := range chunks {
			if c[0] == 'E' {
				io.WriteString(stderr, c[1:])
			} else {
				io.WriteString(stdout, c)
			}
		}
		return err
	}}
}

func drain(ends <-chan feedEnd) []feedEnd {
	var out []feedEnd
	for e := range ends {
		out = append(out, e)
	}
	return out
}

func TestStreamFeedsTagsEachLineAndKeepsOrder(t *testing.T) {
	rec := &recorder{t: t}
	c := &Compose{Report: rec.report}
	many := make([]string, 200)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + "\n"
	}
	feeds := []logFeed{
		fakeFeed("web", "p-web-1", nil, "hel", "lo\nwor", "ld\n", "Eoops\n", "no newline"),
		fakeFeed("db", "p-db-1", nil, many...),
	}
	ends := drain(c.streamFeeds(context.Background(), feeds))
	if len(ends) != 2 {
		t.Fatalf("ends: %+v", ends)
	}
	if first, ok := rec.events[0].(LogsStarting); !ok || !reflect.DeepEqual(first.Containers, []string{"p-web-1", "p-db-1"}) {
		t.Fatalf("first event: %#v", rec.events[0])
	}
	want := []LogLine{
		{Service: "web", Container: "p-web-1", Index: 0, Stream: "stdout", Text: "hello"},
		{Service: "web", Container: "p-web-1", Index: 0, Stream: "stdout", Text: "world"},
		{Service: "web", Container: "p-web-1", Index: 0, Stream: "stderr", Text: "oops"},
		{Service: "web", Container: "p-web-1", Index: 0, Stream: "stdout", Text: "no newline"},
	}
	if got := rec.lines("p-web-1"); !reflect.DeepEqual(got, want) {
		t.Fatalf("web's lines:\n got %+v\nwant %+v", got, want)
	}
	db := rec.lines("p-db-1")
	if len(db) != len(many) {
		t.Fatalf("db: %d lines, want %d", len(db), len(many))
	}
	for i, l := range db {
		if l.Text+"\n" != many[i] || l.Index != 1 || l.Service != "db" {
			t.Fatalf("db line %d: %+v, want %q", i, l, many[i])
		}
	}
}

func TestStreamFeedsReportsEachEnd(t *testing.T) {
	c := &Compose{}
	bad := errors.New("no log file")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	blocked := logFeed{container: "blocked", read: func(ctx context.Context, _, _ io.Writer) error {
		<-ctx.Done()
		return nil
	}}
	ends := c.streamFeeds(ctx, []logFeed{fakeFeed("a", "a-1", bad), blocked})
	first := <-ends
	if first.feed != 0 || !errors.Is(first.err, bad) || !first.live {
		t.Fatalf("first end: %+v", first)
	}
	cancel()
	rest := drain(ends)
	if len(rest) != 1 || rest[0].feed != 1 || rest[0].live {
		t.Fatalf("end after cancel: %+v", rest)
	}
}
