package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemdGenerateNewUnit: a unit from `generate systemd --new` passes
// systemd-analyze verify, starts the container (active only once it runs),
// is restarted by systemd when the container's process is killed, and its
// stop removes the container.
func TestSystemdGenerateNewUnit(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.roostOK("create", "--name", "web", "-e", "GREETING=hello world", busybox, "sh", "-c", "echo $GREETING 100% > /tmp/said; exec sleep 100000")
	unit := strings.TrimSpace(s.roostOK("generate", "systemd", "--new", "--files", "--restart-sec", "1", "web"))
	if unit != filepath.Join(s.homeDir, "container-web.service") {
		t.Fatalf("--files printed %q", unit)
	}
	s.userOK("mv", unit, filepath.Join(s.homeDir, ".config/systemd/user/"))
	if r := s.user("systemd-analyze", "verify", "--user", filepath.Join(s.homeDir, ".config/systemd/user/container-web.service")); r.Code != 0 {
		t.Fatalf("systemd-analyze verify: %s", r)
	}
	s.roostOK("rm", "web") // the unit makes it anew
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "container-web.service")

	// conmon mode: start returned, so READY=1 came, and the container runs.
	first := s.runningContainer("web")
	if got := s.property("container-web.service", "MainPID"); got != first.monitorPid {
		t.Fatalf("MainPID %s, want the monitor's pid %s", got, first.monitorPid)
	}
	if out := s.roostOK("exec", "web", "cat", "/tmp/said"); out != "hello world 100%\n" {
		t.Fatalf("the container's command lost its quoting: %q", out)
	}
	if label := strings.TrimSpace(s.roostOK("inspect", "--format", `{{index .Config.Labels "io.roost.systemd.unit"}}`, "web")); label != "container-web.service" {
		t.Fatalf("unit label %q", label)
	}

	s.killInside(first.pid)
	eventually(t, 60*time.Second, func() error {
		if n := s.property("container-web.service", "NRestarts"); n == "0" {
			return fmt.Errorf("not restarted yet")
		}
		if st := s.property("container-web.service", "ActiveState"); st != "active" {
			return fmt.Errorf("unit is %s", st)
		}
		return nil
	})
	second := s.runningContainer("web")
	if second.id == first.id {
		t.Fatalf("the restarted unit kept container %s: --new makes it anew", first.id)
	}

	s.systemctlOK("stop", "container-web.service")
	if st := s.property("container-web.service", "ActiveState"); st != "inactive" {
		t.Fatalf("after stop the unit is %s (Result=%s)\n%s", st, s.property("container-web.service", "Result"), s.journal())
	}
	if out := s.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.TrimSpace(out) != "" {
		t.Fatalf("stop left containers: %q", out)
	}
}

// TestSystemdGenerateExistingContainer: without --new the unit starts and
// stops the container that exists, and leaves it in place.
func TestSystemdGenerateExistingContainer(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	id := strings.TrimSpace(s.roostOK("create", "--name", "kept", busybox, "sleep", "100000"))
	out := s.roostOK("generate", "systemd", "--name", "--no-header", "--stop-timeout", "3", "--after", "basic.target", "kept")
	if strings.HasPrefix(out, "#") || !strings.Contains(out, "After=basic.target") || !strings.Contains(out, "stop --time=3 kept") {
		t.Fatalf("unit:\n%s", out)
	}
	s.writeUnit("container-kept.service", out)
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "container-kept.service")
	if c := s.runningContainer("kept"); c.id != id {
		t.Fatalf("the unit ran container %s, want %s", c.id, id)
	}
	s.systemctlOK("stop", "container-kept.service")
	if st := strings.TrimSpace(s.roostOK("inspect", "--format", "{{.State.Status}}", "kept")); st != "exited" {
		t.Fatalf("after stop the container is %q, want exited and kept", st)
	}
}

// TestSystemdNotifyContainerMode: with --sdnotify=container the unit stays
// "activating" while the container runs without having said READY=1, and
// becomes active when it says it (through the socket the monitor offers).
func TestSystemdNotifyContainerMode(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	helper := buildNotifyHelper(t)
	s.writeUnit("ready.service", fmt.Sprintf(`[Unit]
Description=container that says READY=1 itself

[Service]
Type=notify
NotifyAccess=all
ExecStart=%s run -d --rm --name ready --sdnotify=container -v %s:/notify:ro %s sh -c "while [ ! -e /tmp/go ]; do sleep 0.1; done; /notify READY=1; exec sleep 100000"
ExecStop=-%[1]s stop --time=1 ready
`, filepath.Join(binDir, "roost"), helper, busybox))
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "--no-block", "ready.service")
	c := waitRunning(s, "ready")
	if st := s.property("ready.service", "ActiveState"); st != "activating" {
		t.Fatalf("before READY=1 the unit is %s, want activating", st)
	}
	if env := s.roostOK("exec", "ready", "sh", "-c", "echo $NOTIFY_SOCKET"); env != "/run/notify/notify.sock\n" {
		t.Fatalf("NOTIFY_SOCKET inside: %q", env)
	}
	s.roostOK("exec", "ready", "touch", "/tmp/go")
	eventually(t, 30*time.Second, func() error {
		if st := s.property("ready.service", "ActiveState"); st != "active" {
			return fmt.Errorf("after READY=1 the unit is %s", st)
		}
		return nil
	})
	if got := s.property("ready.service", "MainPID"); got != c.monitorPid {
		t.Fatalf("MainPID %s, want the monitor's %s", got, c.monitorPid)
	}
	s.systemctlOK("stop", "ready.service")
}

// TestSystemdGenerateBadInput: clear errors, nothing written.
func TestSystemdGenerateBadInput(t *testing.T) {
	e := pulled(t)
	dir := e.Home
	for _, args := range [][]string{
		{"generate", "systemd", "--files", "nosuch"},
		{"generate", "systemd", "--files", "--restart-policy", "sometimes", "nosuch"},
		{"generate", "systemd", "--files", "--format", "yaml", "nosuch"},
		{"generate", "systemd", "--files"},
	} {
		e.roostFails(125, args...)
	}
	e.roostOK("create", "--name", "c1", busybox, "true")
	msg := e.roostFails(125, "generate", "systemd", "--files", "--restart-policy", "sometimes", "c1")
	if !strings.Contains(msg, "--restart-policy") {
		t.Fatalf("error does not name the flag: %s", msg)
	}
	if msg := e.roostFails(125, "create", "--sdnotify", "loud", busybox, "true"); !strings.Contains(msg, "--sdnotify") {
		t.Fatalf("error does not name the flag: %s", msg)
	}
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		if strings.HasSuffix(ent.Name(), ".service") {
			t.Fatalf("a failed generate wrote %s", ent.Name())
		}
	}
}

// runningCtr is what the tests need of a running container.
type runningCtr struct{ id, pid, monitorPid string }

// runningContainer reads a container that must be running now.
func (s *userSystemd) runningContainer(name string) runningCtr {
	s.t.Helper()
	out := s.roostOK("inspect", "--format", "{{.ID}} {{.State.Status}} {{.State.Pid}} {{.State.ConmonPid}}", name)
	f := strings.Fields(out)
	if len(f) != 4 || f[1] != "running" {
		s.t.Fatalf("container %s is not running: %q", name, out)
	}
	return runningCtr{id: f[0], pid: f[2], monitorPid: f[3]}
}

// waitRunning waits for a unit to have made a running container.
func waitRunning(s *userSystemd, name string) runningCtr {
	s.t.Helper()
	eventually(s.t, 60*time.Second, func() error {
		out := s.roost("inspect", "--format", "{{.State.Status}}", name).Stdout
		if strings.TrimSpace(out) != "running" {
			return fmt.Errorf("container %s is %q\n%s", name, out, s.journal())
		}
		return nil
	})
	return s.runningContainer(name)
}

// notifyHelper is a container program that sends its arguments as one
// sd_notify datagram to $NOTIFY_SOCKET (busybox cannot).
const notifyHelper = `package main

import (
	"os"
	"strings"
	"syscall"
)

func main() {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		os.Exit(1)
	}
	msg := strings.Join(os.Args[1:], "\n") + "\n"
	if err := syscall.Sendto(fd, []byte(msg), 0, &syscall.SockaddrUnix{Name: os.Getenv("NOTIFY_SOCKET")}); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
`

// buildNotifyHelper builds the helper statically, readable by the test user.
func buildNotifyHelper(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(tmpRoot, "notify-helper")
	out := filepath.Join(dir, "notify")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(notifyHelper), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the notify helper: %v\n%s", err, b)
	}
	return out
}

// TestSystemdTemplateInstances: a --template unit (implied --new) runs one
// container per instance, named NAME-INSTANCE, with the unit's -e variables
// reaching a container made with --env KEY; stopping an instance removes
// its container only.
func TestSystemdTemplateInstances(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.roostOK("create", "--name", "tpl", "--env", "GREETING", busybox, "sh", "-c", "echo \"$GREETING\" > /tmp/g; exec sleep 100000")
	unit := strings.TrimSpace(s.roostOK("generate", "systemd", "--template", "-n", "-e", "GREETING=from the unit", "--files", "tpl"))
	if unit != filepath.Join(s.homeDir, "container-tpl@.service") {
		t.Fatalf("--files printed %q", unit)
	}
	s.userOK("mv", unit, filepath.Join(s.homeDir, ".config/systemd/user/"))
	s.roostOK("rm", "tpl")
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "container-tpl@one.service")
	s.systemctlOK("start", "container-tpl@two.service")
	s.runningContainer("tpl-one")
	s.runningContainer("tpl-two")
	if out := s.roostOK("exec", "tpl-one", "cat", "/tmp/g"); out != "from the unit\n" {
		t.Fatalf("the unit's Environment= did not reach the container: %q", out)
	}
	s.systemctlOK("stop", "container-tpl@one.service")
	if out := strings.TrimSpace(s.roostOK("ps", "-a", "--format", "{{.Names}}")); out != "tpl-two" {
		t.Fatalf("after stopping instance one: %q", out)
	}
	s.systemctlOK("stop", "container-tpl@two.service")
	if out := strings.TrimSpace(s.roostOK("ps", "-a", "--format", "{{.Names}}")); out != "" {
		t.Fatalf("stop left containers: %q", out)
	}
}
