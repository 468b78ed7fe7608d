package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptySession is a roost command running as the test user with a real
// terminal (a fresh pty) as its stdin, stdout, stderr and controlling tty:
// what a user at a terminal sees and types.
type ptySession struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	out    *syncBuffer // everything the command wrote
	seen   int         // how much of out expect has consumed
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startInPty starts roost with args in a new pty of rows x cols.
func (e *env) startInPty(rows, cols uint16, args ...string) *ptySession {
	e.t.Helper()
	master, slave, err := openPty()
	if err != nil {
		e.t.Fatalf("open a pty: %v", err)
	}
	p := &ptySession{t: e.t, master: master, out: &syncBuffer{}, exited: make(chan struct{})}
	p.resize(rows, cols)
	p.cmd = e.command(context.Background(), filepath.Join(binDir, "roost"), args...)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, slave
	p.cmd.SysProcAttr.Setpgid = false // a session leader with the pty as its terminal
	p.cmd.SysProcAttr.Setsid = true
	p.cmd.SysProcAttr.Setctty = true
	p.cmd.SysProcAttr.Ctty = 0
	if err := p.cmd.Start(); err != nil {
		master.Close()
		slave.Close()
		e.t.Fatalf("start roost in a pty: %v", err)
	}
	slave.Close()
	go io.Copy(p.out, master)
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	e.t.Cleanup(p.kill)
	return p
}

// openPty opens a pty pair without a helper library: /dev/ptmx, unlock, and
// the numbered slave.
func openPty() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// expect waits until text appears in the output after what earlier expects
// consumed, and consumes up to its end.
func (p *ptySession) expect(text string, timeout time.Duration) {
	p.t.Helper()
	if err := p.waitFor(text, timeout); err != nil {
		p.t.Fatal(err)
	}
}

func (p *ptySession) waitFor(text string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		out := p.out.String()
		if i := strings.Index(out[p.seen:], text); i >= 0 {
			p.seen += i + len(text)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pty: %q not seen within %v; output after the last match:\n%q", text, timeout, out[p.seen:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// send types text (use "\r" for Enter, "\x10" for ctrl-p...).
func (p *ptySession) send(text string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(text)); err != nil {
		p.t.Fatalf("pty: type %q: %v", text, err)
	}
}

// resize sets the terminal's window size; the command gets SIGWINCH.
func (p *ptySession) resize(rows, cols uint16) {
	p.t.Helper()
	if err := unix.IoctlSetWinsize(int(p.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		p.t.Fatalf("pty: resize: %v", err)
	}
}

// wait waits for the command to exit and returns its exit code.
func (p *ptySession) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		err := p.err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatalf("pty: wait: %v", err)
		}
		return 0
	case <-time.After(timeout):
		p.t.Fatalf("pty: roost did not exit within %v; output:\n%q", timeout, p.out.String())
		return -1
	}
}

// output is everything the command wrote so far.
func (p *ptySession) output() string { return p.out.String() }

// kill ends the command if it still runs, and closes the pty.
func (p *ptySession) kill() {
	select {
	case <-p.exited:
	default:
		syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
	p.master.Close()
}
