package image

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// chunks hands out its pieces one Read at a time, each only once the test
// lets it go, so a reader can be shown to follow the download.
type chunks struct {
	pieces [][]byte
	next   chan struct{}
	err    error // returned after the last piece (nil: EOF)
}

func (c *chunks) Read(b []byte) (int, error) {
	<-c.next
	if len(c.pieces) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	n := copy(b, c.pieces[0])
	c.pieces = c.pieces[1:]
	return n, nil
}

func TestSpoolReaderFollowsTheDownload(t *testing.T) {
	dir := t.TempDir()
	s, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Fatalf("the spool's file has a name: %v", names)
	}
	src := &chunks{pieces: [][]byte{[]byte("abc"), []byte("defg")}, next: make(chan struct{})}
	go s.fill(src)
	r := s.reader()
	buf := make([]byte, 16)

	src.next <- struct{}{}
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("first read: %q %v, want what has arrived", buf[:n], err)
	}
	got := make(chan string)
	go func() {
		n, err := r.Read(buf)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf[:n])
	}()
	src.next <- struct{}{}
	if g := <-got; g != "defg" {
		t.Fatalf("a read waiting for the download got %q", g)
	}
	src.next <- struct{}{}
	if n, err := r.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("at the end: %d %v, want EOF", n, err)
	}
}

func TestSpoolReaderGetsTheDownloadsError(t *testing.T) {
	s, err := newSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	broken := errors.New("connection reset")
	src := &chunks{pieces: [][]byte{[]byte("part")}, next: make(chan struct{}, 2), err: broken}
	src.next <- struct{}{}
	src.next <- struct{}{}
	s.fill(src)
	b, err := io.ReadAll(s.reader())
	if !bytes.Equal(b, []byte("part")) || !errors.Is(err, broken) {
		t.Fatalf("read %q, %v; want what arrived, then the download's error", b, err)
	}
	// A download never begun, ended by the pull's cancellation.
	never, err := newSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer never.close()
	never.end(errors.New("cancelled"))
	if _, err := never.reader().Read(make([]byte, 4)); err == nil || err.Error() != "cancelled" {
		t.Fatalf("read of an ended spool: %v", err)
	}
}
