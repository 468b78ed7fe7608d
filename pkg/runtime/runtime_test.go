package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/runtime/runtimetest"
)

// Messages recorded from crun 1.8.1 and runc 1.1.5.
func TestClassify(t *testing.T) {
	cases := []struct {
		msg  string
		want error
	}{
		{"executable file `nosuch` not found in $PATH: No such file or directory", runtime.ErrCommandNotFound},
		{"executable file `/nosuch` not found in $PATH: No such file or directory", runtime.ErrCommandNotFound},
		{`runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH`, runtime.ErrCommandNotFound},
		{`runc create failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory`, runtime.ErrCommandNotFound},
		{"open executable: Permission denied", runtime.ErrCannotInvoke},
		{"open executable: Operation not permitted", runtime.ErrCannotInvoke},
		{`runc create failed: unable to start container process: exec: "/bin/noexec": permission denied`, runtime.ErrCannotInvoke},
		{"error opening file `/run/crun/x/status`: No such file or directory", runtime.ErrNotFound},
		{"cannot open directory '/run/crun/x': No such file or directory", runtime.ErrNotFound},
		{"container does not exist", runtime.ErrNotFound},
		{"container not running", runtime.ErrNotRunning},
		{"container `y` is not running", runtime.ErrNotRunning},
		{"kill container: No such process", runtime.ErrNotRunning},
		{"cannot start a container that has stopped", runtime.ErrNotRunning},
		{"cgroups in hybrid mode not supported, drop all controllers from cgroupv2", runtime.ErrCgroupsUnavailable},
		{"mount `devpts` to `dev/pts`: Invalid argument", nil},
	}
	for _, c := range cases {
		if got := runtime.Classify(c.msg); got != c.want {
			t.Errorf("Classify(%q) = %v, want %v", c.msg, got, c.want)
		}
	}
}

func TestGlobalArgs(t *testing.T) {
	// Seen through a fake runtime that prints its arguments.
	dir := t.TempDir()
	fake := filepath.Join(dir, "crun")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >&2\nexit 1\n"), 0o755)
	r := runtime.New(fake, "/run/x")
	r.CgroupManager = runtime.CgroupManagerDisabled
	err := r.Start(context.Background(), "c1")
	var rerr *runtime.Error
	if !errors.As(err, &rerr) || rerr.Msg != "--root /run/x --cgroup-manager=disabled start c1" {
		t.Fatalf("crun: %v", err)
	}
	if err.Error() != "crun start c1: --root /run/x --cgroup-manager=disabled start c1" {
		t.Fatalf("error text: %q", err.Error())
	}
	runc := filepath.Join(dir, "runc")
	os.Rename(fake, runc)
	r = runtime.New(runc, "/run/y")
	r.CgroupManager = runtime.CgroupManagerDisabled
	err = r.Kill(context.Background(), "c1", syscall.SIGTERM, true)
	if !errors.As(err, &rerr) || rerr.Msg != "--root /run/y kill --all c1 15" {
		t.Fatalf("runc: %v", err)
	}
}

func TestLifecycle(t *testing.T) {
	runtimetest.RequireRoot(t)
	for name, path := range runtimetest.Runtimes(t) {
		t.Run(name, func(t *testing.T) { testLifecycle(t, path) })
	}
}

func testLifecycle(t *testing.T, path string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	bundle := runtimetest.Bundle(t, filepath.Join(dir, "bundle"), []string{"sleep", "60"}, false)
	r := runtime.New(path, filepath.Join(dir, "state"))
	id := "rt-" + filepath.Base(path)

	if _, err := r.State(ctx, id); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("state of a missing container: %v, want ErrNotFound", err)
	}
	pidFile := filepath.Join(dir, "pid")
	if err := r.Create(ctx, id, bundle, runtime.CreateOpts{PidFile: pidFile}); err != nil {
		t.Fatal(err)
	}
	defer r.Delete(context.Background(), id, true)
	st, err := r.State(ctx, id)
	if err != nil || st.Status != runtime.StatusCreated || st.Pid <= 0 {
		t.Fatalf("after create: %+v %v", st, err)
	}
	if b, _ := os.ReadFile(pidFile); strings.TrimSpace(string(b)) == "" {
		t.Fatal("no pid file")
	}
	if err := r.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st, err = r.State(ctx, id); err != nil || st.Status != runtime.StatusRunning {
		t.Fatalf("after start: %+v %v", st, err)
	}
	testExec(t, r, id, dir)
	if err := r.Kill(ctx, id, syscall.SIGKILL, false); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, r, id)
	if err := r.Kill(ctx, id, syscall.SIGKILL, false); !errors.Is(err, runtime.ErrNotRunning) {
		t.Fatalf("kill of a stopped container: %v, want ErrNotRunning", err)
	}
	if err := r.Delete(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, id, false); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
}

func testExec(t *testing.T, r *runtime.Runtime, id, dir string) {
	proc := filepath.Join(dir, "process.json")
	os.WriteFile(proc, []byte(`{"args":["sh","-c","echo exec-ok; exit 7"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}`), 0o600)
	rd, wr, _ := os.Pipe()
	err := r.Exec(context.Background(), id, proc, runtime.ExecOpts{Stdio: runtime.Stdio{Out: wr}})
	wr.Close()
	out, _ := io.ReadAll(rd)
	var exitErr *exec.ExitError
	if string(out) != "exec-ok\n" || !errors.As(err, &exitErr) || exitErr.ExitCode() != 7 {
		t.Fatalf("exec: %q, %v", out, err)
	}
	missing := filepath.Join(dir, "missing.json")
	os.WriteFile(missing, []byte(`{"args":["nosuch"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}`), 0o600)
	if err := r.Exec(context.Background(), id, missing, runtime.ExecOpts{}); !errors.Is(err, runtime.ErrCommandNotFound) {
		t.Fatalf("exec of a missing command: %v", err)
	}
}

func waitStopped(t *testing.T, r *runtime.Runtime, id string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		st, err := r.State(context.Background(), id)
		if err == nil && st.Status == runtime.StatusStopped {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("container did not stop")
}

func TestCreateErrors(t *testing.T) {
	runtimetest.RequireRoot(t)
	for name, path := range runtimetest.Runtimes(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			bundle := runtimetest.Bundle(t, filepath.Join(dir, "bundle"), []string{"nosuch"}, false)
			os.WriteFile(filepath.Join(bundle, "rootfs", "bin", "noexec"), []byte("x"), 0o644)
			r := runtime.New(path, filepath.Join(dir, "state"))
			for _, c := range []struct {
				args []string
				want error
			}{
				{[]string{"nosuch"}, runtime.ErrCommandNotFound},
				{[]string{"/nosuch"}, runtime.ErrCommandNotFound},
				{[]string{"/bin/noexec"}, runtime.ErrCannotInvoke},
			} {
				runtimetest.WriteSpec(t, bundle, c.args, false)
				err := r.Create(context.Background(), "bad", bundle, runtime.CreateOpts{})
				r.Delete(context.Background(), "bad", true)
				if !errors.Is(err, c.want) {
					t.Errorf("create %v: %v, want %v", c.args, err, c.want)
				}
			}
		})
	}
}

func TestProbe(t *testing.T) {
	for _, name := range runtime.Preferred {
		b, err := runtime.Find(name)
		if err != nil {
			continue
		}
		err = runtime.Probe(b.Path)
		t.Logf("Probe(%s) = %v", b.Path, err)
		if err != nil && !errors.Is(err, runtime.ErrCgroupsUnavailable) {
			t.Errorf("Probe(%s): %v", b.Path, err)
		}
	}
}

func TestChoose(t *testing.T) {
	b, err := runtime.Choose("")
	if err != nil {
		if !errors.Is(err, runtime.ErrCgroupsUnavailable) {
			t.Fatal(err)
		}
		t.Skipf("no runtime works here: %v", err)
	}
	t.Logf("chose %s (%s): %s", b.Name, b.Version, b.Reason)
	if _, err := runtime.Choose("no-such-runtime"); err == nil {
		t.Fatal("chose a runtime that does not exist")
	}
}

// Update hands the runtime the resources as a JSON file, as `crun update
// --resources` reads them; seen through a fake runtime that copies it.
func TestUpdateWritesResourcesFile(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "crun")
	got := filepath.Join(dir, "got")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" > "+got+".args\ncat \"$5\" > "+got+"\n"), 0o755)
	r := runtime.New(fake, "/run/x")
	limit, shares := int64(64<<20), uint64(512)
	res := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}, CPU: &specs.LinuxCPU{Shares: &shares}}
	if err := r.Update(context.Background(), "c1", res); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(got + ".args")
	f := strings.Fields(string(args))
	if len(f) != 6 || strings.Join(f[:4], " ") != "--root /run/x update --resources" || f[5] != "c1" {
		t.Fatalf("runtime arguments: %q", args)
	}
	if _, err := os.Stat(f[4]); !os.IsNotExist(err) {
		t.Errorf("the resources file %s is left behind", f[4])
	}
	var back specs.LinuxResources
	b, _ := os.ReadFile(got)
	if err := json.Unmarshal(b, &back); err != nil || back.Memory == nil || *back.Memory.Limit != limit || *back.CPU.Shares != shares {
		t.Fatalf("resources file %s: %v", b, err)
	}
}
