package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemdPodUnit: `generate systemd` of a pod writes the pod's unit and
// its members'; starting the pod unit starts the pod (infra and members),
// stopping it stops them, and the units pass systemd-analyze verify.
func TestSystemdPodUnit(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.roostOK("pod", "create", "--name", "pp")
	s.roostOK("create", "--pod", "pp", "--name", "member", busybox, "sleep", "100000")
	s.installUnits([]string{"pod-pp.service", "container-member.service"}, "--name", "--restart-policy", "no", "pp")
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "pod-pp.service")
	infra := strings.TrimSpace(s.roostOK("pod", "inspect", "--format", "{{.InfraContainerID}}", "pp"))
	c := s.runningContainer(infra)
	if got := s.property("pod-pp.service", "MainPID"); got != c.monitorPid {
		t.Fatalf("the pod unit's MainPID is %s, want the infra's monitor %s", got, c.monitorPid)
	}
	// The pod unit wants the member's unit: started in the same transaction.
	eventually(t, 60*time.Second, func() error {
		if st := s.property("container-member.service", "ActiveState"); st != "active" {
			return fmt.Errorf("the member's unit is %s, want active (wanted by the pod unit)\n%s", st, s.journal())
		}
		return nil
	})
	m := s.runningContainer("member")
	if got := s.property("container-member.service", "MainPID"); got != m.monitorPid {
		t.Fatalf("the member unit's MainPID is %s, want its monitor %s", got, m.monitorPid)
	}

	s.systemctlOK("stop", "pod-pp.service")
	for _, name := range []string{"member", infra} {
		if st := strings.TrimSpace(s.roostOK("inspect", "--format", "{{.State.Status}}", name)); st != "exited" {
			t.Fatalf("after the pod unit's stop %s is %s", name, st)
		}
	}
	if st := s.property("container-member.service", "ActiveState"); st != "inactive" {
		t.Fatalf("the member's unit is %s after the pod unit stopped (BindsTo)", st)
	}
}

// TestSystemdPodUnitNew: `generate systemd --new` for a pod: the pod unit
// makes the pod (with its create flags) and its member units make their
// containers in it; stopping the pod unit removes them all.
func TestSystemdPodUnitNew(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.roostOK("pod", "create", "--name", "np", "--label", "made=by-test")
	s.roostOK("create", "--pod", "np", "--name", "nmember", "-e", "WHO=member", busybox, "sleep", "100000")
	s.installUnits([]string{"pod-np.service", "container-nmember.service"}, "--new", "--restart-policy", "no", "np")
	// The units make the pod and the member anew.
	s.roostOK("pod", "rm", "--force", "np")
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "pod-np.service")
	eventually(t, 60*time.Second, func() error {
		if st := s.property("container-nmember.service", "ActiveState"); st != "active" {
			return fmt.Errorf("the member's unit is %s, want active\n%s", st, s.journal())
		}
		return nil
	})
	if got := s.roostOK("pod", "inspect", "--format", `{{index .Labels "made"}} {{len .Containers}}`, "np"); strings.TrimSpace(got) != "by-test 2" {
		t.Fatalf("the unit's pod: %q, want its label and 2 containers", got)
	}
	infra := s.runningContainer("np-infra")
	if got := s.property("pod-np.service", "MainPID"); got != infra.monitorPid {
		t.Fatalf("the pod unit's MainPID is %s, want the infra's monitor %s", got, infra.monitorPid)
	}
	if got := s.roostOK("exec", "nmember", "sh", "-c", "echo $WHO"); got != "member\n" {
		t.Fatalf("the member's environment: %q", got)
	}

	// Enabled, the units come back at a reboot with linger: the user
	// manager restarts, and Roost's namespace is gone as after a reboot.
	s.systemctlOK("enable", "pod-np.service", "container-nmember.service")
	if r := s.root("systemctl", "stop", fmt.Sprintf("user@%d.service", e.UID)); r.Code != 0 {
		t.Fatalf("stop the user manager: %s", r)
	}
	s.killRoostNamespace()
	if r := s.root("systemctl", "start", fmt.Sprintf("user@%d.service", e.UID)); r.Code != 0 {
		t.Fatalf("start the user manager: %s", r)
	}
	s.waitRunning([]string{"--user"}, "the user manager")
	eventually(t, 90*time.Second, func() error {
		for _, u := range []string{"pod-np.service", "container-nmember.service"} {
			if st := s.property(u, "ActiveState"); st != "active" {
				return fmt.Errorf("after the reboot %s is %s", u, st)
			}
		}
		return nil
	})
	s.runningContainer("np-infra")
	if got := s.roostOK("exec", "nmember", "sh", "-c", "echo $WHO"); got != "member\n" {
		t.Fatalf("after the reboot, the member's environment: %q", got)
	}
	s.systemctlOK("stop", "pod-np.service")
	for _, u := range []string{"pod-np.service", "container-nmember.service"} {
		if st := s.property(u, "ActiveState"); st != "inactive" {
			t.Fatalf("%s is %s after the pod unit stopped\n%s", u, st, s.journal())
		}
	}
	if out := s.roostOK("pod", "ps", "-q") + s.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("the stopped units left pods or containers: %q", out)
	}
}

// installUnits runs generate systemd --files with args, checks it wrote
// the units named, in that order, and moves them into the user's unit
// directory, each passing systemd-analyze verify.
func (s *userSystemd) installUnits(units []string, args ...string) {
	s.t.Helper()
	out := strings.Fields(s.roostOK(append([]string{"generate", "systemd", "--files"}, args...)...))
	var want []string
	for _, u := range units {
		want = append(want, filepath.Join(s.homeDir, u))
	}
	if strings.Join(out, " ") != strings.Join(want, " ") {
		s.t.Fatalf("--files printed %q, want %q", out, want)
	}
	dir := filepath.Join(s.homeDir, ".config/systemd/user")
	for _, f := range want {
		s.userOK("mv", f, dir+"/")
		if r := s.user("systemd-analyze", "verify", "--user", filepath.Join(dir, filepath.Base(f))); r.Code != 0 {
			s.t.Fatalf("verify %s: %s", filepath.Base(f), r)
		}
	}
}
