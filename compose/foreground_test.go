package compose

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/roost-containers/roost/pkg/container"
)

// untilCancelled is a container that runs until the caller stops following.
func untilCancelled(name string) logFeed {
	return logFeed{container: name, read: func(ctx context.Context, _, _ io.Writer) error {
		<-ctx.Done()
		return nil
	}}
}

// exitsNow is a container whose output has ended.
func exitsNow(name string) logFeed {
	return logFeed{container: name, read: func(context.Context, io.Writer, io.Writer) error { return nil }}
}

func watch(t *testing.T, ctx context.Context, feeds []logFeed, abort bool) Stopping {
	t.Helper()
	follow, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &Compose{}
	stop := watchFeeds(ctx, feeds, c.streamFeeds(follow, feeds), abort)
	return stop
}

func TestWatchFeedsAbortsOnTheFirstExit(t *testing.T) {
	feeds := []logFeed{untilCancelled("p-web-1"), exitsNow("p-job-1"), untilCancelled("p-db-1")}
	if got := watch(t, context.Background(), feeds, true); got != (Stopping{Reason: StopExited, Container: "p-job-1"}) {
		t.Fatalf("abort: %+v", got)
	}
}

func TestWatchFeedsWithoutAbortWaitsForEveryContainer(t *testing.T) {
	feeds := []logFeed{{container: "p-a-1"}, {container: "p-b-1"}}
	ends := make(chan feedEnd) // unbuffered: a send returns once watchFeeds took it
	got := make(chan Stopping, 1)
	go func() { got <- watchFeeds(context.Background(), feeds, ends, false) }()
	ends <- feedEnd{feed: 0, live: true}
	select {
	case ends <- feedEnd{feed: 1, live: true}:
	case s := <-got:
		t.Fatalf("stopped after one of two exits: %+v", s)
	}
	close(ends)
	if s := <-got; s.Reason != StopAllExited {
		t.Fatalf("after both exits: %+v", s)
	}
}

func TestWatchFeedsInterruptWins(t *testing.T) {
	// every feed ends because ctx ends: that is an interrupt, not exits
	ctx, cancel := context.WithCancel(context.Background())
	feeds := []logFeed{untilCancelled("p-a-1"), untilCancelled("p-b-1")}
	got := make(chan Stopping, 1)
	go func() { got <- watch(t, ctx, feeds, true) }()
	cancel()
	if s := <-got; s.Reason != StopInterrupted {
		t.Fatalf("Ctrl-C: %+v", s)
	}
	// an interrupt after a container exited (without abort) says so too
	ctx, cancel = context.WithCancel(context.Background())
	ends := make(chan feedEnd)
	go func() { got <- watchFeeds(ctx, feeds, ends, false) }()
	ends <- feedEnd{feed: 0, live: true}
	cancel()
	if s := <-got; s.Reason != StopInterrupted {
		t.Fatalf("Ctrl-C after an exit: %+v", s)
	}
	// and wins over the ends that arrive with it
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	closed := make(chan feedEnd)
	close(closed)
	for i := 0; i < 20; i++ {
		if s := watchFeeds(ctx, feeds, closed, true); s.Reason != StopInterrupted {
			t.Fatalf("Ctrl-C as every feed ended: %+v", s)
		}
	}
}

func TestExitCodeFrom(t *testing.T) {
	ct := func(id, service string) container.Container {
		return container.Container{ID: id, Labels: map[string]string{LabelService: service}}
	}
	// as Containers lists them: by service, then number
	list := []container.Container{ct("a1", "api"), ct("d1", "db"), ct("d2", "db")}
	codes := map[string]int{"a1": 0, "d1": 3, "d2": 7}
	get := func(id string) (*container.Container, error) {
		c, ok := codes[id]
		if !ok {
			return nil, errors.New("gone")
		}
		return &container.Container{ID: id, State: container.State{ExitCode: c}}, nil
	}
	for _, tc := range []struct {
		service string
		listErr error
		want    int
	}{
		{"db", nil, 3}, // the first container of the service, not the last
		{"api", nil, 0},
		{"web", nil, 125},                       // no such container
		{"db", errors.New("state locked"), 125}, // the list failed
	} {
		if got := exitCodeFrom(list, tc.listErr, tc.service, get); got != tc.want {
			t.Errorf("exit code from %s (list error %v): %d, want %d", tc.service, tc.listErr, got, tc.want)
		}
	}
	delete(codes, "d1")
	if got := exitCodeFrom(list, nil, "db", get); got != 125 {
		t.Errorf("exit code of a container removed meanwhile: %d, want 125", got)
	}
}
