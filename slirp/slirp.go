// Package slirp starts and watches the user-mode network helpers that give a
// rootless network namespace its way out: slirp4netns or pasta. A helper runs
// in its own session (setsid), outlives the command that started it, and is
// found again through a pid file holding its pid and start time.
package slirp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roost-containers/roost/pkg/proc"
)

// Backends.
const (
	Slirp4netns = "slirp4netns"
	Pasta       = "pasta"
)

// Tap is the interface the helper makes in the namespace.
const Tap = "tap0"

// Addresses slirp4netns uses with --configure (its defaults).
const (
	SlirpGateway = "10.0.2.2" // reaches the host's loopback when allowed
	SlirpDNS     = "10.0.2.3" // slirp's own DNS forwarder
)

// Options start one helper.
type Options struct {
	Backend string
	NetNS   string // the namespace file to attach to
	PidFile string // where the helper's pid and start time are kept
	LogFile string // the helper's output, for diagnosis
	MTU     int
	// Extra are user options (--network slirp4netns:OPTS or pasta:OPTS).
	Extra []string
	// AllowHostLoopback lets the namespace reach the host's 127.0.0.1 at
	// SlirpGateway (slirp4netns; pasta always maps its gateway to the host).
	AllowHostLoopback bool
	// TCPPorts and UDPPorts are pasta's own port forwarding specs (-t, -u:
	// "[ADDR/]PORT:TARGET,..."), which keep the client's source address;
	// empty forwards nothing.
	TCPPorts, UDPPorts string
}

// Record is what the pid file holds.
type Record struct {
	Backend   string `json:"backend"`
	Pid       int    `json:"pid"`
	StartTime uint64 `json:"startTime"`
}

// Binary finds the helper's program with a clear error naming its package.
func Binary(backend string) (string, error) {
	name, pkg := Slirp4netns, "slirp4netns"
	if backend == Pasta {
		name, pkg = "pasta", "passt"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed: install the %s package (e.g. `sudo apt-get install %s`)", name, pkg, pkg)
	}
	return p, nil
}

// Start runs the helper attached to o.NetNS, waits until the namespace is
// configured, and records its pid.
func Start(o Options) (*Record, error) {
	switch o.Backend {
	case Slirp4netns, "":
		return startSlirp(o)
	case Pasta:
		return startPasta(o)
	}
	return nil, fmt.Errorf("unknown network backend %q: use slirp4netns or pasta", o.Backend)
}

func startSlirp(o Options) (*Record, error) {
	bin, err := Binary(Slirp4netns)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	args := []string{"--configure", "--mtu=" + strconv.Itoa(o.MTU), "--enable-sandbox", "--enable-seccomp", "--ready-fd=3", "--netns-type=path"}
	if !o.AllowHostLoopback {
		args = append(args, "--disable-host-loopback")
	}
	args = append(args, o.Extra...)
	args = append(args, o.NetNS, Tap)
	cmd := exec.Command(bin, args...)
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := attachLog(cmd, o.LogFile); err != nil {
		w.Close()
		return nil, err
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("start slirp4netns: %w", err)
	}
	if err := waitReady(r, 10*time.Second); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("slirp4netns did not configure the namespace: %w%s", err, logTail(o.LogFile))
	}
	rec := &Record{Backend: Slirp4netns, Pid: cmd.Process.Pid}
	rec.StartTime, _ = proc.StartTime(rec.Pid)
	// The helper lives on in its own session; should this process (the API
	// service) outlive it, it is collected when it ends.
	go func() { _ = cmd.Wait() }()
	return rec, writeRecord(o.PidFile, rec)
}

func startPasta(o Options) (*Record, error) {
	bin, err := Binary(Pasta)
	if err != nil {
		return nil, err
	}
	pidFile := o.PidFile + ".pasta"
	_ = os.Remove(pidFile)
	args := []string{"--config-net", "--quiet", "--netns-only", "--netns", o.NetNS, "--mtu", strconv.Itoa(o.MTU),
		"--ns-ifname", Tap, "--pid", pidFile, "-t", orNone(o.TCPPorts), "-u", orNone(o.UDPPorts), "-T", "none", "-U", "none"}
	args = append(args, o.Extra...)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := attachLog(cmd, o.LogFile); err != nil {
		return nil, err
	}
	// pasta configures the namespace, then forks into the background and
	// the first process exits: its exit means "ready".
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pasta did not configure the namespace: %w%s", err, logTail(o.LogFile))
	}
	b, err := os.ReadFile(pidFile)
	_ = os.Remove(pidFile)
	if err != nil {
		return nil, fmt.Errorf("pasta wrote no pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("pasta's pid file: %w", err)
	}
	rec := &Record{Backend: Pasta, Pid: pid}
	rec.StartTime, _ = proc.StartTime(pid)
	return rec, writeRecord(o.PidFile, rec)
}

func orNone(spec string) string {
	if spec == "" {
		return "none"
	}
	return spec
}

func attachLog(cmd *exec.Cmd, path string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("helper log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	return nil
}

func logTail(path string) string {
	b, _ := os.ReadFile(path)
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[len(s)-300:]
	}
	if s == "" {
		return ""
	}
	return ": " + strings.Join(strings.Fields(s), " ")
}

// waitReady reads slirp4netns's ready byte.
func waitReady(r *os.File, d time.Duration) error {
	_ = r.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1)
	n, err := r.Read(buf)
	if n == 1 && buf[0] == '1' {
		return nil
	}
	if err == nil {
		err = errors.New("unexpected ready message")
	}
	return err
}

func writeRecord(path string, rec *Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write helper pid file: %w", err)
	}
	return os.Rename(tmp, path)
}

// Read returns the helper recorded in pidFile and whether it still runs
// (the same process: pid and start time match).
func Read(pidFile string) (*Record, bool) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil, false
	}
	var rec Record
	if json.Unmarshal(b, &rec) != nil || rec.Pid <= 0 {
		return nil, false
	}
	st, err := proc.StartTime(rec.Pid)
	return &rec, err == nil && st == rec.StartTime && !proc.Zombie(rec.Pid)
}

// Stop kills the helper recorded in pidFile (if it is still that process)
// and removes the file.
func Stop(pidFile string) {
	if rec, alive := Read(pidFile); alive {
		_ = syscall.Kill(rec.Pid, syscall.SIGKILL)
		waitGone(rec.Pid, rec.StartTime, 2*time.Second)
	}
	_ = os.Remove(pidFile)
}

func waitGone(pid int, start uint64, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		st, err := proc.StartTime(pid)
		if err != nil || st != start || proc.Zombie(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// StopStrays kills every slirp4netns or pasta of this user attached to
// netns: one whose starter was killed before it could record the pid is
// found by the namespace path on its command line.
func StopStrays(netns string) {
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + ent.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if name := filepath.Base(args[0]); name != Slirp4netns && name != Pasta && name != "passt" {
			continue
		}
		if !slices.Contains(args[1:], netns) {
			continue
		}
		st, _ := proc.StartTime(pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone(pid, st, 2*time.Second)
	}
}
