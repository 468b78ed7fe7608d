// Package e2e runs the built roost binary as a non-root user against the real
// registries, runtimes and kernel features that test/host/prepare.sh sets up.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The contract with test/host/prepare.sh (see test/host/README.md).
const (
	testUser      = "roosttest"
	noSubIDUser   = "roostnosub"
	registry      = "127.0.0.1:5000"
	authRegistry  = "127.0.0.1:5001"
	authUser      = "roost"
	authPass      = "roostpass"
	commandTimout = 5 * time.Minute
)

var (
	binDir  string // a copy of bin/ the test user can execute
	envSeq  atomic.Int64
	tmpRoot string
)

func TestMain(m *testing.M) {
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "the end-to-end suite runs as root (it switches to the test user): use `make test`")
		os.Exit(1)
	}
	dir, err := setupBinaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	binDir = filepath.Join(dir, "bin")
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// setupBinaries copies bin/roost, bin/roost-compose and bin/roost-monitor to a directory every user
// can read: the checkout may live under a root-only path.
func setupBinaries() (string, error) {
	src, err := filepath.Abs("../../bin")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "roost-e2e-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		return "", err
	}
	for _, name := range []string{"roost", "roost-compose", "roost-monitor"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", fmt.Errorf("%w: run `make build` first", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "bin", name), b, 0o755); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// env is one test's world: the test user with a fresh HOME (so a fresh Roost
// root) and a fresh XDG_RUNTIME_DIR (so its own namespace holder).
type env struct {
	t          *testing.T
	User       string
	UID, GID   int
	Home       string
	RuntimeDir string
	Extra      []string // extra environment, KEY=VALUE
}

// newEnv makes a fresh environment for the default test user.
func newEnv(t *testing.T) *env { return newEnvFor(t, testUser) }

func newEnvFor(t *testing.T, name string) *env {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("test user %s missing (run test/host/prepare.sh): %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	n := envSeq.Add(1)
	base := filepath.Join(tmpRoot, fmt.Sprintf("env%d", n))
	e := &env{
		t: t, User: name, UID: uid, GID: gid,
		Home:       filepath.Join(base, "home"),
		RuntimeDir: fmt.Sprintf("/run/user/%d/e2e-%d-%d", uid, os.Getpid(), n),
	}
	for _, d := range []string{base, e.Home, e.RuntimeDir} {
		mustDir(t, d, uid, gid)
	}
	e.writeFile(".config/containers/registries.conf", registriesConf)
	// A short grace (TestNetworkIdleGrace tests it): the many tests that
	// check nothing is left after the last container see it within seconds.
	e.writeFile(".config/roost/roost.conf", testRoostConf)
	t.Cleanup(e.cleanup)
	return e
}

// testRoostConf is every test user's roost.conf unless a test writes its own.
const testRoostConf = "[network]\nidle_grace = \"1s\"\n"

const registriesConf = `unqualified-search-registries = ["127.0.0.1:5000"]

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "127.0.0.1:5001"
insecure = true
`

func mustDir(t *testing.T, d string, uid, gid int) {
	t.Helper()
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(d, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// writeFile writes a file under the test user's HOME, owned by the user.
func (e *env) writeFile(rel, content string) string {
	e.t.Helper()
	p := filepath.Join(e.Home, rel)
	dir := filepath.Dir(p)
	for d := dir; d != e.Home && d != "/"; d = filepath.Dir(d) {
		defer os.Chown(d, e.UID, e.GID)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chown(p, e.UID, e.GID); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// cleanup kills every process left in the test's user namespace (the holder and
// anything it kept alive), then removes the test's files.
func (e *env) cleanup() {
	if pid := e.holderPid(); pid > 0 {
		killNamespace(pid)
	}
	os.RemoveAll(e.RuntimeDir)
	os.RemoveAll(filepath.Dir(e.Home))
}

// holderPid reads the namespace holder's pid, 0 if there is none.
func (e *env) holderPid() int {
	b, err := os.ReadFile(filepath.Join(e.RuntimeDir, "roost", "userns.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.Fields(string(b))[0])
	return pid
}

// killNamespace SIGKILLs every process in the user namespace of pid.
func killNamespace(pid int) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
	if err != nil {
		return
	}
	pids := processesInUserNS(ns)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	// SIGKILL is delivered, not done: a command run at once could still
	// join a holder that is dying. Wait until each is gone or a zombie.
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range pids {
		for processRuns(p) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func processesInUserNS(ns string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid)); err == nil && l == ns {
			pids = append(pids, pid)
		}
	}
	return pids
}

// environ is the whole environment of the test user's commands.
func (e *env) environ() []string {
	return append([]string{
		"HOME=" + e.Home,
		"USER=" + e.User,
		"LOGNAME=" + e.User,
		"XDG_RUNTIME_DIR=" + e.RuntimeDir,
		// The user's registries.conf alone, without the host's drop-ins:
		// Debian's containers-common aliases short names such as busybox to
		// docker.io, which this machine cannot reach. (Without the variable
		// containers/image reads the user's file and every drop-in
		// directory, as Podman does.)
		"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(e.Home, ".config/containers/registries.conf"),
		"PATH=" + binDir + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"LANG=C.UTF-8",
	}, e.Extra...)
}

// command prepares a program run as the test user, in its own process group.
func (e *env) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = e.environ()
	cmd.Dir = e.Home
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(e.UID), Gid: uint32(e.GID), Groups: []uint32{}},
		Setpgid:    true,
	}
	return cmd
}

type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// run runs a program as the test user and returns what it did.
func (e *env) run(name string, args ...string) result {
	return e.runInput(nil, name, args...)
}

func (e *env) runInput(stdin io.Reader, name string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimout)
	defer cancel()
	cmd := e.command(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	err := cmd.Run()
	r := result{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run %s %v: %v", name, args, err)
	}
	if ctx.Err() != nil {
		e.t.Fatalf("%s %v timed out after %v", name, args, commandTimout)
	}
	return r
}

// roost runs the roost binary as the test user.
func (e *env) roost(args ...string) result {
	e.t.Helper()
	return e.run(filepath.Join(binDir, "roost"), args...)
}

// roostOK runs roost and fails the test unless it exits 0; it returns stdout.
func (e *env) roostOK(args ...string) string {
	e.t.Helper()
	return succeeded(e.t, "roost "+strings.Join(args, " "), e.roost(args...))
}

// succeeded fails the test unless r exited 0, naming what ran; it returns
// stdout.
func succeeded(t *testing.T, what string, r result) string {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: %s", what, r)
	}
	return r.Stdout
}

// roostFails runs roost, expects exit code want and a single-line error on
// stderr, and returns that line.
func (e *env) roostFails(want int, args ...string) string {
	e.t.Helper()
	r := e.roost(args...)
	if r.Code != want {
		e.t.Fatalf("roost %s: want exit %d, got %s", strings.Join(args, " "), want, r)
	}
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") {
		e.t.Fatalf("roost %s: want one line \"Error: ...\" on stderr, got %q", strings.Join(args, " "), r.Stderr)
	}
	return lines[0]
}

// syncBuffer is an output buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs roost in the background; the caller waits or kills it.
func (e *env) start(args ...string) (*exec.Cmd, *syncBuffer) {
	e.t.Helper()
	cmd := e.command(context.Background(), filepath.Join(binDir, "roost"), args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	return cmd, out
}

// killGroup SIGKILLs a command started with start, and its process group.
func killGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
}

// eventually retries check until it returns nil or the time is up.
func eventually(t *testing.T, d time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
