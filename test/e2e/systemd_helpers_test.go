package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// userSystemd is a real systemd (system manager, then the test user's user
// manager through linger) booted in its own PID, mount and UTS namespaces,
// as /work/shared/TESTING.md says: tmpfiles configuration hidden (it would
// empty the shared /tmp), and, beyond that recipe, a private /sys/fs/cgroup
// tmpfs holding the host's hierarchies (systemd would otherwise add
// controller directories to the host's tmpfs and remount it read-only, which
// breaks crun as root for everyone), and a private /run (two systemds
// sharing the host's /run fight over /run/systemd's sockets). Inside it the test user's HOME is the
// test's env.Home, bind-mounted on the user's home directory, and
// XDG_RUNTIME_DIR is logind's /run/user/UID.
type userSystemd struct {
	t        *testing.T
	e        *env
	cmd      *exec.Cmd
	pid      int    // systemd's pid on the host
	homeDir  string // the user's home directory as systemd sees it
	unitDir  string // ~/.config/systemd/user on the host (the bind's source)
	cgBefore string
}

// bootSystemd boots systemd for e and shuts it down when the test ends.
func bootSystemd(t *testing.T, e *env) *userSystemd {
	t.Helper()
	u, err := user.Lookup(e.User)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/run/empty-tmpfiles"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cg := filepath.Join(filepath.Dir(e.Home), "cgroup")
	if err := os.MkdirAll(cg, 0o700); err != nil {
		t.Fatal(err)
	}
	s := &userSystemd{t: t, e: e, homeDir: u.HomeDir, cgBefore: cgroupRootListing(t)}
	s.unitDir = filepath.Join(e.Home, ".config/systemd/user")
	mustDir(t, filepath.Join(e.Home, ".config"), e.UID, e.GID)
	mustDir(t, filepath.Join(e.Home, ".config/systemd"), e.UID, e.GID)
	mustDir(t, s.unitDir, e.UID, e.GID)
	script := `set -e
mount --bind /run/empty-tmpfiles /usr/lib/tmpfiles.d
mount --bind /run/empty-tmpfiles /etc/tmpfiles.d
mount --bind "$E2E_HOME" "$E2E_USER_HOME"
mount --rbind /sys/fs/cgroup "$E2E_CG"
mount -t tmpfs -o mode=755 cgroup-root /sys/fs/cgroup
for d in "$E2E_CG"/*; do
  n=${d##*/}
  if [ -L "$d" ]; then ln -s "$(readlink "$d")" "/sys/fs/cgroup/$n"
  elif [ -d "$d" ]; then mkdir "/sys/fs/cgroup/$n"; mount --rbind "$d" "/sys/fs/cgroup/$n"; fi
done
umount -l "$E2E_CG"
mount -t tmpfs -o mode=755,nosuid,nodev e2e-run /run
exec env container=unshare /lib/systemd/systemd --system --unit=multi-user.target`
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount", "--uts", "--mount-proc", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "E2E_HOME="+e.Home, "E2E_USER_HOME="+u.HomeDir, "E2E_CG="+cg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	s.cmd = cmd
	t.Cleanup(s.shutdown)
	eventually(t, 10*time.Second, func() error {
		s.pid = childOf(cmd.Process.Pid)
		if s.pid == 0 {
			return fmt.Errorf("systemd did not start: %s", out.String())
		}
		return nil
	})
	s.waitRunning(nil, "the system manager")
	if r := s.root("loginctl", "enable-linger", e.User); r.Code != 0 {
		t.Fatalf("enable-linger: %s", r)
	}
	s.waitRunning([]string{"--user"}, "the user manager")
	return s
}

// childOf is the first child of pid (unshare's forked child, which execs
// systemd), 0 if there is none yet.
func childOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	child, _ := strconv.Atoi(f[0])
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", child)); strings.TrimSpace(string(comm)) != "systemd" {
		return 0
	}
	return child
}

func (s *userSystemd) waitRunning(userFlag []string, what string) {
	s.t.Helper()
	// Only a hang fails here: a loaded 2-core machine has taken over 60 s
	// to boot the sandbox's system manager.
	eventually(s.t, 180*time.Second, func() error {
		var r result
		if userFlag == nil {
			r = s.root("systemctl", "is-system-running")
		} else {
			r = s.user("systemctl", "--user", "is-system-running")
		}
		switch strings.TrimSpace(r.Stdout) {
		case "running", "degraded":
			return nil
		}
		return fmt.Errorf("%s is not up: %s", what, r)
	})
}

// shutdown powers systemd off, waits for it, and checks the host's cgroup
// root was left alone.
func (s *userSystemd) shutdown() {
	if s.pid > 0 {
		s.root("systemctl", "poweroff")
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		// unshare's child is the namespace's init: killing it ends them all.
		if s.pid > 0 {
			syscall.Kill(s.pid, syscall.SIGKILL)
		}
		syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	if after := cgroupRootListing(s.t); after != s.cgBefore {
		s.t.Errorf("systemd changed the host's /sys/fs/cgroup:\nbefore: %s\nafter:  %s", s.cgBefore, after)
	}
}

func cgroupRootListing(t *testing.T) string {
	ents, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// nsenter runs a program in systemd's namespaces.
func (s *userSystemd) nsenter(args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimout)
	defer cancel()
	full := append([]string{"-t", strconv.Itoa(s.pid), "-m", "-p", "-u"}, args...)
	cmd := exec.CommandContext(ctx, "nsenter", full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("nsenter %v: %v", args, err)
	}
	return r
}

// root runs a program as root inside.
func (s *userSystemd) root(args ...string) result {
	s.t.Helper()
	return s.nsenter(args...)
}

// userEnv is the test user's environment inside, as a login session has it.
func (s *userSystemd) userEnv() []string {
	rt := fmt.Sprintf("/run/user/%d", s.e.UID)
	return []string{
		"HOME=" + s.homeDir, "USER=" + s.e.User, "LOGNAME=" + s.e.User,
		"XDG_RUNTIME_DIR=" + rt, "DBUS_SESSION_BUS_ADDRESS=unix:path=" + rt + "/bus",
		"PATH=" + binDir + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG=C.UTF-8",
	}
}

// user runs a program as the test user inside, from its home directory.
func (s *userSystemd) user(args ...string) result {
	s.t.Helper()
	full := append([]string{"runuser", "-u", s.e.User, "--", "env", "-C", s.homeDir, "-i"}, s.userEnv()...)
	return s.nsenter(append(full, args...)...)
}

// userOK runs a program as the user inside and fails the test unless it exits 0.
func (s *userSystemd) userOK(args ...string) string {
	s.t.Helper()
	return succeeded(s.t, strings.Join(args, " "), s.user(args...))
}

// roost runs roost as the user inside (the same holder and storage as units).
func (s *userSystemd) roost(args ...string) result {
	s.t.Helper()
	return s.user(append([]string{filepath.Join(binDir, "roost")}, args...)...)
}

func (s *userSystemd) roostOK(args ...string) string {
	s.t.Helper()
	return succeeded(s.t, "roost "+strings.Join(args, " "), s.roost(args...))
}

// systemctl runs systemctl --user as the user.
func (s *userSystemd) systemctl(args ...string) result {
	s.t.Helper()
	return s.user(append([]string{"systemctl", "--user"}, args...)...)
}

func (s *userSystemd) systemctlOK(args ...string) string {
	s.t.Helper()
	r := s.systemctl(args...)
	if r.Code != 0 {
		s.t.Fatalf("systemctl --user %s: %s\n%s", strings.Join(args, " "), r, s.journal())
	}
	return r.Stdout
}

// property reads one property of a unit.
func (s *userSystemd) property(unit, prop string) string {
	s.t.Helper()
	return strings.TrimSpace(s.systemctlOK("show", "--value", "-p", prop, unit))
}

// journal is the user manager's recent journal, for failure messages.
func (s *userSystemd) journal() string {
	r := s.root("journalctl", "--no-pager", "-n", "60", "_UID="+strconv.Itoa(s.e.UID))
	return r.Stdout + r.Stderr
}

// writeUnit writes a unit file into the user's unit directory.
func (s *userSystemd) writeUnit(name, content string) {
	s.t.Helper()
	s.e.writeFile(filepath.Join(".config/systemd/user", name), content)
}

// killInside SIGKILLs a pid of systemd's PID namespace.
func (s *userSystemd) killInside(pid string) {
	s.t.Helper()
	if r := s.root("kill", "-KILL", pid); r.Code != 0 {
		s.t.Fatalf("kill %s: %s", pid, r)
	}
}
