package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
)

// The kinds of runtime failure Roost acts on. Test with errors.Is; this file
// is the one place that reads a runtime's words.
var (
	ErrNotFound           = errors.New("container does not exist")
	ErrNotRunning         = errors.New("container is not running")
	ErrCgroupsUnavailable = errors.New("cgroups unavailable to the OCI runtime")
	// ErrCommandNotFound: the container's command does not exist (exit 127).
	ErrCommandNotFound = errors.New("command not found")
	// ErrCannotInvoke: the command exists but cannot be run (exit 126).
	ErrCannotInvoke = errors.New("command cannot be invoked")
)

// Error is a failed runtime command: which runtime, what it was asked, and the
// last thing it said. Err is one of the kinds above, or the exec error.
type Error struct {
	Runtime string // crun, runc
	Op      string // create, start, kill...
	ID      string
	Msg     string // the runtime's last error line
	Err     error
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return e.Runtime + " " + e.Op + " " + e.ID + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// failure builds the Error for a command that failed with runErr after
// writing stderr (or the message from its log).
func (r *Runtime) failure(op, id string, stderr []byte, runErr error) error {
	msg := lastLine(stderr)
	kind := Classify(msg)
	if kind == nil {
		kind = runErr
		var exitErr *exec.ExitError
		if msg == "" && errors.As(runErr, &exitErr) {
			msg = exitErr.Error()
		}
	}
	return &Error{Runtime: r.name(), Op: op, ID: id, Msg: msg, Err: kind}
}

// Classify maps a message of crun or runc to one of the error kinds, or nil.
func Classify(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "cgroups in hybrid mode not supported"):
		return ErrCgroupsUnavailable
	case strings.Contains(m, "container does not exist"), // runc
		strings.Contains(m, "/status`: no such file or directory"), // crun state/start/kill
		strings.Contains(m, "cannot open directory") && strings.HasSuffix(m, "no such file or directory"):
		return ErrNotFound
	case strings.Contains(m, "container not running"), // runc
		strings.Contains(m, "is not running"),                            // crun
		strings.Contains(m, "cannot start a container that has stopped"), // runc
		strings.Contains(m, "kill container: no such process"),           // crun
		strings.Contains(m, "open pidfd: no such process"):               // crun: it exited just now
		return ErrNotRunning
	case strings.Contains(m, "executable file not found in $path"), // runc
		strings.Contains(m, "executable file `") && strings.Contains(m, "not found"), // crun
		strings.Contains(m, "exec: \"") && strings.HasSuffix(m, "no such file or directory"):
		return ErrCommandNotFound
	case strings.Contains(m, "open executable: permission denied"), // crun
		strings.Contains(m, "open executable: operation not permitted"),              // crun: a directory
		strings.Contains(m, "exec: \"") && strings.HasSuffix(m, "permission denied"): // runc
		return ErrCannotInvoke
	}
	return nil
}

// lastLine is the last non-empty line of a runtime's stderr, with runc's
// logrus decoration (time="..." level=error msg="...") reduced to the message.
func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	line := strings.TrimSpace(lines[len(lines)-1])
	if i := strings.Index(line, "msg="); i >= 0 && strings.HasPrefix(line, "time=") {
		line = unquoteLogfmt(line[i+len("msg="):])
	}
	return line
}

func unquoteLogfmt(s string) string {
	if !strings.HasPrefix(s, `"`) {
		if i := strings.IndexByte(s, ' '); i >= 0 {
			return s[:i]
		}
		return s
	}
	var out string
	if err := json.NewDecoder(strings.NewReader(s)).Decode(&out); err != nil {
		return strings.Trim(s, `"`)
	}
	return out
}

// lastLogMessage is the last error message in a --log-format=json log.
func lastLogMessage(log []byte) []byte {
	var msg string
	for _, line := range bytes.Split(log, []byte("\n")) {
		var entry struct {
			Msg   string `json:"msg"`
			Level string `json:"level"`
		}
		if json.Unmarshal(line, &entry) == nil && entry.Msg != "" && entry.Level != "warning" && entry.Level != "info" && entry.Level != "debug" {
			msg = entry.Msg
		}
	}
	return []byte(msg)
}
