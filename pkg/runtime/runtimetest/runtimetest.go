// Package runtimetest makes OCI bundles with a busybox root filesystem and
// finds the runtimes for integration tests of pkg/runtime and pkg/monitor.
//
// Tests that need them run as root (or as root of a user namespace); they
// skip with a reason when not root, and fail when root lacks a tool, since
// `make test` installs busybox-static, crun and runc.
package runtimetest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireRoot skips the test, saying why, unless we are (namespaced) root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("integration test: needs root (or root in a user namespace) to run OCI runtimes; run as root or through `make test`")
	}
}

// Runtimes returns the paths of crun and runc; a missing one fails the test.
func Runtimes(t testing.TB) map[string]string {
	t.Helper()
	rts := map[string]string{}
	for _, name := range []string{"crun", "runc"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s not installed: `make host` (test/host/prepare.sh) installs it", name)
		}
		rts[name] = p
	}
	return rts
}

// Rootless reports whether we run in a user namespace that maps few ids (the
// rootless variant of the suite): the spec must then not use unmapped gids.
func Rootless() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	var inside, outside, count int64
	if n, _ := fmt.Sscan(string(b), &inside, &outside, &count); n != 3 {
		return false
	}
	return count != 4294967295
}

// Bundle makes dir/rootfs with busybox and every applet linked, and writes a
// config.json that runs args.
func Bundle(t testing.TB, dir string, args []string, terminal bool) string {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("busybox not installed: `make host` installs busybox-static")
	}
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet != "busybox" {
			os.Symlink("busybox", filepath.Join(rootfs, "bin", applet))
		}
	}
	WriteSpec(t, dir, args, terminal)
	return dir
}

// WriteSpec writes dir/config.json running args in new pid, mount, ipc, uts
// and network namespaces, without cgroup settings.
func WriteSpec(t testing.TB, dir string, args []string, terminal bool) {
	t.Helper()
	b, err := json.MarshalIndent(Spec(args, terminal), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Spec is a minimal OCI runtime config, as a JSON-ready map.
func Spec(args []string, terminal bool) map[string]any {
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	ptsOpts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if !Rootless() {
		ptsOpts = append(ptsOpts, "gid=5")
	}
	return map[string]any{
		"ociVersion": "1.0.0",
		"process": map[string]any{
			"terminal": terminal,
			"user":     map[string]any{"uid": 0, "gid": 0},
			"args":     args,
			"env":      []string{"PATH=/bin", "TERM=xterm"},
			"cwd":      "/",
			"capabilities": map[string]any{
				"bounding": caps, "effective": caps, "permitted": caps,
			},
			"noNewPrivileges": true,
		},
		"root":     map[string]any{"path": "rootfs", "readonly": true},
		"hostname": "roosttest",
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ptsOpts},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "nodev", "mode=1777"}},
		},
		"linux": map[string]any{
			"namespaces": []map[string]any{
				{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
			},
			"maskedPaths":   []string{"/proc/kcore", "/proc/keys", "/proc/timer_list"},
			"readonlyPaths": []string{"/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}
