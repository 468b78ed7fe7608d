package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Driver is what Roost asks of an OCI runtime. crun and runc are the same
// code (Runtime); the interface exists so tests and the engine can stand in
// another implementation.
type Driver interface {
	Create(ctx context.Context, id, bundle string, opts CreateOpts) error
	Start(ctx context.Context, id string) error
	Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error
	Delete(ctx context.Context, id string, force bool) error
	State(ctx context.Context, id string) (State, error)
	Exec(ctx context.Context, id, processJSON string, opts ExecOpts) error
	Pause(ctx context.Context, id string) error
	Resume(ctx context.Context, id string) error
}

var _ Driver = (*Runtime)(nil)

// Cgroup managers understood by CgroupManager.
const (
	CgroupManagerDefault  = ""         // the runtime's own choice
	CgroupManagerDisabled = "disabled" // no cgroups: rootless without delegation
	CgroupManagerCgroupfs = "cgroupfs"
	CgroupManagerSystemd  = "systemd"
)

// Runtime runs one OCI runtime binary. Its zero value is not usable: set Path
// (and Root, the runtime's --root state directory, per user).
type Runtime struct {
	Path string // the binary, e.g. /usr/bin/crun
	Name string // crun or runc: decides the few flags that differ
	Root string // --root: $XDG_RUNTIME_DIR/roost/runtime-<name> rootless

	// CgroupManager is one of the CgroupManager* constants. "disabled" makes
	// crun skip cgroups; runc has no such flag and skips them by itself when
	// rootless and the spec sets no cgroupsPath.
	CgroupManager string
	// Args are extra global arguments placed before the command.
	Args []string
}

// New returns the runtime at path with its state under root.
func New(path, root string) *Runtime {
	return &Runtime{Path: path, Name: filepath.Base(path), Root: root}
}

// RootUnder is the runtime's --root inside Roost's run directory
// ($XDG_RUNTIME_DIR/roost rootless, /run/roost as root).
func RootUnder(runDir, name string) string {
	return filepath.Join(runDir, "runtime-"+name)
}

// Stdio is what the runtime (and through it the container) gets as fds 0-2.
// nil means /dev/null. They must be *os.File: the runtime passes them on to
// the container, so Go must not interpose copying goroutines.
type Stdio struct {
	In, Out, Err *os.File
}

// CreateOpts are the per-container options of create.
type CreateOpts struct {
	PidFile       string // where the runtime writes the container init's pid
	ConsoleSocket string // unix socket that receives the pty master (process.terminal)
	Stdio         Stdio
	// LogPath is the runtime's --log file (JSON lines), read for its error
	// message. Empty: a temporary file.
	LogPath string
	// ExtraFiles become fds 3 and up of the runtime and, with
	// --preserve-fds, of the container's process.
	ExtraFiles []*os.File
}

// ExecOpts are the options of exec. The process (args, env, terminal...) is
// in the process.json file given to Exec.
type ExecOpts struct {
	ConsoleSocket string // with process.terminal: receives the pty master
	Detach        bool   // return once the process runs
	PidFile       string // where the runtime writes the process's pid
	Stdio         Stdio
	LogPath       string
}

// Status is the OCI state's status.
type Status string

// The OCI statuses.
const (
	StatusCreating Status = "creating"
	StatusCreated  Status = "created"
	StatusRunning  Status = "running"
	StatusPaused   Status = "paused"
	StatusStopped  Status = "stopped"
)

// State is the runtime's view of a container (`<runtime> state ID`).
type State struct {
	ID      string    `json:"id"`
	Pid     int       `json:"pid"`
	Status  Status    `json:"status"`
	Bundle  string    `json:"bundle"`
	Created time.Time `json:"created"`
}

// Create runs `create`: the container exists, its init waits for Start.
func (r *Runtime) Create(ctx context.Context, id, bundle string, opts CreateOpts) error {
	args := []string{"create", "--bundle", bundle}
	if opts.PidFile != "" {
		args = append(args, "--pid-file", opts.PidFile)
	}
	if opts.ConsoleSocket != "" {
		args = append(args, "--console-socket", opts.ConsoleSocket)
	}
	if n := len(opts.ExtraFiles); n > 0 {
		args = append(args, "--preserve-fds", strconv.Itoa(n))
	}
	return r.runWithStdio(ctx, "create", id, opts.Stdio, opts.ExtraFiles, opts.LogPath, append(args, id)...)
}

// Update runs `update --resources FILE`: the running container's cgroup
// gets res, an OCI LinuxResources (what Podman's update does through its
// runtime). It is any so that the monitor, which links this package, does
// not link the spec types.
func (r *Runtime) Update(ctx context.Context, id string, res any) error {
	f, err := os.CreateTemp("", "roost-resources-")
	if err != nil {
		return &Error{Runtime: r.name(), Op: "update", ID: id, Msg: err.Error(), Err: err}
	}
	defer os.Remove(f.Name())
	err = json.NewEncoder(f).Encode(res)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &Error{Runtime: r.name(), Op: "update", ID: id, Msg: err.Error(), Err: err}
	}
	_, err = r.run(ctx, "update", id, "update", "--resources", f.Name(), id)
	return err
}

// Start runs `start`: the container's process execs.
func (r *Runtime) Start(ctx context.Context, id string) error {
	_, err := r.run(ctx, "start", id, "start", id)
	return err
}

// Kill sends sig to the container's init, or with all to every process of it.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := r.run(ctx, "kill", id, append(args, id, strconv.Itoa(int(sig)))...)
	return err
}

// Delete removes the runtime's record of the container; force kills it first.
// A container the runtime keeps no state for gives ErrNotFound without
// running it: crun and runc both keep a container's state in <root>/<id>, and
// the monitor has usually deleted it already when the CLI cleans up.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	if r.Root != "" && id != "" && !strings.ContainsRune(id, '/') {
		if _, err := os.Lstat(filepath.Join(r.Root, id)); errors.Is(err, os.ErrNotExist) {
			return &Error{Runtime: r.name(), Op: "delete", ID: id, Msg: "no state in " + r.Root, Err: ErrNotFound}
		}
	}
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := r.run(ctx, "delete", id, append(args, id)...)
	return err
}

// State asks the runtime for the container's status and init pid.
func (r *Runtime) State(ctx context.Context, id string) (State, error) {
	out, err := r.run(ctx, "state", id, "state", id)
	if err != nil {
		return State{}, err
	}
	var st State
	if err := json.Unmarshal(out, &st); err != nil {
		return State{}, &Error{Runtime: r.name(), Op: "state", ID: id, Msg: "unreadable state: " + err.Error()}
	}
	return st, nil
}

// Exec runs `exec --process processJSON` in the running container.
func (r *Runtime) Exec(ctx context.Context, id, processJSON string, opts ExecOpts) error {
	args := []string{"exec", "--process", processJSON}
	if opts.ConsoleSocket != "" {
		args = append(args, "--console-socket", opts.ConsoleSocket)
	}
	if opts.Detach {
		args = append(args, "--detach")
	}
	if opts.PidFile != "" {
		args = append(args, "--pid-file", opts.PidFile)
	}
	return r.runWithStdio(ctx, "exec", id, opts.Stdio, nil, opts.LogPath, append(args, id)...)
}

// Pause freezes the container (needs cgroups).
func (r *Runtime) Pause(ctx context.Context, id string) error {
	_, err := r.run(ctx, "pause", id, "pause", id)
	return err
}

// Resume thaws a paused container.
func (r *Runtime) Resume(ctx context.Context, id string) error {
	_, err := r.run(ctx, "resume", id, "resume", id)
	return err
}

func (r *Runtime) name() string {
	if r.Name != "" {
		return r.Name
	}
	return filepath.Base(r.Path)
}

// globalArgs are the flags before the command.
func (r *Runtime) globalArgs() []string {
	var args []string
	if r.Root != "" {
		args = append(args, "--root", r.Root)
	}
	switch r.CgroupManager {
	case CgroupManagerDefault:
	case CgroupManagerSystemd:
		if r.name() == "runc" {
			args = append(args, "--systemd-cgroup")
		} else {
			args = append(args, "--cgroup-manager=systemd")
		}
	default:
		if r.name() != "runc" { // runc: no flag; it skips cgroups it cannot use rootless
			args = append(args, "--cgroup-manager="+r.CgroupManager)
		}
	}
	return append(args, r.Args...)
}

// run runs a command whose stdout and stderr are ours: stdout is returned,
// stderr becomes the error.
func (r *Runtime) run(ctx context.Context, op, id string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, r.Path, append(r.globalArgs(), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, r.failure(op, id, stderr.Bytes(), err)
	}
	return stdout.Bytes(), nil
}

// runWithStdio runs a command whose stdio belongs to the container: the
// runtime's error message is read from its --log file instead.
func (r *Runtime) runWithStdio(ctx context.Context, op, id string, stdio Stdio, extra []*os.File, logPath string, args ...string) error {
	if logPath == "" {
		f, err := os.CreateTemp("", "roost-"+r.name()+"-log-")
		if err != nil {
			return &Error{Runtime: r.name(), Op: op, ID: id, Msg: err.Error(), Err: err}
		}
		f.Close()
		logPath = f.Name()
		defer os.Remove(logPath)
	} else {
		_ = os.Remove(logPath) // only this run's messages
	}
	global := append(r.globalArgs(), "--log", logPath, "--log-format=json")
	cmd := exec.CommandContext(ctx, r.Path, append(global, args...)...)
	stdio.apply(cmd)
	cmd.ExtraFiles = extra
	if err := cmd.Run(); err != nil {
		logged, _ := os.ReadFile(logPath)
		msg := lastLogMessage(logged)
		if len(msg) == 0 && len(r.Args) > 0 {
			// It refused before logging: most likely one of the user's
			// --runtime-flag options, so name them.
			msg = []byte(fmt.Sprintf("%s %s failed with the flags %q: %v", r.name(), op, r.Args, err))
		}
		return r.failure(op, id, msg, err)
	}
	return nil
}

// apply sets the command's stdio, leaving nil ones unset (/dev/null): a nil
// *os.File must not become a non-nil io.Reader.
func (s Stdio) apply(cmd *exec.Cmd) {
	if s.In != nil {
		cmd.Stdin = s.In
	}
	if s.Out != nil {
		cmd.Stdout = s.Out
	}
	if s.Err != nil {
		cmd.Stderr = s.Err
	}
}
