package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const busybox = registry + "/busybox:latest"

// runtimes are tested alike: crun (preferred) and runc.
var runtimes = []string{"crun", "runc"}

// pulled gives an env with busybox already in storage.
func pulled(t *testing.T) *env {
	e := newEnv(t)
	e.roostOK("pull", "-q", busybox)
	return e
}

func TestRunPassesExitCodeAndOutput(t *testing.T) {
	eachStorageAndRuntime(t, func(t *testing.T, e *env, rt string) {
		r := e.roost("--runtime", rt, "run", "--rm", busybox, "sh", "-c", "echo out; echo err >&2; exit 3")
		if r.Code != 3 || r.Stdout != "out\n" || r.Stderr != "err\n" {
			t.Fatalf("want exit 3 with out/err, got %s", r)
		}
		// --rm leaves nothing: no container, no mount, no run directory.
		if out := e.roostOK("ps", "-aq"); out != "" {
			t.Fatalf("--rm left containers: %q", out)
		}
		assertNoContainerLeftovers(t, e)
	})
}

func TestRunErrorsHavePodmanExitCodes(t *testing.T) {
	e := pulled(t)
	e.roostFails(127, "run", "--rm", busybox, "no-such-command")
	// Podman's lower-case kind ends the message; scripts match 'exec.* permission denied'.
	if msg := e.roostFails(126, "run", "--rm", busybox, "/etc/passwd"); !regexp.MustCompile(`exec.* permission denied`).MatchString(msg) {
		t.Errorf("run of a non-executable: %q", msg)
	}
	if msg := e.roostFails(125, "run", "--rm", registry+"/no-such-image:latest", "true"); !strings.Contains(msg, "initializing source docker://"+registry+"/no-such-image:latest: ") {
		t.Errorf("run of a missing image: %q", msg)
	}
	e.roostFails(125, "run", "--rm", "--restart", "sometimes", busybox, "true")
	e.roostFails(125, "run", "--rm", "--ulimit", "nofile=abc", busybox, "true")
	e.roostFails(125, "run", "--rm", "-u", "nosuchuser", busybox, "true")
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("failed runs left containers: %q", out)
	}
	assertNoContainerLeftovers(t, e)
}

func TestDetachedLifecycle(t *testing.T) {
	eachStorageAndRuntime(t, func(t *testing.T, e *env, rt string) {
		id := strings.TrimSpace(e.roostOK("--runtime", rt, "run", "-d", "--name", "ticker", busybox,
			"sh", "-c", "echo started; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"))
		if len(id) != 64 {
			t.Fatalf("run -d should print the full id, got %q", id)
		}
		ps := e.roostOK("ps", "--format", "{{.ID}} {{.Names}} {{.State}}")
		if ps != id[:12]+" ticker running\n" {
			t.Fatalf("ps: %q", ps)
		}
		eventually(t, secs(10), func() error {
			if out := e.roostOK("logs", "ticker"); out != "started\n" {
				return fmt.Errorf("logs: %q", out)
			}
			return nil
		})
		e.roostOK("stop", "ticker")
		if got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "ticker"); got != "exited 0 false\n" {
			t.Fatalf("after stop: %q", got)
		}
		if out := e.roostOK("logs", "ticker"); out != "started\nbye\n" {
			t.Fatalf("logs after stop: %q", out)
		}
		// Start again: a new run of the same container.
		e.roostOK("start", "ticker")
		if got := e.roostOK("inspect", "--format", "{{.State.Status}}", "ticker"); got != "running\n" {
			t.Fatalf("after start: %q", got)
		}
		e.roostFails(2, "rm", "ticker") // running: refused without -f, exit 2 as Podman
		e.roostOK("rm", "-f", "ticker")
		if out := e.roostOK("ps", "-aq"); out != "" {
			t.Fatalf("rm -f left %q", out)
		}
		assertNoContainerLeftovers(t, e)
	})
}

func TestContainerRootIsTheUser(t *testing.T) {
	eachStorage(t, containerRootIsTheUser)
}

func containerRootIsTheUser(t *testing.T, e *env) {
	dir := filepath.Join(e.Home, "shared")
	mustDir(t, dir, e.UID, e.GID)
	e.roostOK("run", "--rm", "-v", dir+":/data", busybox, "sh", "-c", "touch /data/by-root && id -u > /data/uid")
	fi, err := os.Stat(filepath.Join(dir, "by-root"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := statUID(fi); uid != e.UID {
		t.Fatalf("a file made by container root should belong to the user %d on the host, got %d", e.UID, uid)
	}
	// keep-id: the user's own uid inside.
	out := e.roostOK("run", "--rm", "--userns", "keep-id", "-v", dir+":/data", busybox, "sh", "-c", "id -u; touch /data/by-keepid")
	if strings.TrimSpace(out) != fmt.Sprint(e.UID) {
		t.Fatalf("keep-id: want uid %d inside, got %q", e.UID, out)
	}
	fi, err = os.Stat(filepath.Join(dir, "by-keepid"))
	if err != nil || statUID(fi) != e.UID {
		t.Fatalf("keep-id file owner: %v %v", err, fi)
	}
}

func TestSecureDefaults(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			out := e.roostOK("--runtime", rt, "run", "--rm", busybox, "sh", "-c",
				"grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status; echo keys=$(cat /proc/keys | wc -c); grep ' /proc/sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1")
			// Podman's default capabilities, seccomp on, /proc/keys masked,
			// /proc/sys read-only.
			for _, want := range []string{"CapEff:\t00000000800405fb", "Seccomp:\t2", "NoNewPrivs:\t0", "keys=0\n", "\nro\n"} {
				if !strings.Contains(out, want) {
					t.Fatalf("want %q in:\n%s", want, out)
				}
			}
			// seccomp blocks what it should: unshare of a user namespace, keyctl.
			r := e.roost("--runtime", rt, "run", "--rm", busybox, "unshare", "-U", "true")
			if r.Code == 0 {
				t.Fatalf("seccomp should refuse unshare(CLONE_NEWUSER): %s", r)
			}
			out = e.roostOK("--runtime", rt, "run", "--rm", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", busybox, "grep", "-E", "^(CapEff|NoNewPrivs):", "/proc/self/status")
			if !strings.Contains(out, "CapEff:\t0000000000000000") || !strings.Contains(out, "NoNewPrivs:\t1") {
				t.Fatalf("cap-drop ALL + no-new-privileges: %s", out)
			}
		})
	}
}

func TestRunFlagsReachTheProcess(t *testing.T) {
	eachStorage(t, runFlagsReachTheProcess)
}

func runFlagsReachTheProcess(t *testing.T, e *env) {
	envFile := e.writeFile("vars.env", "# comment\nFROM_FILE=yes\n")
	out := e.roostOK("run", "--rm", "-e", "A=1", "--env-file", envFile, "-w", "/tmp", "-h", "myhost",
		"-u", "1000:1000", "--entrypoint", "sh", busybox, "-c", "echo $A $FROM_FILE $(pwd) $(hostname) $(id -u):$(id -g)")
	if out != "1 yes /tmp myhost 1000:1000\n" {
		t.Fatalf("flags: %q", out)
	}
	out = e.roostOK("run", "--rm", "--read-only", busybox, "sh", "-c", "touch /x 2>/dev/null || echo ro; touch /tmp/y && echo tmp-ok")
	if out != "ro\ntmp-ok\n" {
		t.Fatalf("--read-only: %q", out)
	}
	out = e.roostOK("run", "--rm", "--tmpfs", "/scratch", "--shm-size", "16m", busybox, "sh", "-c", "grep -E ' /(scratch|dev/shm) ' /proc/mounts | cut -d' ' -f2,3")
	if !strings.Contains(out, "/scratch tmpfs") || !strings.Contains(out, "/dev/shm tmpfs") {
		t.Fatalf("tmpfs mounts: %q", out)
	}
	// --network none gives only the loopback interface.
	out = e.roostOK("run", "--rm", "--network", "none", busybox, "sh", "-c", "ls /sys/class/net")
	if strings.Fields(out)[0] != "lo" || len(strings.Fields(out)) != 1 {
		t.Fatalf("network none: %q", out)
	}
}

func TestRestartOnFailureStopsAfterRetries(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "flaky", "--restart", "on-failure:3", busybox, "sh", "-c", "exit 2")
	eventually(t, secs(30), func() error {
		got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "flaky")
		if got != "exited 3 2\n" {
			return fmt.Errorf("want exited after 3 restarts, got %q", got)
		}
		return nil
	})
}

func TestRestartAlwaysAndStopEndsIt(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "always", "--restart", "always", busybox, "sh", "-c", "sleep 0.2; exit 0")
	eventually(t, secs(30), func() error {
		var in []struct{ RestartCount int }
		json.Unmarshal([]byte(e.roostOK("inspect", "always")), &in)
		if len(in) != 1 || in[0].RestartCount < 2 {
			return fmt.Errorf("want at least 2 restarts, got %+v", in)
		}
		return nil
	})
	// No sleep-and-compare: once the monitor is gone nothing can restart it.
	stopForGood(t, e, "always")
	if got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.Restarting}}", "always"); got != "exited false\n" {
		t.Fatalf("stop should end the restart loop: %q", got)
	}
}

func TestParallelRunAndRemoveLeaveNothing(t *testing.T) {
	e := pulled(t)
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 2; j++ {
				name := fmt.Sprintf("p%d-%d", i, j)
				if r := e.roost("run", "-d", "--name", name, busybox, "sleep", "30"); r.Code != 0 {
					errs <- r.String()
					return
				}
				if r := e.roost("rm", "-f", name); r.Code != 0 {
					errs <- r.String()
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("left containers: %q", out)
	}
	if n := storageContainers(t, e); n != 0 {
		t.Fatalf("left %d storage containers", n)
	}
	assertNoContainerLeftovers(t, e)
}

// assertNoContainerLeftovers checks that no container process, mount or run
// directory outlives the containers.
func assertNoContainerLeftovers(t *testing.T, e *env) {
	t.Helper()
	eventually(t, secs(10), func() error {
		if ents, _ := os.ReadDir(filepath.Join(e.RuntimeDir, "roost", "containers")); len(ents) != 0 {
			var left []string
			for _, d := range ents {
				files, _ := os.ReadDir(filepath.Join(e.RuntimeDir, "roost", "containers", d.Name()))
				names := []string{}
				for _, f := range files {
					names = append(names, f.Name())
				}
				left = append(left, d.Name()[:12]+fmt.Sprint(names))
			}
			return fmt.Errorf("run directories left: %v", left)
		}
		if left := runtimeStates(e); len(left) != 0 {
			return fmt.Errorf("runtime state left: %v", left)
		}
		if pid := e.holderPid(); pid > 0 {
			mounts, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mounts", pid))
			if strings.Contains(string(mounts), filepath.Join(e.Home, ".local/share/roost/storage/overlay/")) {
				return fmt.Errorf("overlay mounts left in the namespace")
			}
			ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
			if procs := processesInUserNS(ns); len(procs) != 1 {
				return fmt.Errorf("processes left in the namespace besides the holder: %v", namespaceProcesses(e))
			}
		}
		return nil
	})
}

// runtimeStates lists the OCI runtimes' state directories of containers
// (roost/runtime-NAME/ID), as runtime/RUNTIME-NAME/ID.
func runtimeStates(e *env) []string {
	var left []string
	roots, _ := filepath.Glob(filepath.Join(e.RuntimeDir, "roost", "runtime-*"))
	for _, root := range roots {
		if st, err := os.Stat(root); err != nil || !st.IsDir() {
			continue
		}
		ents, _ := os.ReadDir(root)
		for _, d := range ents {
			if d.IsDir() {
				left = append(left, filepath.Base(root)+"/"+d.Name())
			}
		}
	}
	return left
}

// A foreground run deletes its container's runtime state itself (its
// monitor leaves that to it): none is left after the exit, with --rm or
// without, and the kept container starts again, attached, as often as asked.
func TestForegroundRunLeavesNoRuntimeState(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			if r := e.roost("--runtime", rt, "run", "--name", "kept", busybox, "sh", "-c", "echo out; exit 3"); r.Code != 3 || r.Stdout != "out\n" {
				t.Fatalf("foreground run: %s", r)
			}
			if left := runtimeStates(e); len(left) != 0 {
				t.Fatalf("runtime state left after a foreground run: %v", left)
			}
			for i := 0; i < 2; i++ {
				if r := e.roost("start", "-a", "kept"); r.Code != 3 || r.Stdout != "out\n" {
					t.Fatalf("start -a, time %d: %s", i+1, r)
				}
				if left := runtimeStates(e); len(left) != 0 {
					t.Fatalf("runtime state left after start -a: %v", left)
				}
			}
			e.roostOK("rm", "kept")
			if r := e.roost("--runtime", rt, "run", "--rm", busybox, "true"); r.Code != 0 {
				t.Fatalf("run --rm: %s", r)
			}
			assertNoContainerLeftovers(t, e)
		})
	}
}

// The core run works on fuse-overlayfs storage too, and the rootfs really is
// a fuse-overlayfs mount there.
func TestRunOnFuseOverlayfs(t *testing.T) {
	e := newEnv(t)
	fuse := []string{"--storage-opt", "overlay.mount_program=/usr/bin/fuse-overlayfs"}
	with := func(args ...string) []string { return append(append([]string{}, fuse...), args...) }
	e.roostOK(with("pull", "-q", busybox)...)
	r := e.roost(with("run", "--rm", busybox, "sh", "-c", "grep ' / ' /proc/mounts | cut -d' ' -f3; echo hi > /f; cat /f; exit 4")...)
	if r.Code != 4 || r.Stdout != "fuse.fuse-overlayfs\nhi\n" {
		t.Fatalf("run on fuse-overlayfs: %s", r)
	}
	id := strings.TrimSpace(e.roostOK(with("run", "-d", busybox, "sleep", "30")...))
	e.roostOK(with("rm", "-f", id)...)
	if out := e.roostOK(with("ps", "-aq")...); out != "" {
		t.Fatalf("left containers: %q", out)
	}
	eventually(t, secs(10), func() error {
		if n := countProcs("fuse-overlayfs", e.UID); n != 0 {
			return fmt.Errorf("%d fuse-overlayfs processes left", n)
		}
		return nil
	})
}

// countProcs counts the user's processes whose command is name.
func countProcs(name string, uid int) int {
	n := 0
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		comm, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		if fi, err := os.Stat(filepath.Join("/proc", ent.Name())); err == nil && statUID(fi) == uid {
			n++
		}
	}
	return n
}

// -e KEY and --env-host take the environment of the command that created the
// container, once: a later start from another environment changes nothing.
func TestHostEnvironmentIsTakenAtCreate(t *testing.T) {
	e := pulled(t)
	e.Extra = []string{"ROOST_E2E_FROM_HOST=at-create"}
	e.roostOK("create", "--name", "envc", "-e", "ROOST_E2E_FROM_HOST", "-e", "ROOST_E2E_UNSET", busybox,
		"sh", "-c", "echo ${ROOST_E2E_FROM_HOST:-none} ${ROOST_E2E_UNSET:-unset}")
	e.roostOK("create", "--name", "envh", "--env-host", busybox, "sh", "-c", "echo ${ROOST_E2E_FROM_HOST:-none}")
	e.Extra = []string{"ROOST_E2E_FROM_HOST=at-start", "ROOST_E2E_UNSET=set-later"}
	// Twice: the first start may run the bundle made at create; every
	// later one makes the spec anew.
	for i := 0; i < 2; i++ {
		if out := e.roostOK("start", "-a", "envc"); out != "at-create unset\n" {
			t.Fatalf("-e KEY at start %d: %q, want the value at create", i+1, out)
		}
		if out := e.roostOK("start", "-a", "envh"); out != "at-create\n" {
			t.Fatalf("--env-host at start %d: %q, want the value at create", i+1, out)
		}
	}
	e.roostOK("rm", "envc", "envh")
}
