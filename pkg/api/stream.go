package api

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/moby/moby/api/pkg/stdcopy"
)

// stream is a connection taken over from HTTP for attach and exec start:
// the client's input arrives on it, and the container's output leaves on
// it, raw for a terminal or in Docker's multiplexed frames otherwise.
type stream struct {
	conn net.Conn
	in   io.Reader // the client's input, with what HTTP read ahead of it
	mu   sync.Mutex
}

// hijack answers the request and takes its connection: 101 UPGRADED when
// the client asked to upgrade (Docker's CLI does, "Upgrade: tcp"), else 200
// as older clients expect. Nothing may be written with w afterwards.
func hijack(w http.ResponseWriter, r *http.Request, tty bool) (*stream, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, fmt.Errorf("this connection cannot be taken over for streaming")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	ctype := "application/vnd.docker.multiplexed-stream"
	if tty {
		ctype = "application/vnd.docker.raw-stream"
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: " + ctype + "\r\n\r\n"
	if strings.EqualFold(r.Header.Get("Upgrade"), "tcp") || strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
		head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + ctype + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
	}
	if _, err := conn.Write([]byte(head)); err != nil {
		conn.Close()
		return nil, err
	}
	var in io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		ahead, _ := brw.Reader.Peek(n)
		in = io.MultiReader(strings.NewReader(string(ahead)), conn)
	}
	return &stream{conn: conn, in: in}, nil
}

// writer is where one of the container's streams goes: the connection
// itself for a terminal, else frames of that stream.
func (s *stream) writer(tty bool, which stdcopy.StdType) io.Writer {
	if tty {
		return &lockedWriter{mu: &s.mu, w: s.conn}
	}
	return &frameWriter{mu: &s.mu, w: s.conn, stream: which}
}

// closeWrite tells the client the output has ended, leaving its input open
// for it to close; close ends the connection.
func (s *stream) closeWrite() {
	if cw, ok := s.conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = s.conn.Close()
}

func (s *stream) close() { _ = s.conn.Close() }

// systemError ends a multiplexed stream with an error frame, which Docker's
// clients turn into an error; a terminal stream gets the text.
func (s *stream) systemError(tty bool, err error) {
	_, _ = s.writer(tty, stdcopy.Systemerr).Write([]byte(err.Error()))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// frameWriter writes Docker's multiplexed frames: a header of the stream's
// number, three zero bytes and the payload's length (big-endian uint32),
// then the payload.
type frameWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	stream stdcopy.StdType
}

func (f *frameWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var head [8]byte
	head[0] = byte(f.stream)
	binary.BigEndian.PutUint32(head[4:], uint32(len(p)))
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.w.Write(head[:]); err != nil {
		return 0, err
	}
	return f.w.Write(p)
}
