package monitor

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/roost-containers/roost/pkg/runtime"
)

// Frame types of the attach socket (see the package documentation).
const (
	FrameStdin      byte = 0
	FrameStdout     byte = 1
	FrameStderr     byte = 2
	FrameResize     byte = 3
	FrameCloseStdin byte = 4
	FrameAttach     byte = 5
	FrameStop       byte = 6
	FrameAck        byte = 7
	FrameExit       byte = 8
	FrameError      byte = 9
	FrameFinished   byte = 10
)

// AttachFinishes is FrameAttach's payload from a client that finishes the
// container's exit itself (a foreground run): the monitor keeps its session
// open after the final exit and runs its exit command only if the client
// does not send FrameFinished before it goes.
const AttachFinishes = "finishes"

// MaxFramePayload bounds a frame's payload; larger frames are a protocol error.
const MaxFramePayload = 1 << 20

const frameHeader = 5

// AppendFrame appends a whole frame to dst.
func AppendFrame(dst []byte, typ byte, payload []byte) []byte {
	dst = append(dst, typ, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(dst[len(dst)-4:], uint32(len(payload)))
	return append(dst, payload...)
}

// WriteFrame writes one frame in a single Write.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	_, err := w.Write(AppendFrame(make([]byte, 0, frameHeader+len(payload)), typ, payload))
	return err
}

// ReadFrame reads one frame; the payload reuses buf when it is big enough.
func ReadFrame(r io.Reader, buf []byte) (typ byte, payload []byte, err error) {
	var hdr [frameHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > MaxFramePayload {
		return 0, nil, fmt.Errorf("attach protocol: frame of %d bytes", n)
	}
	if int(n) > cap(buf) {
		buf = make([]byte, n)
	}
	payload = buf[:n]
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[0], payload, nil
}

// ResizePayload encodes a window size for FrameResize.
func ResizePayload(rows, cols uint16) []byte {
	var p [4]byte
	binary.BigEndian.PutUint16(p[0:], rows)
	binary.BigEndian.PutUint16(p[2:], cols)
	return p[:]
}

// ParseResize decodes a FrameResize payload.
func ParseResize(p []byte) (rows, cols uint16, ok bool) {
	if len(p) != 4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(p[0:]), binary.BigEndian.Uint16(p[2:]), true
}

// SyncMessage is the monitor's one report to Start over the sync pipe (one
// JSON line), and the payload of FrameError.
type SyncMessage struct {
	MonitorPid int    `json:"monitorPid,omitempty"`
	Pid        int    `json:"pid,omitempty"`     // the container init, host view
	Created    bool   `json:"created,omitempty"` // WaitAttach: created, starts on attach
	Error      string `json:"error,omitempty"`   // one line for the user
	Kind       string `json:"kind,omitempty"`    // see ErrorKind
}

// Error kinds carried over the pipe and the socket.
const (
	KindCommandNotFound = "command-not-found"
	KindCannotInvoke    = "cannot-invoke"
	KindCgroups         = "cgroups-unavailable"
)

// ErrorKind names err's kind for the wire.
func ErrorKind(err error) string {
	switch {
	case errors.Is(err, runtime.ErrCommandNotFound):
		return KindCommandNotFound
	case errors.Is(err, runtime.ErrCannotInvoke):
		return KindCannotInvoke
	case errors.Is(err, runtime.ErrCgroupsUnavailable):
		return KindCgroups
	}
	return ""
}

// Err turns a failed report back into a typed error (nil when it succeeded).
func (m SyncMessage) Err() error {
	if m.Error == "" {
		return nil
	}
	var kind error
	switch m.Kind {
	case KindCommandNotFound:
		kind = ErrCommandNotFound
	case KindCannotInvoke:
		kind = ErrCannotInvoke
	case KindCgroups:
		kind = runtime.ErrCgroupsUnavailable
	}
	return &StartError{Msg: m.Error, Err: kind}
}

// ExitCode is the exit code the CLI reports for a container that failed to
// start with this message: 127 not found, 126 cannot invoke or any other
// refusal of the runtime (a StartError, as Podman reports it), else 125.
func ExitCode(err error) int {
	var se *StartError
	switch {
	case errors.Is(err, ErrCommandNotFound):
		return 127
	case errors.Is(err, ErrCannotInvoke), errors.As(err, &se):
		return 126
	}
	return 125
}

// MarshalLine is m as one JSON line.
func (m SyncMessage) MarshalLine() []byte {
	b, _ := json.Marshal(m)
	return append(b, '\n')
}
