package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// quadletSleeper is a .container on an existing network.
const quadletSleeper = `[Container]
Image=` + busybox + `
ContainerName=%s
Network=unitnet
Exec=sleep 100000
`

// TestSystemdSharedProcessesOutliveTheFirstUnit: after a "reboot" the first
// unit's roost starts the namespace holder, the egress helper and the DNS
// responder. They serve every container, so stopping that unit must leave
// them running (in scopes of their own) for the unit still up.
func TestSystemdSharedProcessesOutliveTheFirstUnit(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.installGenerator()
	s.roostOK("pull", "-q", busybox)
	s.roostOK("network", "create", "unitnet")
	s.killRoostNamespace()
	port := hostServer(t, "egress ok")
	for _, name := range []string{"first", "second"} {
		e.writeFile(".config/roost/systemd/"+name+".container", fmt.Sprintf(quadletSleeper, name))
	}
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "first.service")
	holder := s.holder()
	if holder == "" {
		t.Fatalf("the first unit started no namespace holder")
	}
	s.systemctlOK("start", "second.service")
	for _, kind := range []string{"userns", "egress", "dns"} {
		if out := s.systemctlOK("list-units", "--no-legend", "roost-"+kind+"-*.scope"); !strings.Contains(out, "running") {
			t.Fatalf("no running roost-%s scope: %q\n%s", kind, out, s.journal())
		}
	}

	s.systemctlOK("stop", "first.service")
	if st := s.property("second.service", "ActiveState"); st != "active" {
		t.Fatalf("second.service is %s after first.service stopped\n%s", st, s.journal())
	}
	if now := s.holder(); now != holder {
		t.Fatalf("the namespace holder changed from %q to %q when the first unit stopped", holder, now)
	}
	if out := s.roostOK("exec", "second", "nslookup", "second"); !strings.Contains(out, "10.") {
		t.Fatalf("the DNS responder no longer answers for second: %q", out)
	}
	url := fmt.Sprintf("http://host.containers.internal:%d/", port)
	if out := s.roostOK("exec", "second", "timeout", "10", "wget", "-qO-", url); out != "egress ok" {
		t.Fatalf("second no longer reaches the host through the egress helper: %q", out)
	}
	s.systemctlOK("stop", "second.service")
}

// holder is "PID STARTTIME" of the live namespace holder inside systemd's
// PID namespace, "" if there is none.
func (s *userSystemd) holder() string {
	s.t.Helper()
	r := s.root("sh", "-c", fmt.Sprintf(`f=/run/user/%d/roost/userns.pid; test -f $f && kill -0 $(cut -d' ' -f1 $f) && cat $f`, s.e.UID))
	if r.Code != 0 {
		return ""
	}
	return strings.TrimSpace(r.Stdout)
}

// killRoostNamespace SIGKILLs every process of Roost's user namespace, as a
// reboot would end them: the next roost command starts everything anew.
func (s *userSystemd) killRoostNamespace() {
	s.t.Helper()
	script := `f=/run/user/` + strconv.Itoa(s.e.UID) + `/roost/userns.pid
ns=$(readlink /proc/$(cut -d' ' -f1 $f)/ns/user) || exit 0
for p in /proc/[0-9]*; do
  [ "$(readlink $p/ns/user 2>/dev/null)" = "$ns" ] && kill -9 ${p#/proc/} 2>/dev/null
done
true`
	if r := s.root("sh", "-c", script); r.Code != 0 {
		s.t.Fatalf("killing roost's namespace: %s", r)
	}
}
