package events

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Backends: where events go (--events-backend, roost.conf's events_logger).
const (
	BackendFile     = "file"
	BackendJournald = "journald"
	BackendNone     = "none"
)

// DefaultMaxSize is the size at which the file log is cut to its newer half,
// Podman's default (events_logfile_max_size, 1 MB).
const DefaultMaxSize = 1_000_000

// Options say where events go. The zero Backend is the file.
type Options struct {
	Backend string `json:"backend,omitempty"`
	// Path is the file log (backend file).
	Path string `json:"path,omitempty"`
	// MaxSize is the file log's cap in bytes; 0 never cuts it.
	MaxSize uint64 `json:"maxSize,omitempty"`
	// OnError hears of a failed write; the action recorded goes on. Callers
	// log it at debug level.
	OnError func(error) `json:"-"`
}

// CheckBackend refuses a backend Roost does not know.
func CheckBackend(name string) error {
	switch name {
	case "", BackendFile, BackendJournald, BackendNone:
		return nil
	}
	return fmt.Errorf("invalid events backend %q: use file, journald or none", name)
}

// Record writes e (stamped now unless it has a time) where o says. It never
// fails the caller: an error goes to o.OnError.
func Record(o Options, e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	var err error
	switch o.Backend {
	case BackendNone:
		return
	case BackendJournald:
		err = writeJournal(e)
	default:
		err = writeFile(o, e)
	}
	if err != nil && o.OnError != nil {
		o.OnError(fmt.Errorf("recording %s %s event: %w", e.Type, e.Status, err))
	}
}

// writeFile appends one line with one write(2) on an O_APPEND descriptor,
// so concurrent writers never interleave within a record and never wait for
// each other: each holds a shared flock on the file only for its write. A
// rotation takes the exclusive lock, so no record lands in a file being cut
// (a writer that opened the old file sees it replaced and opens again).
func writeFile(o Options, e Event) error {
	if o.Path == "" {
		return errors.New("no events log path")
	}
	line, err := e.MarshalLine()
	if err != nil {
		return err
	}
	line = append(line, '\n')
	f, err := openShared(o.Path)
	if err != nil {
		return err
	}
	defer func() { f.Close() }() // f is replaced after a rotation: close that one
	if o.MaxSize > 0 {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if uint64(st.Size())+uint64(len(line)) >= o.MaxSize {
			f.Close()
			if err := rotate(o.Path, o.MaxSize, uint64(len(line))); err != nil {
				return fmt.Errorf("rotating %s: %w", o.Path, err)
			}
			if f, err = openShared(o.Path); err != nil {
				return err
			}
		}
	}
	f, line, err = endTornLine(f, o.Path, line)
	if err != nil {
		return err
	}
	_, err = f.Write(line)
	return err
}

// endTornLine prefixes line with a newline when the log ends in a line a
// full disk cut short. An end that looks torn under the shared lock may be
// another writer's record still being copied in (a write that spans pages
// grows the file a page at a time), so it is looked at again under the
// exclusive lock, which waits for every write in flight (flock drops the
// shared lock before waiting, so two writers doing this cannot deadlock).
// It returns the file to write to: a rotation meanwhile means the new one.
func endTornLine(f *os.File, path string, line []byte) (*os.File, []byte, error) {
	for range 100 {
		if endsLine(f) {
			return f, line, nil
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			return f, nil, err
		}
		same, err := stillAt(f, path)
		if err != nil {
			return f, nil, err
		}
		if same {
			if !endsLine(f) {
				line = append([]byte{'\n'}, line...)
			}
			return f, line, nil
		}
		f.Close()
		if f, err = openShared(path); err != nil {
			return nil, nil, err
		}
	}
	return f, nil, errors.New("the events log keeps being replaced")
}

// endsLine tells whether the file is empty or ends with a newline.
func endsLine(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return true
	}
	var b [1]byte
	n, err := f.ReadAt(b[:], st.Size()-1)
	return err != nil || n != 1 || b[0] == '\n'
}

// openShared opens the log for appending (made 0600, its directory 0700)
// and holds a shared lock on the file the path names now.
func openShared(path string) (*os.File, error) {
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, err
			}
			f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		}
		if err != nil {
			return nil, err
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
			f.Close()
			return nil, err
		}
		if same, err := stillAt(f, path); err != nil || same {
			if err != nil {
				f.Close()
			}
			return f, err
		}
		f.Close() // rotated under us: open the new file
	}
	return nil, errors.New("the events log keeps being replaced")
}

// stillAt tells whether f is the file path names now.
func stillAt(f *os.File, path string) (bool, error) {
	var a, b unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &a); err != nil {
		return false, err
	}
	if err := unix.Stat(path, &b); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, err
	}
	return a.Dev == b.Dev && a.Ino == b.Ino, nil
}
