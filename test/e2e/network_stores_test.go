package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// A container started from a second store (--root/--runroot, as Podman's
// login tests start their registry) keeps its network while commands on the
// default store clean up: their sweep of the shared run directory must not
// take a namespace it does not know for a leftover while its monitor runs.
// The first connection is made only after the sweep, because the forwarder
// enters the namespace on its first connection.
func TestOtherStoreKeepsItsPublishedPortThroughDefaultStoreCleanup(t *testing.T) {
	e := pulled(t)
	alt := []string{"--storage-driver=vfs",
		"--root", filepath.Join(e.Home, "alt-root"), "--runroot", filepath.Join(e.Home, "alt-runroot")}
	altRoost := func(args ...string) string { return e.roostOK(append(slices.Clone(alt), args...)...) }
	altRoost("pull", "-q", busybox)
	port := freeHostPort(t)
	id := altRoost("run", "-d", "--name", "web", "--hostname", "web", "-p", fmt.Sprintf("%d:8080", port),
		busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
	id = id[:len(id)-1]

	// What the suite's setup and teardown run, on the default store.
	e.roostOK("rm", "-t", "0", "--all", "--force", "--ignore")
	e.roostOK("pod", "rm", "-t", "0", "--all", "--force", "--ignore")
	e.roostOK("network", "prune", "--force")
	e.roostOK("ps", "--all")

	if !slices.Contains(e.netnsFiles(), id) {
		t.Fatalf("the other store's container lost its namespace file: %v", e.netnsFiles())
	}
	hostGetEventually(t, port, "/hostname", "web\n")

	altRoost("rm", "-f", "-t", "0", "web")
	if err := portFree(port); err != nil {
		t.Fatal(err)
	}
}
