package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// waitForContainerProcess waits until a process named comm runs in the
// test's user namespace (so inside one of its containers).
func waitForContainerProcess(t *testing.T, e *env, comm string) {
	t.Helper()
	eventually(t, secs(20), func() error {
		if countNamespaceProcs(e, comm) == 0 {
			return fmt.Errorf("no %s process in the containers", comm)
		}
		return nil
	})
}

// countNamespaceProcs counts processes named comm in the test's user
// namespace and the namespaces nested in it (container processes).
func countNamespaceProcs(e *env, comm string) int {
	pid := e.holderPid()
	if pid == 0 {
		return 0
	}
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
	n := 0
	for _, p := range processesInUserNS(ns) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err == nil && strings.TrimSpace(string(b)) == comm {
			n++
		}
	}
	return n
}

// processRuns: pid exists and is not a zombie.
func processRuns(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || (b[i+2] != 'Z' && b[i+2] != 'X')
}

// containerProcesses lists the processes of the test's user namespace
// other than the namespace holder.
func containerProcesses(e *env) []int {
	holder := e.holderPid()
	if holder == 0 {
		return nil
	}
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", holder))
	var out []int
	for _, p := range processesInUserNS(ns) {
		if p != holder {
			out = append(out, p)
		}
	}
	return out
}

// storage is one storage set-up the core run tests run on, chosen per test
// root through Roost's environment equivalent of --storage-opt.
type storage struct {
	name  string
	env   []string
	mount string // the rootfs's type in /proc/mounts
}

var storages = []storage{
	{"overlay", nil, "overlay"},
	{"fuse-overlayfs", []string{"ROOST_STORAGE_OPT=overlay.mount_program=/usr/bin/fuse-overlayfs"}, "fuse.fuse-overlayfs"},
}

// pulledOn gives an env on storage s with busybox pulled, and checks that
// containers really get that kind of root filesystem.
func pulledOn(t *testing.T, s storage) *env {
	t.Helper()
	e := newEnv(t)
	e.Extra = append(e.Extra, s.env...)
	e.roostOK("pull", "-q", busybox)
	out := e.roostOK("run", "--rm", busybox, "sh", "-c", "grep ' / ' /proc/mounts | cut -d' ' -f3")
	if out != s.mount+"\n" {
		t.Fatalf("storage %s: the rootfs should be %s, /proc/mounts says %q", s.name, s.mount, out)
	}
	return e
}

// eachStorage runs fn as a subtest on every storage set-up.
func eachStorage(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, s := range storages {
		t.Run(s.name, func(t *testing.T) { fn(t, pulledOn(t, s)) })
	}
}

// eachStorageAndRuntime runs fn on every storage set-up with every runtime.
func eachStorageAndRuntime(t *testing.T, fn func(t *testing.T, e *env, rt string)) {
	for _, s := range storages {
		for _, rt := range runtimes {
			t.Run(s.name+"/"+rt, func(t *testing.T) { fn(t, pulledOn(t, s), rt) })
		}
	}
}
