package container

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// LogOptions are the logs command's choices.
type LogOptions struct {
	Follow     bool
	Since      time.Time // zero: from the start
	Until      time.Time // zero: to the end
	Tail       int       // lines from the end; negative: all
	Timestamps bool
	Prefix     string // written before each line (for several containers)
}

// logLine is one record of the k8s-file format:
// "2006-01-02T15:04:05.999999999Z07:00 stdout F text".
type logLine struct {
	when    time.Time
	stderr  bool
	partial bool
	text    []byte
}

func parseLogLine(b []byte) (logLine, bool) {
	parts := bytes.SplitN(b, []byte(" "), 4)
	if len(parts) < 3 {
		return logLine{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(parts[0]))
	if err != nil {
		return logLine{}, false
	}
	l := logLine{when: t, stderr: string(parts[1]) == "stderr", partial: string(parts[2]) == "P"}
	if len(parts) == 4 {
		l.text = parts[3]
	}
	return l, true
}

// Logs writes a container's logged output. With Follow it keeps reading
// until the container exits for good or ctx ends.
func (e *Engine) Logs(ctx context.Context, ref string, o LogOptions, stdout, stderr io.Writer) error {
	c, path, err := e.logOf(ref)
	if err != nil {
		return err
	}
	w := &logWriter{o: o, stdout: stdout, stderr: stderr}
	offset, err := w.copyAll(path, c.Run.LogMaxFiles)
	if err != nil || !o.Follow {
		return err
	}
	return e.follow(ctx, c, path, offset, w)
}

// logOf is a container whose log Roost can read, and that log's path.
func (e *Engine) logOf(ref string) (*Container, string, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, "", err
	}
	if c.Run.LogDriver == "none" {
		return nil, "", fmt.Errorf("this container is using the 'none' log driver, cannot read logs: container %s was created with --log-driver none (k8s-file keeps them)", c.Name)
	}
	if c.Run.LogDriver != "" && c.Run.LogDriver != monitor.LogK8sFile {
		return nil, "", fmt.Errorf("container %s logs with the %s driver: read them with journalctl or not at all (--log-driver k8s-file keeps them for `roost logs`)", c.Name, c.Run.LogDriver)
	}
	path, err := e.logPath(c)
	return c, path, err
}

// LogSource is one container of a several-container logs call, with the
// prefix of its lines.
type LogSource struct{ Ref, Prefix string }

// LogsMany writes several containers' logs: one after the other, or, when
// following, all at once so that lines come as they are written, as with
// Podman (`logs -f A B` interleaves A's and B's lines). The first error
// ends them all.
func (e *Engine) LogsMany(ctx context.Context, srcs []LogSource, o LogOptions, stdout, stderr io.Writer) error {
	if !o.Follow {
		for _, s := range srcs {
			lo := o
			lo.Prefix = s.Prefix
			if err := e.Logs(ctx, s.Ref, lo, stdout, stderr); err != nil {
				return err
			}
		}
		return nil
	}
	var mu sync.Mutex // one line at a time, whichever stream it goes to
	out, errOut := &lineWriter{mu: &mu, w: stdout}, &lineWriter{mu: &mu, w: stderr}
	fs := make([]followed, len(srcs))
	var backlog []timedLine
	for i, s := range srcs {
		c, path, err := e.logOf(s.Ref)
		if err != nil {
			return err
		}
		lo := o
		lo.Prefix = s.Prefix
		fs[i] = followed{c: c, path: path, w: &logWriter{o: lo, stdout: out, stderr: errOut}}
		lines, offset, err := readAll(path, c.Run.LogMaxFiles)
		if err != nil {
			return err
		}
		fs[i].offset = offset
		for _, l := range fs[i].w.keep(lines) {
			backlog = append(backlog, timedLine{l, fs[i].w})
		}
	}
	// What is already written comes in time order across the containers.
	slices.SortStableFunc(backlog, func(a, b timedLine) int { return a.when.Compare(b.when) })
	for _, l := range backlog {
		if err := l.w.write([]logLine{l.logLine}); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = e.follow(ctx, fs[i].c, fs[i].path, fs[i].offset, fs[i].w); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// followed is one container of LogsMany: its log, how far it was read,
// and the writer of its lines.
type followed struct {
	c      *Container
	path   string
	offset int64
	w      *logWriter
}

// timedLine is a backlog line with the writer that prints it.
type timedLine struct {
	logLine
	w *logWriter
}

// lineWriter serialises writes: logWriter.emit writes each line whole, so
// lines of followed containers never mix.
type lineWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// copyAll writes the rotated files, oldest first, then the live one, and
// returns the live file's size so following can continue from there.
func (w *logWriter) copyAll(path string, maxFiles int) (int64, error) {
	lines, offset, err := readAll(path, maxFiles)
	if err != nil {
		return 0, err
	}
	return offset, w.emit(lines)
}

// readAll reads the rotated files, oldest first, then the live one, and
// returns their lines and the live file's size.
func readAll(path string, maxFiles int) ([]logLine, int64, error) {
	var lines []logLine
	for i := maxFiles - 1; i >= 1; i-- {
		lines = append(lines, readLogFile(fmt.Sprintf("%s.%d", path, i), 0)...)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return lines, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open log: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, fmt.Errorf("read log: %w", err)
	}
	// Only whole lines: a line being written is read on the next pass.
	end := bytes.LastIndexByte(data, '\n') + 1
	return append(lines, parseLogData(data[:end])...), int64(end), nil
}

func readLogFile(path string, from int64) []logLine {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < from {
		return nil
	}
	return parseLogData(b[from:])
}

func parseLogData(b []byte) []logLine {
	var out []logLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if l, ok := parseLogLine(append([]byte(nil), sc.Bytes()...)); ok {
			out = append(out, l)
		}
	}
	return out
}

// follow polls the live log for new lines until the container is done.
func (e *Engine) follow(ctx context.Context, c *Container, path string, offset int64, w *logWriter) error {
	w.o.Tail = -1
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		st, _ := monitor.ReadState(e.runDir(c.ID))
		done := st.Status == monitor.StatusExited || st.Status == monitor.StatusDead || st.Status == ""
		fi, err := os.Stat(path)
		if err == nil && fi.Size() < offset {
			offset = 0 // rotated: the live file is new
		}
		if err == nil && fi.Size() > offset {
			b, err := readFrom(path, offset)
			if err != nil {
				return err
			}
			end := bytes.LastIndexByte(b, '\n') + 1
			if err := w.emit(parseLogData(b[:end])); err != nil {
				return err
			}
			offset += int64(end)
			continue
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func readFrom(path string, offset int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

type logWriter struct {
	o              LogOptions
	stdout, stderr io.Writer
	pending        []byte // a partial line waiting for its end
}

// emit filters by time and tail, joins partial records, and writes.
func (w *logWriter) emit(lines []logLine) error {
	return w.write(w.keep(lines))
}

// keep is the lines --since, --until and --tail let through.
func (w *logWriter) keep(lines []logLine) []logLine {
	var kept []logLine
	for _, l := range lines {
		if (!w.o.Since.IsZero() && l.when.Before(w.o.Since)) || (!w.o.Until.IsZero() && l.when.After(w.o.Until)) {
			continue
		}
		kept = append(kept, l)
	}
	if w.o.Tail >= 0 {
		kept = tailLines(kept, w.o.Tail)
	}
	return kept
}

// write joins partial records and writes each line whole.
func (w *logWriter) write(kept []logLine) error {
	for _, l := range kept {
		w.pending = append(w.pending, l.text...)
		if l.partial {
			continue
		}
		var b strings.Builder
		b.WriteString(w.o.Prefix)
		if w.o.Timestamps {
			b.WriteString(l.when.Format(time.RFC3339Nano) + " ")
		}
		b.Write(w.pending)
		b.WriteByte('\n')
		w.pending = w.pending[:0]
		out := w.stdout
		if l.stderr {
			out = w.stderr
		}
		if _, err := io.WriteString(out, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// tailLines keeps the last n whole lines (partial records belong to the
// line that ends them).
func tailLines(lines []logLine, n int) []logLine {
	count := 0
	for i := len(lines) - 1; i >= 0; i-- {
		if !lines[i].partial {
			count++
			if count > n {
				return lines[i+1:]
			}
		}
	}
	return lines
}
