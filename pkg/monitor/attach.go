package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrDetached ends Attach when the user typed the detach keys.
var ErrDetached = errors.New("detached from the container")

// ErrMonitorGone: the monitor closed the connection without an exit report.
var ErrMonitorGone = errors.New("the container's monitor went away")

// DefaultDetachKeys are Docker's and Podman's.
const DefaultDetachKeys = "ctrl-p,ctrl-q"

// Attach connects to the container's monitor: output goes to stdout and
// stderr (with a terminal, all to stdout), stdin (if not nil) to the
// container, window sizes from resize ({rows, cols}) to its terminal. It
// returns nil when the container exits (ReadState then has the code),
// ErrDetached when the user typed detachKeys ("" disables them; see
// ParseDetachKeys), a *StartError when a WaitAttach container failed to start,
// or ctx's error. A stdin read that blocks may outlive the call.
func Attach(ctx context.Context, runDir string, stdin io.Reader, stdout, stderr io.Writer, resize <-chan [2]uint16, detachKeys string) error {
	s := Session{Stdin: stdin, Stdout: stdout, Stderr: stderr, Resize: resize, DetachKeys: detachKeys}
	return s.Attach(ctx, runDir)
}

// Session is one attach: the caller's streams, and what it does at the exit.
type Session struct {
	Stdin          io.Reader // nil: no input
	Stdout, Stderr io.Writer
	Resize         <-chan [2]uint16 // {rows, cols}
	DetachKeys     string
	// Finish, if set, runs once the container has exited, with the session
	// still open: the caller finishes the exit itself (records it, unmounts,
	// removes a --rm container). When it returns nil the monitor skips its
	// exit command; when it fails, or the caller dies first, the monitor runs
	// it. Its error goes to the monitor only: the caller keeps what it needs.
	Finish func() error
	// Exited, if set, gets the exit the monitor reports (FrameExit) before
	// Finish runs: the one account of the exit that another command (rm -f
	// removing the container meanwhile) cannot take away.
	Exited func(ExitStatus)
	// Attachment, when set and given to the monitor at its start, is the
	// connection to use (its attach frame sent already); else Attach dials.
	Attachment *Attachment
}

// Attach is the package's Attach for this session.
func (s Session) Attach(ctx context.Context, runDir string) error {
	keys, err := ParseDetachKeys(s.DetachKeys)
	if err != nil {
		s.Attachment.Close()
		return err
	}
	conn := s.Attachment.take()
	if conn == nil {
		if conn, err = s.dial(runDir); err != nil {
			return err
		}
	}
	defer conn.Close()
	w := &frameWriter{w: conn}
	done := make(chan error, 3)
	go func() { done <- receive(conn, s.Stdout, s.Stderr, s.Exited) }()
	if s.Stdin != nil {
		go func() { done <- sendStdin(s.Stdin, w, keys) }()
	}
	if s.Resize != nil {
		go sendResizes(ctx, s.Resize, w)
	}
	for {
		select {
		case err := <-done:
			if err == errStdinEnded {
				continue
			}
			if err == nil && s.Finish != nil && s.Finish() == nil {
				if w.write(FrameFinished, nil) == nil {
					awaitClose(conn)
				}
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// dial connects to the attach socket and says hello.
func (s Session) dial(runDir string) (*os.File, error) {
	conn, err := Dial(filepath.Join(runDir, AttachSocket))
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	var hello []byte
	if s.Finish != nil {
		hello = []byte(AttachFinishes)
	}
	if err := (&frameWriter{w: conn}).write(FrameAttach, hello); err != nil {
		conn.Close()
		return nil, fmt.Errorf("attach: %w", err)
	}
	return conn, nil
}

// awaitClose waits (briefly) for the monitor to close the session, which it
// does by exiting once told the exit is finished: a command the user runs
// next then never finds the old monitor still there (start refuses a
// container whose monitor runs).
func awaitClose(conn *os.File) {
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

// errStdinEnded: stdin reached its end; output goes on until the exit.
var errStdinEnded = errors.New("stdin ended")

// frameWriter serialises frames from several goroutines on one connection.
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (f *frameWriter) write(typ byte, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return WriteFrame(f.w, typ, payload)
}

// receive copies output frames until the exit report.
func receive(conn io.Reader, stdout, stderr io.Writer, exited func(ExitStatus)) error {
	buf := make([]byte, 32<<10)
	for {
		typ, p, err := ReadFrame(conn, buf)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
				return ErrMonitorGone
			}
			return err
		}
		switch typ {
		case FrameStdout:
			if stdout != nil {
				stdout.Write(p)
			}
		case FrameStderr:
			if stderr != nil {
				stderr.Write(p)
			}
		case FrameExit:
			var st ExitStatus
			if exited != nil && json.Unmarshal(p, &st) == nil {
				exited(st)
			}
			return nil
		case FrameError:
			var msg SyncMessage
			if err := json.Unmarshal(p, &msg); err != nil || msg.Error == "" {
				return &StartError{Msg: strings.TrimSpace(string(p))}
			}
			return msg.Err()
		}
	}
}

// sendStdin forwards input, watching for the detach keys.
func sendStdin(stdin io.Reader, w *frameWriter, keys []byte) error {
	buf := make([]byte, 4096) // the monitor reads frames into 4 KiB
	var held []byte           // a prefix of keys seen so far
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			out, detach := filterDetach(buf[:n], keys, &held)
			if len(out) > 0 {
				if werr := w.write(FrameStdin, out); werr != nil {
					return werr
				}
			}
			if detach {
				return ErrDetached
			}
		}
		if err != nil {
			if len(held) > 0 {
				w.write(FrameStdin, held)
			}
			w.write(FrameCloseStdin, nil)
			return errStdinEnded
		}
	}
}

// filterDetach passes input through, holding back a partial match of keys.
func filterDetach(in, keys []byte, held *[]byte) (out []byte, detach bool) {
	if len(keys) == 0 {
		return in, false
	}
	out = make([]byte, 0, len(in)+len(*held))
	for _, b := range in {
		if b == keys[len(*held)] {
			*held = append(*held, b)
			if len(*held) == len(keys) {
				return out, true
			}
			continue
		}
		out = append(out, *held...)
		*held = (*held)[:0]
		if b == keys[0] {
			*held = append(*held, b)
			continue
		}
		out = append(out, b)
	}
	return out, false
}

func sendResizes(ctx context.Context, resize <-chan [2]uint16, w *frameWriter) {
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-resize:
			if !ok || w.write(FrameResize, ResizePayload(sz[0], sz[1])) != nil {
				return
			}
		}
	}
}

// ParseDetachKeys reads Docker's detach-keys syntax: comma-separated keys,
// each a single character or ctrl-<letter> (also ctrl-@, ctrl-[, ctrl-\,
// ctrl-], ctrl-^, ctrl-_). "" means no detach keys.
func ParseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var keys []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			keys = append(keys, k[0])
		case len(k) == 6 && strings.HasPrefix(strings.ToLower(k), "ctrl-"):
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				keys = append(keys, c-'a'+1)
			case c >= 'A' && c <= 'Z':
				keys = append(keys, c-'A'+1)
			case c >= '@' && c <= '_':
				keys = append(keys, c-'@')
			default:
				return nil, fmt.Errorf("invalid detach key %q", k)
			}
		default:
			return nil, fmt.Errorf("invalid detach keys %q: use a character or ctrl-<value>, separated by commas", s)
		}
	}
	return keys, nil
}

// Stop tells the monitor that the user stops the container: it will not
// restart it, whatever the policy. Call it before killing the container. A
// monitor that is gone needs no telling: nil.
func Stop(runDir string) error {
	return control(runDir, FrameStop, nil, true)
}

// Finisher is the connection of a command that stops a container and
// records its exit itself (StopFinishing).
type Finisher struct{ conn *os.File }

// StopFinishing is Stop from a command that then records the exit itself
// (stop, rm -f). Call Done once that is done: the monitor skips its exit
// command and exits at once. If the command dies before, the connection
// closes and the monitor runs the exit command as usual. A monitor that is
// gone gives a nil Finisher, whose Done does nothing.
func StopFinishing(runDir string) (*Finisher, error) {
	conn, err := Dial(filepath.Join(runDir, AttachSocket))
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, nil
		}
		return nil, err
	}
	if err := awaitAck(conn, FrameStop, []byte(AttachFinishes)); err != nil {
		conn.Close()
		if errors.Is(err, io.EOF) {
			return nil, nil // the monitor is finishing: nothing will restart
		}
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return &Finisher{conn: conn}, nil
}

// Done tells the monitor the exit is recorded, and closes the connection.
func (f *Finisher) Done() {
	if f == nil {
		return
	}
	f.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = WriteFrame(f.conn, FrameFinished, nil)
	f.conn.Close()
}

// Abandon closes the connection without Done: the monitor finishes alone.
func (f *Finisher) Abandon() {
	if f != nil {
		f.conn.Close()
	}
}

// Resize sets the container's terminal size.
func Resize(runDir string, rows, cols uint16) error {
	return control(runDir, FrameResize, ResizePayload(rows, cols), false)
}

func control(runDir string, typ byte, payload []byte, wantAck bool) error {
	conn, err := Dial(filepath.Join(runDir, AttachSocket))
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		return err
	}
	defer conn.Close()
	if !wantAck {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		return WriteFrame(conn, typ, payload)
	}
	if err := awaitAck(conn, typ, payload); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil // acknowledged, or EOF: the monitor is finishing, nothing will restart
}

// awaitAck sends one frame and waits, up to 5 seconds, for FrameAck. io.EOF
// means the monitor closed the connection first.
func awaitAck(conn *os.File, typ byte, payload []byte) error {
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := WriteFrame(conn, typ, payload); err != nil {
		return err
	}
	for {
		t, _, err := ReadFrame(conn, nil)
		if errors.Is(err, io.EOF) {
			return err
		}
		if err != nil {
			return fmt.Errorf("monitor did not acknowledge: %w", err)
		}
		if t == FrameAck {
			return nil
		}
	}
}
