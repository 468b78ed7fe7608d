package userns

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/proc"
	"github.com/roost-containers/roost/pkg/scope"
)

// Holder is the process that keeps the user's namespaces alive.
type Holder struct {
	Pid       int
	StartTime uint64 // from /proc/PID/stat: tells a live holder from a reused pid
}

// ID names one holder's lifetime: a new ID means the namespaces, and every
// mount made in them, are new.
func (h Holder) ID() string { return fmt.Sprintf("%d:%d", h.Pid, h.StartTime) }

func pidFile(runDir string) string { return filepath.Join(runDir, "userns.pid") }

// ensureHolder returns the running holder, starting one if there is none. A
// file lock makes concurrent commands agree on a single holder.
func ensureHolder(runDir string, uid, gid int) (h Holder, created bool, warning string, err error) {
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return h, false, "", fmt.Errorf("create %s: %w", runDir, err)
	}
	lock, err := os.OpenFile(filepath.Join(runDir, "userns.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return h, false, "", fmt.Errorf("open namespace lock: %w", err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return h, false, "", fmt.Errorf("lock namespace: %w", err)
	}
	if h, err := ReadHolder(runDir); err == nil {
		return h, false, "", nil
	}
	maps, err := UserMappings(uid, gid)
	if err != nil {
		return h, false, "", err
	}
	h, err = startHolder(maps)
	if err != nil {
		return h, false, "", err
	}
	warning = maps.Warning
	if err := scope.Move("userns", "Roost user namespace holder", h.Pid); err != nil {
		warning = strings.TrimPrefix(warning+"; "+fmt.Sprintf("the namespace holder stays in this command's systemd unit (%v): stopping that unit stops every container", err), "; ")
	}
	if err := writeFileAtomic(pidFile(runDir), []byte(fmt.Sprintf("%d %d\n", h.Pid, h.StartTime))); err != nil {
		_ = syscall.Kill(h.Pid, syscall.SIGKILL)
		return h, false, "", err
	}
	return h, true, warning, nil
}

// ReadHolder returns the holder named by the pid file if it is still the same
// process; an error if there is none (never started, killed, or pid reused).
func ReadHolder(runDir string) (Holder, error) {
	var h Holder
	b, err := os.ReadFile(pidFile(runDir))
	if err != nil {
		return h, err
	}
	if _, err := fmt.Sscanf(string(b), "%d %d", &h.Pid, &h.StartTime); err != nil {
		return h, fmt.Errorf("malformed %s: %w", pidFile(runDir), err)
	}
	st, err := proc.StartTime(h.Pid)
	if err != nil || st != h.StartTime || proc.Zombie(h.Pid) {
		return h, fmt.Errorf("namespace holder %d is gone", h.Pid)
	}
	return h, nil
}

// startHolder starts the roost binary in new user and mount namespaces, where
// its C constructor pauses for ever, then maps the user's ids into them.
func startHolder(maps Mappings) (Holder, error) {
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"roost-userns-holder"}
	cmd.Env = []string{"_ROOST_USERNS_HOLDER=1"}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		Setsid:     true,
	}
	if err := cmd.Start(); err != nil {
		return Holder{}, fmt.Errorf("create user namespace: %w (is kernel.unprivileged_userns_clone or user.max_user_namespaces 0?)", err)
	}
	pid := cmd.Process.Pid
	// The holder is a session leader nobody waits for; release it so Go does not
	// keep it as a child of this short-lived command.
	_ = cmd.Process.Release()
	fail := func(err error) (Holder, error) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		return Holder{}, err
	}
	if err := writeMappings(pid, maps); err != nil {
		return fail(err)
	}
	st, err := proc.StartTime(pid)
	if err != nil {
		return fail(fmt.Errorf("namespace holder exited at start: %w", err))
	}
	return Holder{Pid: pid, StartTime: st}, nil
}

// writeMappings maps ids with the setuid helpers when a subordinate range
// exists; a single id the user may map itself.
func writeMappings(pid int, maps Mappings) error {
	if len(maps.UIDs) > 1 {
		if err := runIDMapHelper("newuidmap", pid, maps.UIDs); err != nil {
			return err
		}
		return runIDMapHelper("newgidmap", pid, maps.GIDs)
	}
	proc := fmt.Sprintf("/proc/%d/", pid)
	if err := os.WriteFile(proc+"setgroups", []byte("deny"), 0); err != nil {
		return fmt.Errorf("write %ssetgroups: %w", proc, err)
	}
	if err := os.WriteFile(proc+"gid_map", []byte(maps.GIDs[0].String()), 0); err != nil {
		return fmt.Errorf("write %sgid_map: %w", proc, err)
	}
	if err := os.WriteFile(proc+"uid_map", []byte(maps.UIDs[0].String()), 0); err != nil {
		return fmt.Errorf("write %suid_map: %w", proc, err)
	}
	return nil
}

func runIDMapHelper(name string, pid int, maps []IDMap) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s not found: install the uidmap package (`sudo apt-get install uidmap`)", name)
	}
	args := []string{strconv.Itoa(pid)}
	for _, m := range maps {
		args = append(args, strconv.Itoa(m.ContainerID), strconv.Itoa(m.HostID), strconv.Itoa(m.Size))
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %s: check the ranges in /etc/subuid and /etc/subgid and that %s is setuid root", name, strings.Join(args, " "), strings.TrimSpace(string(out)), path)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}
