package compose

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/roost-containers/roost/pkg/container"
)

// LogsOptions are `compose logs`' choices.
type LogsOptions struct {
	Services   []string // empty: every service
	Follow     bool     // keep streaming until the containers exit or ctx ends
	Tail       int      // lines from the end of each container's log; negative: all
	Timestamps bool
}

// Logs streams the output of the services' containers (one-off ones left
// out) side by side: a LogsStarting event, then LogLine events, each line
// whole. It returns once every stream has ended; the error is the first
// stream's error, unless ctx ended (then streams stop quietly).
func (c *Compose) Logs(ctx context.Context, o LogsOptions) error {
	services, err := c.ServiceNames(o.Services)
	if err != nil {
		return err
	}
	list, err := c.Containers(ctx, true, false)
	if err != nil {
		return err
	}
	var sel []container.Container
	for _, ct := range list {
		for _, w := range services {
			if ct.Labels[LabelService] == w {
				sel = append(sel, ct)
			}
		}
	}
	lo := container.LogOptions{Follow: o.Follow, Tail: o.Tail, Timestamps: o.Timestamps}
	var first error
	for end := range c.streamFeeds(ctx, c.engineFeeds(sel, lo)) {
		if end.err != nil && end.live && first == nil {
			first = end.err
		}
	}
	return first
}

// logFeed is one container's log, as a source that writes whole lines to
// stdout and stderr until it ends: the engine's logs in use, fakes in tests.
type logFeed struct {
	service, container string
	read               func(ctx context.Context, stdout, stderr io.Writer) error
}

// engineFeeds are the containers' logs as the engine reads them.
func (c *Compose) engineFeeds(list []container.Container, o container.LogOptions) []logFeed {
	feeds := make([]logFeed, len(list))
	for i, ct := range list {
		feeds[i] = logFeed{
			service: ct.Labels[LabelService], container: ct.Name,
			read: func(ctx context.Context, stdout, stderr io.Writer) error {
				if err := c.Engine.Logs(ctx, ct.ID, o, stdout, stderr); err != nil {
					return fmt.Errorf("%s: %w", ct.Name, err)
				}
				return nil
			},
		}
	}
	return feeds
}

// feedEnd is one feed's end: which, its error, and whether ctx was still
// live when it ended (the container's output ended, not the caller).
type feedEnd struct {
	feed int
	err  error
	live bool
}

// streamFeeds emits LogsStarting, then reads every feed in a goroutine of
// its own and emits its lines as LogLine events. The channel receives each
// feed's end as it comes and is closed when all have ended; it is buffered,
// so a caller that stops reading leaks nothing.
func (c *Compose) streamFeeds(ctx context.Context, feeds []logFeed) <-chan feedEnd {
	names := make([]string, len(feeds))
	for i, f := range feeds {
		names[i] = f.container
	}
	c.emit(LogsStarting{Containers: names})
	ends := make(chan feedEnd, len(feeds))
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := &lineWriter{c: c, line: LogLine{Service: f.service, Container: f.container, Index: i, Stream: "stdout"}}
			errw := &lineWriter{c: c, line: LogLine{Service: f.service, Container: f.container, Index: i, Stream: "stderr"}}
			err := f.read(ctx, out, errw)
			out.flush()
			errw.flush()
			ends <- feedEnd{feed: i, err: err, live: ctx.Err() == nil}
		}()
	}
	go func() {
		wg.Wait()
		close(ends)
	}()
	return ends
}

// lineWriter turns one stream of a feed into LogLine events, a line each.
type lineWriter struct {
	c       *Compose
	line    LogLine // the event's fixed fields
	pending []byte  // a line without its newline yet
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.pending = append(w.pending, b...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.send(w.pending[:i])
		w.pending = w.pending[i+1:]
	}
}

// flush sends what is left when a feed ends without a last newline.
func (w *lineWriter) flush() {
	if len(w.pending) > 0 {
		w.send(w.pending)
		w.pending = nil
	}
}

func (w *lineWriter) send(text []byte) {
	l := w.line
	l.Text = string(text)
	w.c.emit(l)
}
