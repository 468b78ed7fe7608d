package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
)

// stdio is one run's standard streams: pipes, or a terminal whose master the
// runtime sends over the console socket.
type stdio struct {
	child runtime.Stdio // the container's ends, handed to runtime create

	stdin  *os.File // our end of the container's stdin (nil: /dev/null)
	stdout *os.File // our end of stdout, or the pty master
	stderr *os.File // our end of stderr (nil with a terminal)

	console     *monitor.Listener
	consolePath string
	pty         chan ptyResult
}

type ptyResult struct {
	f   *os.File
	err error
}

// newPipes makes stdout, stderr and, with stdin, stdin pipes.
func newPipes(withStdin bool) (*stdio, error) {
	s := &stdio{}
	var err error
	if s.stdout, s.child.Out, err = os.Pipe(); err != nil {
		return nil, err
	}
	if s.stderr, s.child.Err, err = os.Pipe(); err != nil {
		s.close()
		return nil, err
	}
	if withStdin {
		if s.child.In, s.stdin, err = os.Pipe(); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// newTerminal listens on the console socket in the run directory (our cwd)
// and receives the pty master in the background.
func newTerminal(runDir string) (*stdio, error) {
	l, err := monitor.Listen(monitor.ConsoleSocket)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	s := &stdio{console: l, pty: make(chan ptyResult, 1)}
	s.consolePath = filepath.Join(runDir, monitor.ConsoleSocket)
	if len(s.consolePath) >= 108 {
		s.consolePath = "/proc/" + strconv.Itoa(os.Getpid()) + "/cwd/" + monitor.ConsoleSocket
	}
	go func() { f, err := receivePty(l); s.pty <- ptyResult{f, err} }()
	return s, nil
}

// receivePty accepts the runtime's connection and takes the fd it sends.
func receivePty(l *monitor.Listener) (*os.File, error) {
	conn, err := l.Accept()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return monitor.ReceiveFd(conn)
}

// afterCreate closes the container's ends (the container holds them now) and,
// with a terminal, waits for the pty master.
func (s *stdio) afterCreate() error {
	for _, f := range []*os.File{s.child.In, s.child.Out, s.child.Err} {
		if f != nil {
			f.Close()
		}
	}
	s.child = runtime.Stdio{}
	if s.console == nil {
		return nil
	}
	defer s.console.Close()
	select {
	case r := <-s.pty:
		if r.err != nil {
			return r.err
		}
		s.stdout, s.stdin = r.f, r.f
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("the OCI runtime sent no terminal over the console socket")
	}
}

// resize sets the terminal's window size; without a terminal it does nothing.
func (s *stdio) resize(rows, cols uint16) {
	if s.console == nil || s.stdout == nil {
		return
	}
	rc, err := s.stdout.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	})
}

// terminal reports whether output comes from a pty master.
func (s *stdio) terminal() bool { return s.console != nil }

// closeStdin ends the container's stdin (pipes only: a terminal stays open).
func (s *stdio) closeStdin() {
	if !s.terminal() && s.stdin != nil {
		s.stdin.Close()
	}
}

// close releases everything still open.
func (s *stdio) close() {
	for _, f := range []*os.File{s.child.In, s.child.Out, s.child.Err, s.stdin, s.stdout, s.stderr} {
		if f != nil {
			f.Close()
		}
	}
	if s.console != nil {
		s.console.Close()
	}
}
