package monitor

import (
	"fmt"
	"os"
	"syscall"
)

// Attachment is an attach session made before its monitor starts: a socket
// pair whose one end Launcher.Start gives the monitor (--attach-fd) as a
// client already attached, and whose other end Session.Attach then uses. A
// WaitAttach container so starts the moment it is created, instead of after
// the report's round trip through the caller and a connect to the socket (a
// run --rm's start waited ~7 ms here on that).
type Attachment struct {
	client, monitor *os.File
	handed          bool // the monitor has its end: Session.Attach may use ours
}

// NewAttachment makes the pair and sends the monitor the attach frame now
// (the socket holds it), with "finishes" when the session's caller finishes
// the exit itself (Session.Finish).
func NewAttachment(finishes bool) (*Attachment, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socketpair", err)
	}
	// Non-blocking, so each end goes to Go's poller (deadlines, wake-ups).
	syscall.SetNonblock(fds[0], true)
	syscall.SetNonblock(fds[1], true)
	a := &Attachment{client: os.NewFile(uintptr(fds[0]), "attach"), monitor: os.NewFile(uintptr(fds[1]), "attach (monitor)")}
	var hello []byte
	if finishes {
		hello = []byte(AttachFinishes)
	}
	if err := (&frameWriter{w: a.client}).write(FrameAttach, hello); err != nil {
		a.Close()
		return nil, fmt.Errorf("attach: %w", err)
	}
	return a, nil
}

// handOver is the launcher's: the monitor runs with its end, so ours of it goes.
func (a *Attachment) handOver() {
	a.monitor.Close()
	a.handed = true
}

// take gives the session its end, or nil when no monitor got the other one
// (the container was running already): the session then dials the socket.
func (a *Attachment) take() *os.File {
	if a == nil {
		return nil
	}
	if !a.handed {
		a.Close()
		return nil
	}
	return a.client
}

// Close lets go of both ends (a start that failed, or a session not made).
func (a *Attachment) Close() {
	if a == nil {
		return
	}
	a.client.Close()
	a.monitor.Close()
}
