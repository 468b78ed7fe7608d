package monitor_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/runtime/runtimetest"
)

// The integration tests run the real roost-monitor (built once per test
// binary, or named by ROOST_TEST_MONITOR) with crun and runc on busybox
// bundles. As root they run once as root and once more inside a user
// namespace of the unprivileged test user (TestRootless).

var (
	buildOnce  sync.Once
	monitorBin = os.Getenv("ROOST_TEST_MONITOR")
	buildDir   string
	buildErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func monitorBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if monitorBin != "" {
			return
		}
		dir, err := os.MkdirTemp("", "roost-monitor-test-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		os.Chmod(dir, 0o755)
		monitorBin = filepath.Join(dir, "roost-monitor")
		out, err := exec.Command("go", "build", "-o", monitorBin, "github.com/roost-containers/roost/cmd/roost-monitor").CombinedOutput()
		if err != nil {
			buildErr = errors.New("building roost-monitor: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return monitorBin
}

// fixture is one container: its bundle, run directory and monitor config.
type fixture struct {
	t      *testing.T
	dir    string
	runDir string
	rt     *runtime.Runtime
	cfg    monitor.Config
}

func newFixture(t *testing.T, rtPath string, args []string, terminal bool) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, runDir: filepath.Join(dir, "run")}
	bundle := runtimetest.Bundle(t, filepath.Join(dir, "bundle"), args, terminal)
	f.rt = runtime.New(rtPath, filepath.Join(dir, "rtstate"))
	f.cfg = monitor.Config{
		ID:          "t" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Bundle:      bundle,
		RuntimePath: rtPath,
		RuntimeRoot: f.rt.Root,
		Terminal:    terminal,
		LogDriver:   monitor.LogK8sFile,
		LogPath:     filepath.Join(dir, "ctr.log"),
	}
	if runtimetest.Rootless() {
		f.cfg.CgroupManager = runtime.CgroupManagerDisabled // as Roost runs crun without delegation
	}
	t.Cleanup(f.cleanup)
	return f
}

func (f *fixture) start() (monitorPid, pid int) {
	f.t.Helper()
	mpid, pid, err := monitor.Launcher{Binary: monitorBinary(f.t), Timeout: 30 * time.Second}.Start(f.cfg, f.runDir)
	if err != nil {
		f.t.Fatalf("Start: %v\n%s", err, f.monitorLog())
	}
	if mpid <= 0 || pid <= 0 {
		f.t.Fatalf("Start returned pids %d, %d", mpid, pid)
	}
	return mpid, pid
}

func (f *fixture) wait() monitor.State {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := monitor.Wait(ctx, f.runDir)
	if err != nil {
		f.t.Fatalf("Wait: %v (state %+v)\n%s", err, st, f.monitorLog())
	}
	if st.Status != monitor.StatusExited {
		f.t.Fatalf("state %s, want exited\n%s", st.Status, f.monitorLog())
	}
	return st
}

// waitMonitorGone waits until the monitor has finished (exit command included).
func (f *fixture) waitMonitorGone() {
	f.t.Helper()
	for i := 0; i < 300; i++ {
		st, err := monitor.ReadState(f.runDir)
		if err != nil || !st.MonitorAlive {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatal("monitor still running")
}

func (f *fixture) monitorLog() string {
	b, _ := os.ReadFile(filepath.Join(f.runDir, "monitor.log"))
	return "monitor.log:\n" + string(b)
}

func (f *fixture) logText() string {
	b, err := os.ReadFile(f.cfg.LogPath)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func (f *fixture) cleanup() {
	if st, err := monitor.ReadState(f.runDir); err == nil && st.MonitorAlive {
		syscall.Kill(st.MonitorPid, syscall.SIGKILL)
	}
	f.rt.Delete(context.Background(), f.cfg.ID, true)
}

// forEachRuntime runs the test with crun and with runc.
func forEachRuntime(t *testing.T, test func(t *testing.T, rt string)) {
	runtimetest.RequireRoot(t)
	for name, path := range runtimetest.Runtimes(t) {
		t.Run(name, func(t *testing.T) { test(t, path) })
	}
}

var k8sLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) (stdout|stderr) (F|P) (.*)$`)

func TestMonitorExitCodeAndLog(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "echo hello; echo oops >&2; printf part; exit 3"}, false)
		f.start()
		st := f.wait()
		if st.Exit.Code != 3 || st.Restarts != 0 || st.Exit.FinishedAt.IsZero() {
			t.Fatalf("exit %+v restarts %d", st.Exit, st.Restarts)
		}
		want := map[string]bool{"stdout F hello": false, "stderr F oops": false, "stdout P part": false}
		for _, line := range strings.Split(strings.TrimSpace(f.logText()), "\n") {
			m := k8sLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("not a k8s-file line: %q", line)
			}
			want[m[2]+" "+m[3]+" "+m[4]] = true
		}
		for rec, seen := range want {
			if !seen {
				t.Errorf("log lacks %q:\n%s", rec, f.logText())
			}
		}
		b, _ := os.ReadFile(filepath.Join(f.runDir, monitor.ExitFile))
		if !regexp.MustCompile(`^\{"code":3,"finishedAt":"[^"]+Z","oomKilled":false\}\n$`).Match(b) {
			t.Errorf("exit file: %q", b)
		}
		f.waitMonitorGone()
		if _, err := f.rt.State(context.Background(), f.cfg.ID); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("runtime state left behind: %v", err)
		}
	})
}

func TestMonitorRestartOnFailure(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "echo run; exit 1"}, false)
		f.cfg.Restart = monitor.RestartPolicy{Policy: monitor.RestartOnFailure, MaxRetries: 2}
		marker := filepath.Join(f.dir, "exit-command-ran")
		f.cfg.ExitCommand = []string{"/bin/sh", "-c", "echo done > " + marker}
		f.start()
		st := f.wait()
		if st.Exit.Code != 1 || st.Restarts != 2 {
			t.Fatalf("exit %+v restarts %d, want code 1 after 2 restarts", st.Exit, st.Restarts)
		}
		if n := strings.Count(f.logText(), "stdout F run\n"); n != 3 {
			t.Errorf("%d runs logged, want 3:\n%s", n, f.logText())
		}
		f.waitMonitorGone()
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("exit command did not run: %v\n%s", err, f.monitorLog())
		}
	})
}

func TestMonitorStopPreventsRestart(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sleep", "100"}, false)
		f.cfg.Restart = monitor.RestartPolicy{Policy: monitor.RestartAlways}
		f.start()
		if err := monitor.Stop(f.runDir); err != nil {
			t.Fatal(err)
		}
		if err := f.rt.Kill(context.Background(), f.cfg.ID, syscall.SIGKILL, false); err != nil {
			t.Fatal(err)
		}
		st := f.wait()
		if st.Exit.Code != 137 || st.Restarts != 0 {
			t.Fatalf("exit %+v restarts %d, want 137 without restart", st.Exit, st.Restarts)
		}
	})
}

func TestMonitorAlwaysRestarts(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "echo run; exit 0"}, false)
		f.cfg.Restart = monitor.RestartPolicy{Policy: monitor.RestartAlways}
		f.start()
		deadline := time.Now().Add(20 * time.Second)
		for {
			st, err := monitor.ReadState(f.runDir)
			if err != nil {
				t.Fatal(err)
			}
			if st.Restarts >= 3 {
				break
			}
			if time.Now().After(deadline) || st.Status == monitor.StatusExited || st.Status == monitor.StatusDead {
				t.Fatalf("state %+v after %v\n%s", st, time.Since(deadline), f.monitorLog())
			}
			time.Sleep(50 * time.Millisecond)
		}
		monitor.Stop(f.runDir)
		st := f.wait() // exits 0 at the next run; not restarted
		if st.Exit.Code != 0 {
			t.Fatalf("exit %+v", st.Exit)
		}
	})
}

func TestMonitorAttach(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "read line; echo got $line; sleep 0.3; echo live; echo err >&2"}, false)
		f.cfg.Stdin = true
		f.start()
		var out, errOut syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := monitor.Attach(ctx, f.runDir, strings.NewReader("hi\n"), &out, &errOut, nil, monitor.DefaultDetachKeys)
		if err != nil {
			t.Fatalf("Attach: %v\n%s", err, f.monitorLog())
		}
		if out.String() != "got hi\nlive\n" || errOut.String() != "err\n" {
			t.Fatalf("stdout %q stderr %q", out.String(), errOut.String())
		}
		if st := f.wait(); st.Exit.Code != 0 {
			t.Fatalf("exit %+v", st.Exit)
		}
	})
}

func TestMonitorWaitAttach(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "echo early; exit 4"}, false)
		f.cfg.WaitAttach = true
		f.start()
		time.Sleep(200 * time.Millisecond) // nothing runs before the attach
		if st, _ := monitor.ReadState(f.runDir); st.Exit != nil {
			t.Fatalf("ran before attach: %+v", st)
		}
		var out syncBuffer
		err := monitor.Attach(context.Background(), f.runDir, nil, &out, io.Discard, nil, "")
		if err != nil || out.String() != "early\n" {
			t.Fatalf("Attach: %v, output %q", err, out.String())
		}
		if st := f.wait(); st.Exit.Code != 4 {
			t.Fatalf("exit %+v", st.Exit)
		}
	})
}

// TestMonitorWaitAttachWithAttachment: a session attached from the monitor's
// start gets the container started without connecting to the socket, and
// sees all of its output, the first line included.
func TestMonitorWaitAttachWithAttachment(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "echo early; exit 5"}, false)
		f.cfg.WaitAttach = true
		att, err := monitor.NewAttachment(false)
		if err != nil {
			t.Fatal(err)
		}
		l := monitor.Launcher{Binary: monitorBinary(f.t), Timeout: 30 * time.Second, Attachment: att}
		if _, _, err := l.Start(f.cfg, f.runDir); err != nil {
			t.Fatalf("Start: %v\n%s", err, f.monitorLog())
		}
		// Started with nobody connected to the attach socket: the attachment
		// was the client it waited for.
		st := f.wait()
		if st.Exit.Code != 5 {
			t.Fatalf("exit %+v", st.Exit)
		}
		var out syncBuffer
		s := monitor.Session{Stdout: &out, Stderr: io.Discard, Attachment: att}
		if err := s.Attach(context.Background(), f.runDir); err != nil || out.String() != "early\n" {
			t.Fatalf("Attach: %v, output %q", err, out.String())
		}
	})
}

// TestAttachmentNotHandedDials: an attachment no monitor got (the container
// ran already) is closed and the session connects to the socket instead.
func TestAttachmentNotHandedDials(t *testing.T) {
	att, err := monitor.NewAttachment(false)
	if err != nil {
		t.Fatal(err)
	}
	s := monitor.Session{Stdout: io.Discard, Stderr: io.Discard, Attachment: att}
	err = s.Attach(context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "attach: connect") {
		t.Fatalf("Attach with no monitor: %v, want a failed connect", err)
	}
}

func TestMonitorDetachKeys(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"cat"}, false)
		f.cfg.Stdin = true
		f.start()
		var out syncBuffer
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- monitor.Attach(context.Background(), f.runDir, pr, &out, io.Discard, nil, "ctrl-p,ctrl-q")
		}()
		pw.Write([]byte("one\x10two\n"))
		waitFor(t, func() bool { return out.String() == "one\x10two\n" }, "echo through cat")
		pw.Write([]byte("\x10\x11"))
		if err := <-done; !errors.Is(err, monitor.ErrDetached) {
			t.Fatalf("Attach: %v, want ErrDetached", err)
		}
		st, _ := monitor.ReadState(f.runDir)
		if st.Status != monitor.StatusRunning {
			t.Fatalf("after detach: %+v", st)
		}
		monitor.Stop(f.runDir)
		f.rt.Kill(context.Background(), f.cfg.ID, syscall.SIGKILL, false)
		f.wait()
	})
}

func TestMonitorTerminal(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "tty; sleep 1; stty size"}, true)
		f.start()
		if err := monitor.Resize(f.runDir, 40, 100); err != nil {
			t.Fatal(err)
		}
		st := f.wait()
		log := f.logText()
		if st.Exit.Code != 0 || !strings.Contains(log, "stdout F /dev/pts/0\r\n") || !strings.Contains(log, "stdout F 40 100\r\n") {
			t.Fatalf("exit %+v, log:\n%q\n%s", st.Exit, log, f.monitorLog())
		}
	})
}

func TestMonitorTerminalAttach(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh"}, true)
		f.cfg.Stdin = true
		f.start()
		var out syncBuffer
		resize := make(chan [2]uint16, 1)
		resize <- [2]uint16{33, 77}
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- monitor.Attach(context.Background(), f.runDir, pr, &out, nil, resize, "")
		}()
		time.Sleep(300 * time.Millisecond)
		pw.Write([]byte("stty size; exit 5\n"))
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("attach did not end; output %q", out.String())
		}
		if !strings.Contains(out.String(), "33 77") {
			t.Fatalf("output %q", out.String())
		}
		if st := f.wait(); st.Exit.Code != 5 {
			t.Fatalf("exit %+v", st.Exit)
		}
	})
}

func TestMonitorKilled(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sleep", "100"}, false)
		mpid, pid := f.start()
		if st, err := monitor.ReadState(f.runDir); err != nil || st.Status != monitor.StatusRunning || st.Pid != pid {
			t.Fatalf("running: %+v %v", st, err)
		}
		syscall.Kill(mpid, syscall.SIGKILL)
		waitFor(t, func() bool {
			st, _ := monitor.ReadState(f.runDir)
			return !st.MonitorAlive
		}, "monitor death")
		st, err := monitor.ReadState(f.runDir)
		if err != nil || st.Status != monitor.StatusDead || !st.PidAlive || st.Pid != pid {
			t.Fatalf("after kill -9 of the monitor: %+v %v", st, err)
		}
		if rst, err := f.rt.State(context.Background(), f.cfg.ID); err != nil || rst.Status != runtime.StatusRunning {
			t.Fatalf("runtime state: %+v %v", rst, err)
		}
	})
}

func TestMonitorStartErrors(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		for _, c := range []struct {
			args []string
			want error
			code int
		}{
			{[]string{"nosuch"}, monitor.ErrCommandNotFound, 127},
			{[]string{"/etc"}, monitor.ErrCannotInvoke, 126},
		} {
			f := newFixture(t, rt, c.args, false)
			_, _, err := monitor.Launcher{Binary: monitorBinary(t)}.Start(f.cfg, f.runDir)
			var serr *monitor.StartError
			if !errors.Is(err, c.want) || !errors.As(err, &serr) || monitor.ExitCode(err) != c.code {
				t.Fatalf("%v: %v, want %v", c.args, err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
			t.Logf("%v: %v", c.args, err)
			f.waitMonitorGone()
		}
	})
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

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

// TestMonitorFootprint measures the idle monitor's memory (PSS, the figure
// that adds up over many containers) and its threads.
func TestMonitorFootprint(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "echo hi; sleep 100"}, false)
		mpid, _ := f.start()
		time.Sleep(1500 * time.Millisecond)
		rollup, err := os.ReadFile("/proc/" + strconv.Itoa(mpid) + "/smaps_rollup")
		if err != nil {
			t.Fatal(err)
		}
		pss, rss := kbField(rollup, "Pss:"), kbField(rollup, "Rss:")
		status, _ := os.ReadFile("/proc/" + strconv.Itoa(mpid) + "/status")
		t.Logf("idle monitor: PSS %d KiB, RSS %d KiB, %s", pss, rss, strings.TrimSpace(lineOf(status, "Threads:")))
		// Alone, about 3.3 MiB of which 2.3 are the executable's shared pages
		// (each of N monitors pays 1/N of those): fail on a regression such
		// as a heavy import, not on noise.
		if pss > 5120 {
			t.Errorf("idle monitor PSS %d KiB: over 5 MiB", pss)
		}
		monitor.Stop(f.runDir)
		f.rt.Kill(context.Background(), f.cfg.ID, syscall.SIGKILL, false)
		f.wait()
	})
}

func kbField(rollup []byte, name string) int {
	n, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(lineOf(rollup, name), name))[0])
	return n
}

func lineOf(b []byte, prefix string) string {
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return prefix + " 0"
}

// TestMonitorLongRunDir: socket paths past the 108 bytes of sockaddr_un (a
// 64-character id under a deep $XDG_RUNTIME_DIR) still work, for the
// runtime's console socket and for attach.
func TestMonitorLongRunDir(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"sh", "-c", "read x; tty; echo got $x"}, true)
		f.cfg.Stdin = true
		f.runDir = filepath.Join(f.dir, strings.Repeat("r", 64), strings.Repeat("c", 64))
		f.start()
		var out syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := monitor.Attach(ctx, f.runDir, strings.NewReader("yes\n"), &out, nil, nil, ""); err != nil {
			t.Fatalf("Attach: %v\n%s", err, f.monitorLog())
		}
		if !strings.Contains(out.String(), "/dev/pts/0\r\ngot yes\r\n") {
			t.Fatalf("output %q", out.String())
		}
		f.wait()
	})
}

// TestMonitorWaitsForPlacement: with Launcher.Place the monitor does nothing
// (no pid file, no runtime) until Place has returned, so that a move into a
// systemd scope takes the container along; a failed Place is a line in
// monitor.log, and the container still starts. (The checks made inside
// Place could pass by luck on a monitor that did not wait; the e2e
// TestSystemdContainerOutlivesTheUnitThatStartedIt decides it, by the
// container's cgroup.)
func TestMonitorWaitsForPlacement(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"true"}, false)
		placed := 0
		l := monitor.Launcher{Binary: monitorBinary(t), Timeout: 30 * time.Second, Place: func(pid int) error {
			placed = pid
			if _, err := os.Stat(filepath.Join(f.runDir, monitor.MonitorPidFile)); err == nil {
				t.Errorf("the monitor wrote its pid file before it was placed")
			}
			if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children"); len(bytes.TrimSpace(b)) != 0 {
				t.Errorf("the monitor started children before it was placed: %s", b)
			}
			return errors.New("no user manager in this test")
		}}
		mpid, _, err := l.Start(f.cfg, f.runDir)
		if err != nil {
			t.Fatalf("Start: %v\n%s", err, f.monitorLog())
		}
		if placed != mpid {
			t.Fatalf("Place got pid %d, the monitor is %d", placed, mpid)
		}
		f.wait()
		if log := f.monitorLog(); !strings.Contains(log, "stays in its starter's cgroup: no user manager in this test") {
			t.Fatalf("the failed placement is not in monitor.log:\n%s", log)
		}
	})
}
