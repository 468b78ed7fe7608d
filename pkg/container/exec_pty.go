package container

import (
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/monitor"
)

// drainAfterExit bounds how long output is still copied after the process
// exited while something else (a background child) keeps the pty open.
const drainAfterExit = 2 * time.Second

// relay connects the caller to the process's pty until the process exits
// (its code) or the detach keys are typed (ErrDetached: it runs on).
func (s *execSession) relay(o ExecOptions, eio ExecIO) (int, error) {
	keys, err := monitor.ParseDetachKeys(o.DetachKeys)
	if err != nil {
		return 125, err
	}
	exited := make(chan int, 1)
	go func() { exited <- waitPid(s.pid) }()
	output := make(chan struct{})
	go func() { copyOutput(eio.Stdout, s.master); close(output) }()
	detached := make(chan struct{})
	if eio.Stdin != nil {
		go func() {
			if copyInput(s.master, eio.Stdin, monitor.NewDetachFilter(keys)) {
				close(detached)
			}
		}()
	}
	for {
		select {
		case code := <-exited:
			select {
			case <-output:
			case <-time.After(drainAfterExit):
			}
			s.master.Close()
			return code, nil
		case <-detached:
			if err := keepPty(s.master); err != nil {
				return 125, err
			}
			return 0, ErrDetached
		case sz := <-eio.Resize:
			setWinsize(s.master, sz[0], sz[1])
		case sig := <-eio.Signals:
			_ = syscall.Kill(s.pid, sig)
		}
	}
}

// copyOutput copies the pty's output until every slave end is closed (EIO).
func copyOutput(w io.Writer, master *os.File) {
	if w == nil {
		w = io.Discard
	}
	_, _ = io.Copy(w, master)
}

// copyInput forwards the caller's input to the pty; true when the detach
// keys were typed, false when input ended or the pty closed.
func copyInput(master *os.File, in io.Reader, f *monitor.DetachFilter) bool {
	buf := make([]byte, 4096)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			out, detach := f.Filter(buf[:n])
			if len(out) > 0 {
				if _, werr := master.Write(out); werr != nil {
					return false
				}
			}
			if detach {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}

// setWinsize sets the pty's window size; the process gets SIGWINCH.
func setWinsize(master *os.File, rows, cols uint16) {
	rc, err := master.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	})
}
