package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptySession is a roost command running as the test user on a real
// terminal: the pty's slave is its stdin, stdout and stderr and its
// controlling tty (it leads a new session), and the test plays the user at
// the master.
type ptySession struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	out    *syncBuffer // everything the terminal showed
	seen   int         // how much of out earlier expects consumed
	done   chan struct{}
	code   int
}

// startPty starts roost with args on a new 24x80 terminal.
func (e *env) startPty(args ...string) *ptySession {
	e.t.Helper()
	return e.startInPty(24, 80, args...)
}

// startInPty starts roost with args on a new terminal of rows x cols.
func (e *env) startInPty(rows, cols uint16, args ...string) *ptySession {
	e.t.Helper()
	return e.startProgramInPty(rows, cols, filepath.Join(binDir, "roost"), args...)
}

// startProgramInPty starts program (roost, or a client such as docker)
// with args on a new terminal of rows x cols.
func (e *env) startProgramInPty(rows, cols uint16, program string, args ...string) *ptySession {
	e.t.Helper()
	master, slave, err := openPty()
	if err != nil {
		e.t.Fatalf("open a pty: %v", err)
	}
	defer slave.Close()
	// The user owns their terminal, as after a login.
	if err := slave.Chown(e.UID, e.GID); err != nil {
		e.t.Fatal(err)
	}
	p := &ptySession{t: e.t, master: master, out: &syncBuffer{}, done: make(chan struct{})}
	p.setSize(rows, cols)
	p.cmd = e.command(context.Background(), program, args...)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, slave
	// A session of its own with the pty as controlling terminal (fd 0):
	// the kernel then sends it SIGWINCH and the terminal's job control.
	p.cmd.SysProcAttr.Setpgid = false
	p.cmd.SysProcAttr.Setsid = true
	p.cmd.SysProcAttr.Setctty = true
	p.cmd.SysProcAttr.Ctty = 0
	if err := p.cmd.Start(); err != nil {
		master.Close()
		e.t.Fatalf("start %s %v: %v", filepath.Base(program), args, err)
	}
	go p.read()
	go func() {
		err := p.cmd.Wait()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			p.code = ee.ExitCode()
		case err != nil:
			p.code = -1
		}
		close(p.done)
	}()
	e.t.Cleanup(p.kill)
	return p
}

// openPty opens a new pseudo-terminal pair with x/sys/unix alone.
func openPty() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("ptsname: %w", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// read copies what the terminal shows until the last slave closes (EIO).
func (p *ptySession) read() {
	buf := make([]byte, 4096)
	for {
		n, err := p.master.Read(buf)
		if n > 0 {
			p.out.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// expect waits until text appears in output not yet consumed, and consumes
// up to its end. It fails the test with the whole screen otherwise.
func (p *ptySession) expect(text string, timeout time.Duration) {
	p.t.Helper()
	if err := p.waitFor(text, timeout); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor is expect that returns the failure, for use inside eventually.
func (p *ptySession) waitFor(text string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		all := p.out.String()
		if i := strings.Index(all[p.seen:], text); i >= 0 {
			p.seen += i + len(text)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("terminal did not show %q within %v; it showed after the last match:\n%q", text, timeout, all[p.seen:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// output is everything the terminal showed so far.
func (p *ptySession) output() string { return p.out.String() }

// send types text at the terminal.
func (p *ptySession) send(text string) {
	p.t.Helper()
	if _, err := p.master.WriteString(text); err != nil {
		p.t.Fatalf("type %q: %v", text, err)
	}
}

// resize changes the terminal's size; the kernel sends SIGWINCH to the
// terminal's foreground process group (roost).
func (p *ptySession) resize(rows, cols uint16) {
	p.t.Helper()
	if err := p.setSize(rows, cols); err != nil {
		p.t.Fatalf("resize: %v", err)
	}
}

func (p *ptySession) setSize(rows, cols uint16) error {
	return unix.IoctlSetWinsize(int(p.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
}

// wait waits for roost to exit and returns its exit code.
func (p *ptySession) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(commandTimout):
		p.t.Fatalf("roost did not exit within %v; terminal:\n%q", commandTimout, p.out.String())
		return -1
	}
}

// signal sends sig to the roost process itself.
func (p *ptySession) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal roost: %v", err)
	}
}

// kill ends the session's process group if it still runs, and closes the master.
func (p *ptySession) kill() {
	select {
	case <-p.done:
	default:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	p.master.Close()
}
