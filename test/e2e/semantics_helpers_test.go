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
