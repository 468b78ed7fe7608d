package events

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// rotate cuts the log at path to its newer half, as Podman does: from the
// middle on, the rest of the line there is dropped and what follows is kept,
// then a log-rotation event names the file. It holds the file's exclusive
// lock, so no writer appends meanwhile; whoever rotates second finds the
// file small again and leaves it.
func rotate(path string, maxSize, incoming uint64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	if same, err := stillAt(f, path); err != nil || !same {
		return err // another writer rotated it already
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if uint64(st.Size())+incoming < maxSize {
		return nil
	}
	if _, err := f.Seek(st.Size()/2, io.SeekStart); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".events-rotate-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	r := bufio.NewReader(f)
	if _, err := r.ReadBytes('\n'); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if _, err := r.WriteTo(tmp); err != nil {
		return err
	}
	line, err := Event{Type: System, Status: Rotate, Name: path, Time: time.Now()}.MarshalLine()
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(line, '\n')); err != nil {
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
