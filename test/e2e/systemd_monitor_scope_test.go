package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemdContainerOutlivesTheUnitThatStartedIt: a unit whose roost starts
// a container without owning it (a oneshot, no $NOTIFY_SOCKET) puts the
// container's monitor, and so the container, in a scope of its own: stopping
// the unit, which kills the unit's whole cgroup, leaves the container
// running. (Units that own theirs, --new and Quadlet, keep the monitor as
// MainPID: TestSystemdGenerateNewUnit, TestSystemdQuadletSet.)
func TestSystemdContainerOutlivesTheUnitThatStartedIt(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.roostOK("pull", "-q", busybox)
	s.writeUnit("starter.service", fmt.Sprintf(`[Unit]
Description=starts a container it does not own

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%s run -d --name outliver %s sleep 100000
`, filepath.Join(binDir, "roost"), busybox))
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "starter.service")
	c := s.runningContainer("outliver")

	scope := "roost-monitor-" + c.monitorPid + ".scope"
	for what, pid := range map[string]string{"monitor": c.monitorPid, "container": c.pid} {
		if cg := s.cgroupOf(pid); !strings.Contains(cg, "/"+scope) {
			t.Fatalf("the %s (pid %s) is not in %s: its cgroup is %q\n%s", what, pid, scope, cg, s.journal())
		}
	}
	if desc := s.property(scope, "Description"); !strings.Contains(desc, "outliver") {
		t.Fatalf("%s is described as %q: it should name the container", scope, desc)
	}

	s.systemctlOK("stop", "starter.service")
	if st := s.property("starter.service", "ActiveState"); st != "inactive" {
		t.Fatalf("starter.service is %s after stop", st)
	}
	if now := s.runningContainer("outliver"); now != c {
		t.Fatalf("the container changed when the unit that started it stopped: %+v, was %+v", now, c)
	}
	for what, pid := range map[string]string{"monitor": c.monitorPid, "container": c.pid} {
		if r := s.root("kill", "-0", pid); r.Code != 0 {
			t.Fatalf("the %s (pid %s) died with the unit that started it", what, pid)
		}
	}
	if out := s.roostOK("exec", "outliver", "echo", "alive"); out != "alive\n" {
		t.Fatalf("exec after the unit stopped: %q", out)
	}

	// The scope goes with its monitor: nothing is left in the unit list.
	s.roostOK("rm", "-f", "-t", "0", "outliver")
	eventually(t, 30*time.Second, func() error {
		if out := s.systemctlOK("list-units", "--all", "--no-legend", "roost-monitor-*.scope"); strings.TrimSpace(out) != "" {
			return fmt.Errorf("monitor scopes left after rm: %q", out)
		}
		return nil
	})
}

// cgroupOf is the systemd (name=systemd or unified) cgroup of a pid inside
// systemd's PID namespace.
func (s *userSystemd) cgroupOf(pid string) string {
	s.t.Helper()
	r := s.root("cat", "/proc/"+pid+"/cgroup")
	if r.Code != 0 {
		s.t.Fatalf("read the cgroup of %s: %s", pid, r)
	}
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.HasPrefix(line, "1:name=systemd:") || strings.HasPrefix(line, "0::") {
			return line
		}
	}
	return r.Stdout
}
