package monitor_test

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/runtime/runtimetest"
)

// rootlessInner marks the copy of this test binary that TestRootless runs
// inside a user namespace of the unprivileged test user.
const rootlessInner = "ROOST_TEST_ROOTLESS_INNER"

// testUser is the unprivileged user `make host` creates for rootless tests.
const testUser = "roosttest"

// TestRootless runs the TestMonitor* suite again as the test user, as root of
// a user namespace that maps only that user (unshare -Urm): the way Roost
// runs the monitor and the runtimes rootless.
func TestRootless(t *testing.T) {
	if os.Getenv(rootlessInner) != "" {
		t.Skip("this is the rootless run itself")
	}
	if testing.Short() {
		t.Skip("-short: no rootless run")
	}
	runtimetest.RequireRoot(t)
	runtimetest.Runtimes(t)
	u, err := user.Lookup(testUser)
	if err != nil {
		t.Fatalf("test user %s missing: `make host` (test/host/prepare.sh) creates it", testUser)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	work := t.TempDir()
	for _, d := range []string{work, filepath.Dir(work)} {
		os.Chmod(d, 0o755)
	}
	tmp := filepath.Join(work, "tmp")
	os.Mkdir(tmp, 0o700)
	os.Chown(tmp, uid, gid)
	testBin := copyExecutable(t, mustExecutable(t), filepath.Join(work, "monitor.test"))
	monBin := copyExecutable(t, monitorBinary(t), filepath.Join(work, "roost-monitor"))

	cmd := exec.Command("runuser", "-u", testUser, "--", "env", "-i",
		"PATH="+os.Getenv("PATH"), "HOME="+tmp, "TMPDIR="+tmp, "XDG_RUNTIME_DIR=/run/user/"+u.Uid,
		"ROOST_TEST_MONITOR="+monBin, rootlessInner+"=1",
		"unshare", "-Urm", testBin, "-test.run", "^TestMonitor", "-test.count=1", "-test.v")
	out, err := cmd.CombinedOutput()
	summary := summarize(string(out))
	if err != nil {
		t.Fatalf("rootless run failed: %v\n%s", err, out)
	}
	t.Logf("rootless run as %s in a user namespace:\n%s", testUser, summary)
}

func mustExecutable(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func copyExecutable(t *testing.T, from, to string) string {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return to
}

// summarize keeps the lines naming tests and their logs.
func summarize(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--- ") || strings.HasPrefix(trimmed, "monitor_test.go") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
