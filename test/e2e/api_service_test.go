package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAPISocketActivation: `roost systemd install` writes roost.socket and
// roost.service; with the socket enabled in a real user manager, `docker
// version` through it starts the service, which serves on the descriptor
// systemd passed, exits when idle (--time 5, the default), and the socket
// starts it again for the next request. `roost info` names the socket.
func TestAPISocketActivation(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	out := s.roostOK("systemd", "install")
	for _, u := range []string{"roost.socket", "roost.service"} {
		p := filepath.Join(s.homeDir, ".config/systemd/user", u)
		if !strings.Contains(out, p) {
			t.Fatalf("systemd install did not write %s: %q", p, out)
		}
		if r := s.user("systemd-analyze", "verify", "--user", p); r.Code != 0 {
			t.Fatalf("verify %s: %s", u, r)
		}
	}
	s.systemctlOK("daemon-reload")
	s.systemctlOK("enable", "--now", "roost.socket")
	if st := s.property("roost.socket", "ActiveState"); st != "active" {
		t.Fatalf("roost.socket is %s\n%s", st, s.journal())
	}
	sock := fmt.Sprintf("/run/user/%d/roost/roost.sock", e.UID)
	if mode := strings.TrimSpace(s.userOK("stat", "-c", "%a", sock)); mode != "600" {
		t.Fatalf("socket mode %s, want 600", mode)
	}
	if st := s.property("roost.service", "ActiveState"); st != "inactive" {
		t.Fatalf("roost.service is %s before any request", st)
	}

	docker := func(args ...string) string {
		t.Helper()
		return s.userOK(append([]string{"env", "DOCKER_HOST=unix://" + sock, dockerCLI(t)}, args...)...)
	}
	version := strings.TrimSpace(s.roostOK("version", "--format", "{{.Client.Version}}"))
	if got := strings.TrimSpace(docker("version", "--format", "{{.Server.Version}}")); got != version {
		t.Fatalf("docker version through the socket: %q, want %q", got, version)
	}
	// The service was the first to need the user's namespace: it started
	// the holder. (roost info joins it only now.)
	info := s.roostOK("info", "--format", "{{.Host.RemoteSocket.Path}} {{.Host.RemoteSocket.Exists}}")
	if want := "unix://" + sock + " true"; strings.TrimSpace(info) != want {
		t.Fatalf("roost info says the socket is %q, want %q", info, want)
	}
	firstPID := s.property("roost.service", "MainPID")
	if firstPID == "0" || s.property("roost.service", "ActiveState") != "active" {
		t.Fatalf("the request did not start roost.service (MainPID %s)\n%s", firstPID, s.journal())
	}
	// Idle for --time (5 s): the service exits cleanly, the socket stays.
	eventually(t, 60*time.Second, func() error {
		if st := s.property("roost.service", "ActiveState"); st != "inactive" {
			return fmt.Errorf("roost.service still %s", st)
		}
		return nil
	})
	if res := s.property("roost.service", "Result"); res != "success" {
		t.Fatalf("roost.service ended with %s\n%s", res, s.journal())
	}
	if st := s.property("roost.socket", "ActiveState"); st != "active" {
		t.Fatalf("after the service's idle exit roost.socket is %s", st)
	}
	// Only systemd holds the listening socket now: the namespace holder the
	// service started kept no copy of it (it closes what it inherits), else a
	// stopped socket unit would leave connections hanging on a socket no one
	// serves.
	holders := s.root("ss", "-xlpH", "src", sock).Stdout
	if _, users, _ := strings.Cut(holders, "users:"); !strings.Contains(users, `"systemd"`) || strings.Contains(users, "roost") {
		t.Fatalf("processes holding the listening socket after the service exited: %q", holders)
	}
	// The next connection starts it again.
	s.roostOK("pull", "-q", busyboxRef)
	if got := docker("images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(got, busyboxRef) {
		t.Fatalf("docker images through the restarted service: %q", got)
	}
	if pid := s.property("roost.service", "MainPID"); pid == "0" || pid == firstPID {
		t.Fatalf("the second request did not start a new service (MainPID %s, first %s)", pid, firstPID)
	}
}
