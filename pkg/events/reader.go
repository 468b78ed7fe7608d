package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"time"
)

// ErrNoneBackend is reading with the none backend, which keeps nothing.
var ErrNoneBackend = errors.New(`cannot read events with the "none" backend`)

// ReadOptions choose which events Read yields.
type ReadOptions struct {
	Filter Filter    // nil: every event
	Since  time.Time // zero: no lower bound
	Until  time.Time // zero: no upper bound
	// Stream follows the log for new events until ctx ends (or Until
	// passes). Without Since or Until a stream starts at the log's end, as
	// Podman's does; otherwise it starts at the beginning.
	Stream bool
}

// PollInterval is how often a stream looks at the file log for more.
const PollInterval = 100 * time.Millisecond

// Read yields the events of the log o names that opts want, oldest first.
// A line that is not an event (cut short by a full disk) is skipped. The
// sequence ends at the log's end (or, streaming, when ctx ends or Until
// passes); an error is yielded last.
func Read(ctx context.Context, o Options, opts ReadOptions) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		want := func(line []byte) bool {
			e, err := ParseLine(line)
			if err != nil || !opts.wants(e) {
				return true
			}
			return yield(e, nil)
		}
		var err error
		switch o.Backend {
		case BackendNone:
			err = ErrNoneBackend
		case BackendJournald:
			ctx, cancel := opts.untilContext(ctx)
			defer cancel()
			err = readJournal(ctx, opts.Stream, want)
		default:
			err = readFile(ctx, o.Path, opts, want)
		}
		if err != nil {
			yield(Event{}, err)
		}
	}
}

func (r ReadOptions) wants(e Event) bool {
	if !r.Since.IsZero() && !e.Time.After(r.Since) {
		return false
	}
	if !r.Until.IsZero() && !e.Time.Before(r.Until) {
		return false
	}
	return r.Filter == nil || r.Filter(e)
}

// untilContext ends a stream once Until has passed.
func (r ReadOptions) untilContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if !r.Stream || r.Until.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, r.Until)
}

// readFile reads the file log; a missing log holds no events yet.
func readFile(ctx context.Context, path string, opts ReadOptions, yield func([]byte) bool) error {
	if path == "" {
		return errors.New("no events log path")
	}
	if !opts.Stream {
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading events: %w", err)
		}
		defer f.Close()
		if _, err = scanLines(f, nil, yield); errors.Is(err, errStopped) {
			return nil
		}
		return err
	}
	ctx, cancel := opts.untilContext(ctx)
	defer cancel()
	fromStart := !opts.Since.IsZero() || !opts.Until.IsZero()
	return follow(ctx, path, fromStart, yield)
}

// follow reads the file as it grows, polling: it starts over at the
// beginning of a new file when the log is rotated (replaced) or truncated,
// and waits for a log that does not exist yet.
func follow(ctx context.Context, path string, fromStart bool, yield func([]byte) bool) error {
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	var partial []byte
	var offset int64
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		if f == nil || replaced(f, path, offset) {
			if f != nil {
				f.Close()
				f, fromStart = nil, true // a rotated log's new file: read it all
			}
			nf, err := os.Open(path)
			switch {
			case err == nil:
				f, partial, offset = nf, nil, 0
				if !fromStart {
					if offset, err = f.Seek(0, io.SeekEnd); err != nil {
						return err
					}
				}
			case !errors.Is(err, os.ErrNotExist):
				return fmt.Errorf("reading events: %w", err)
			default:
				fromStart = true // it appears later: every line is new
			}
		}
		if f != nil {
			n, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return err
			}
			if partial, err = scanLines(f, partial, yield); err != nil {
				if errors.Is(err, errStopped) {
					return nil
				}
				return err
			}
			cur, _ := f.Seek(0, io.SeekCurrent)
			offset = max(cur, n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// replaced tells whether path now names another file than f, or f shrank
// below what was read (cut in place).
func replaced(f *os.File, path string, offset int64) bool {
	same, err := stillAt(f, path)
	if err != nil || !same {
		return true
	}
	st, err := f.Stat()
	return err == nil && st.Size() < offset
}

var errStopped = errors.New("reader stopped")

// scanLines hands every complete line from r to yield; a trailing piece
// without its newline is returned to be completed by the next read.
func scanLines(r io.Reader, partial []byte, yield func([]byte) bool) ([]byte, error) {
	buf := make([]byte, 64*1024)
	for {
		n, err := r.Read(buf)
		data := append(partial, buf[:n]...)
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			line := bytes.TrimSpace(data[:i])
			data = data[i+1:]
			if len(line) > 0 && !yield(line) {
				return nil, errStopped
			}
		}
		partial = append([]byte(nil), data...)
		if errors.Is(err, io.EOF) || n == 0 {
			return partial, nil
		}
		if err != nil {
			return partial, err
		}
	}
}
