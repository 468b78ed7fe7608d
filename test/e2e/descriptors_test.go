package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLongLivedProcessesCloseTheCallersDescriptors: a harness like bats
// holds an extra pipe on fd 3 and reads stdout and stderr through pipes,
// and waits for EOF on all of them. `roost run -d` as the first command of a
// "boot" starts the namespace holder, the shared network's egress helper,
// the DNS responder (a user network) and the container's monitor; none of
// them may keep any of those pipes, or the harness hangs for ever.
func TestLongLivedProcessesCloseTheCallersDescriptors(t *testing.T) {
	for _, backend := range []string{"slirp4netns", "pasta"} {
		t.Run(backend, func(t *testing.T) { checkDescriptorsAfterFirstRun(t, backend) })
	}
}

func checkDescriptorsAfterFirstRun(t *testing.T, backend string) {
	e := newEnv(t)
	e.writeFile(".config/roost/roost.conf", "[network]\nbackend = \""+backend+"\"\nidle_grace = \"20s\"\n")
	e.roostOK("pull", "-q", busybox)
	e.roostOK("network", "create", "fdnet")
	// As after a reboot: the next command starts every shared process.
	if pid := e.holderPid(); pid > 0 {
		killNamespace(pid)
	}

	h := startHarness(t, e, filepath.Join(binDir, "roost"), "run", "-d", "--name", "fdtest", "--network", "fdnet", busybox, "sleep", "1000")
	out := h.waitEOF(t, 30*time.Second)
	if len(strings.TrimSpace(out.stdout)) < 12 {
		t.Fatalf("roost run -d printed no container id: stdout %q, stderr %q", out.stdout, out.stderr)
	}

	rt := filepath.Join(e.RuntimeDir, "roost")
	id := strings.TrimSpace(out.stdout)
	procs := map[string]int{
		"namespace holder":  e.holderPid(),
		backend + " helper": helperPid(t, filepath.Join(rt, "netns", "roost.helper")),
		"DNS responder":     firstInt(t, filepath.Join(rt, "network", "dns.pid")),
		"monitor":           firstInt(t, filepath.Join(rt, "containers", id, "monitor.pid")),
	}
	for what, pid := range procs {
		if pid <= 0 {
			t.Fatalf("no %s found after roost run -d", what)
		}
		checkOwnDescriptors(t, h, what, pid)
	}
	// The holder only pauses: it needs nothing beyond 0, 1 and 2.
	if fds := openDescriptors(t, procs["namespace holder"]); len(fds) != 3 {
		t.Errorf("the namespace holder should have only fds 0-2, has %s", describeFDs(fds))
	}
	// The last member's leaving starts the idle reaper (the grace): it too
	// keeps none of the command's descriptors, or this rm would not end.
	rm := startHarness(t, e, filepath.Join(binDir, "roost"), "rm", "-f", "-t", "0", "fdtest")
	rm.waitEOF(t, 30*time.Second)
	if pid := firstInt(t, filepath.Join(rt, "netns", "roost.reaper")); pid <= 0 {
		t.Fatalf("no idle reaper after the last container went")
	} else {
		checkOwnDescriptors(t, rm, "idle reaper", pid)
	}
}

// checkOwnDescriptors: a process that outlives the command keeps none of
// the harness's pipes, and has /dev/null or its own log on 0, 1 and 2.
func checkOwnDescriptors(t *testing.T, h *harness, what string, pid int) {
	t.Helper()
	fds := openDescriptors(t, pid)
	t.Logf("%s (pid %d): %s", what, pid, describeFDs(fds))
	for fd, target := range fds {
		if h.isHarnessPipe(target) {
			t.Errorf("the %s (pid %d) keeps the harness's pipe %s on fd %d", what, pid, target, fd)
		}
	}
	for fd := 0; fd <= 2; fd++ {
		target, ok := fds[fd]
		if !ok {
			t.Errorf("the %s (pid %d) has no fd %d: it should be /dev/null or its log", what, pid, fd)
		} else if target != "/dev/null" && !strings.HasSuffix(target, ".log") {
			t.Errorf("the %s (pid %d) has %s on fd %d: want /dev/null or its own log", what, pid, target, fd)
		}
	}
}

// harness runs a program as bats does: fd 3 an extra pipe, stdout and
// stderr pipes, each read until EOF.
type harness struct {
	cmd   *exec.Cmd
	pipes map[string]string // "pipe:[INODE]" -> which pipe
	done  chan harnessOutput
}

type harnessOutput struct{ stdout, stderr string }

func startHarness(t *testing.T, e *env, name string, args ...string) *harness {
	t.Helper()
	h := &harness{cmd: e.command(t.Context(), name, args...), pipes: map[string]string{}, done: make(chan harnessOutput, 1)}
	var readers [4]*os.File
	var writers [4]*os.File
	for i, what := range []string{"stdout", "stderr", "fd 3", "fd 9"} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		var st syscall.Stat_t
		if err := syscall.Fstat(int(r.Fd()), &st); err != nil {
			t.Fatal(err)
		}
		h.pipes[fmt.Sprintf("pipe:[%d]", st.Ino)] = what
		readers[i], writers[i] = r, w
	}
	h.cmd.Stdout, h.cmd.Stderr = writers[0], writers[1]
	// fd 3 as bats has it, and fd 9 as a shell's saved descriptor: one the
	// children's own ExtraFiles (always from 3 up) never overwrite.
	h.cmd.ExtraFiles = []*os.File{writers[2], nil, nil, nil, nil, nil, writers[3]}
	err := h.cmd.Start()
	for _, w := range writers {
		w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		var texts [4]string
		doneOne := make(chan struct{}, len(readers))
		for i, r := range readers {
			go func() {
				b, _ := io.ReadAll(r)
				texts[i] = string(b)
				r.Close()
				doneOne <- struct{}{}
			}()
		}
		for range readers {
			<-doneOne
		}
		h.done <- harnessOutput{stdout: texts[0], stderr: texts[1]}
	}()
	return h
}

// waitEOF waits until every pipe is closed by every process holding it and
// the program exited 0. A hang past timeout is the failure this guards.
func (h *harness) waitEOF(t *testing.T, timeout time.Duration) harnessOutput {
	t.Helper()
	select {
	case out := <-h.done:
		if err := h.cmd.Wait(); err != nil {
			t.Fatalf("%v: %v\nstdout: %s\nstderr: %s", h.cmd.Args, err, out.stdout, out.stderr)
		}
		return out
	case <-time.After(timeout):
		_ = h.cmd.Process.Kill()
		t.Fatalf("%v: no EOF on the harness's pipes after %v: a process it started keeps them open\n%s",
			h.cmd.Args, timeout, h.holdersOfPipes())
	}
	return harnessOutput{}
}

func (h *harness) isHarnessPipe(target string) bool {
	_, ok := h.pipes[target]
	return ok
}

// holdersOfPipes names every process that has one of the harness's pipes.
func (h *harness) holdersOfPipes() string {
	var lines []string
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() { // the test reads the pipes
			continue
		}
		fdDir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, _ := os.ReadDir(fdDir)
		for _, fd := range fds {
			target, _ := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if what, ok := h.pipes[target]; ok {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				lines = append(lines, fmt.Sprintf("pid %d (%s) holds the %s pipe on fd %s",
					pid, strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " "), what, fd.Name()))
			}
		}
	}
	return strings.Join(lines, "\n")
}

// openDescriptors maps each open fd of pid to what it points at.
func openDescriptors(t *testing.T, pid int) map[int]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	fds := map[int]string{}
	for _, ent := range ents {
		fd, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join(dir, ent.Name())); err == nil {
			fds[fd] = target
		}
	}
	return fds
}

// describeFDs lists fds in order, the first 20 (pasta keeps over a hundred
// sockets and pipes of its own).
func describeFDs(fds map[int]string) string {
	var parts []string
	for _, fd := range slices.Sorted(maps.Keys(fds)) {
		if len(parts) == 20 {
			parts = append(parts, fmt.Sprintf("... %d more", len(fds)-20))
			break
		}
		parts = append(parts, fmt.Sprintf("%d=%s", fd, fds[fd]))
	}
	return strings.Join(parts, " ")
}

// helperPid reads an egress helper's pid file (JSON with "pid").
func helperPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var rec struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return rec.Pid
}

// firstInt reads the first number of a pid file ("PID" or "PID STARTTIME").
func firstInt(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		t.Fatalf("%s is empty", path)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// runWithFDs runs roost as the test user with files on fds 3 and up, and
// returns what it did.
func runWithFDs(t *testing.T, e *env, files []*os.File, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimout)
	defer cancel()
	cmd := e.command(ctx, filepath.Join(binDir, "roost"), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = &out, &errb, files
	err := cmd.Run()
	r := result{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("roost %v: %v", args, err)
	}
	return r
}

// TestRunPreserveFDs: `run --preserve-fds N` hands the caller's fds 3 ..
// 3+N-1 to the container's process across the re-execution into the
// namespace and the monitor's start, and no Roost process keeps them: a pipe
// the container closes reaches EOF while the container still runs.
func TestRunPreserveFDs(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", busybox)
	if pid := e.holderPid(); pid > 0 {
		killNamespace(pid) // the next command re-executes into a new namespace
	}
	content := "preserved " + strconv.Itoa(os.Getpid())
	path := e.writeFile("fd4.txt", content+"\n")
	f4, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f4.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r := runWithFDs(t, e, []*os.File{null, f4}, "run", "--rm", "-i", "--preserve-fds=2", busybox, "sh", "-c", "cat <&4")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != content {
		t.Fatalf("run --preserve-fds=2 ... cat <&4: want %q, got %s", content, r)
	}

	// A pipe on fd 3: the container writes, closes it and sleeps on.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	got := make(chan string, 1)
	go func() { b, _ := io.ReadAll(pr); got <- string(b) }()
	r = runWithFDs(t, e, []*os.File{pw}, "run", "-d", "--name", "keepfd", "--preserve-fds=1", busybox,
		"sh", "-c", "echo hello >&3; exec 3>&-; exec sleep 1000")
	pw.Close()
	if r.Code != 0 {
		t.Fatalf("run -d --preserve-fds=1: %s", r)
	}
	defer e.roost("rm", "-f", "-t", "0", "keepfd")
	select {
	case s := <-got:
		if s != "hello\n" {
			t.Fatalf("the container wrote %q on fd 3, want %q", s, "hello\n")
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no EOF on the preserved pipe after the container closed it: a Roost process keeps it")
	}
	if st := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Status}}", "keepfd")); st != "running" {
		t.Fatalf("keepfd is %q, want running", st)
	}

	// More than the caller passed: one line, nothing made.
	r = runWithFDs(t, e, []*os.File{null}, "run", "--rm", "--name", "toomany", "--preserve-fds=3", busybox, "true")
	if r.Code != 125 || !strings.HasPrefix(r.Stderr, "Error: --preserve-fds 3:") || strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("run --preserve-fds=3 with one fd: want exit 125 and one line, got %s", r)
	}
	if r := e.roost("container", "exists", "toomany"); r.Code != 1 {
		t.Fatalf("a refused run left container toomany behind: %s", r)
	}
}
