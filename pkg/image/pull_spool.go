package image

import (
	"io"
	"os"
	"sync"
)

// spool is a blob being downloaded into an unlinked temporary file while
// the layers before it are applied: its reader follows the download, so
// the layer's turn can start before its last byte has arrived. The file
// has no name from the start, so nothing is left behind by a pull that is
// killed.
type spool struct {
	f    *os.File
	mu   sync.Mutex
	grew *sync.Cond
	size int64 // bytes written so far
	done bool  // the download ended
	err  error // why it ended early (nil: it is complete)
}

// spoolBuffer is how much a download writes at a time.
const spoolBuffer = 256 << 10

// newSpool makes a spool in dir (a directory for big temporary files).
func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "roost-pull-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	s := &spool{f: f}
	s.grew = sync.NewCond(&s.mu)
	return s, nil
}

// fill downloads r into the spool until its end or an error (which the
// reader then gets instead of EOF).
func (s *spool) fill(r io.Reader) {
	buf := make([]byte, spoolBuffer)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := s.f.Write(buf[:n]); werr != nil {
				s.end(werr)
				return
			}
			s.mu.Lock()
			s.size += int64(n)
			s.grew.Broadcast()
			s.mu.Unlock()
		}
		if err == io.EOF {
			s.end(nil)
			return
		}
		if err != nil {
			s.end(err)
			return
		}
	}
}

// end marks the download over, complete (nil) or failed.
func (s *spool) end(err error) {
	s.mu.Lock()
	s.done, s.err = true, err
	s.grew.Broadcast()
	s.mu.Unlock()
}

// reader reads the blob from its start, waiting for the download where
// it has not arrived yet.
func (s *spool) reader() io.Reader { return &spoolReader{s: s} }

// close lets the file go (the download must have ended).
func (s *spool) close() { s.f.Close() }

type spoolReader struct {
	s   *spool
	off int64
}

func (r *spoolReader) Read(b []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	for s.size == r.off && !s.done {
		s.grew.Wait()
	}
	avail, failed := s.size-r.off, s.err
	s.mu.Unlock()
	if avail == 0 {
		if failed != nil {
			return 0, failed
		}
		return 0, io.EOF
	}
	if int64(len(b)) > avail {
		b = b[:avail]
	}
	n, err := s.f.ReadAt(b, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil // written already: what is missing is still to come
	}
	return n, err
}
