package dns

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/proc"
	"github.com/roost-containers/roost/pkg/scope"
)

// Files beside the records directory, in RunDir/network.
const (
	pidName  = "dns.pid"  // "PID STARTTIME" of the running responder
	lockName = "dns.lock" // held to start it, and by it to stop
	logName  = "dns.log"  // its stderr
)

// Options tune Ensure; the zero value is the default set-up.
type Options struct {
	// EgressDNS stands in for a loopback upstream (default SlirpDNS).
	EgressDNS string
	// EgressOnly asks EgressDNS alone, never the host's nameservers: pasta
	// relays queries to its --dns-forward address through the host's own
	// resolver set-up, where a plain UDP flow to a host nameserver may not
	// get an answer.
	EgressOnly bool
	// Command starts the responder; it gets --ready-fd 3. Default: this
	// executable's `network dns-serve --run-dir RUNDIR`.
	Command []string
}

// Ensure starts the responder unless it runs already: cheap when it does (a
// lock, a pid file, one /proc read). Call it after writing a records file.
func Ensure(runDir string) error { return EnsureWith(runDir, Options{}) }

// EnsureWith is Ensure with options.
func EnsureWith(runDir string, o Options) error {
	unlock, err := lock(runDir)
	if err != nil {
		return err
	}
	defer unlock()
	if running(runDir) {
		return nil
	}
	return start(runDir, o)
}

// Stop ends the responder: its sockets live in the shared network namespace,
// so it must go with that namespace, or a responder left bound in a removed
// namespace would keep answering nobody in the next one.
func Stop(runDir string) {
	unlock, err := lock(runDir)
	if err != nil {
		return
	}
	defer unlock()
	pidPath := filepath.Join(runDir, "network", pidName)
	b, err := os.ReadFile(pidPath)
	if err != nil {
		return
	}
	var pid int
	var start uint64
	if _, err := fmt.Sscanf(string(b), "%d %d", &pid, &start); err == nil && pid > 0 {
		if now, err := proc.StartTime(pid); err == nil && now == start {
			_ = unix.Kill(pid, unix.SIGKILL)
			for i := 0; i < 200 && !proc.Zombie(pid); i++ {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	_ = os.Remove(pidPath)
}

// lock takes the responder's lock (blocking): starting and stopping it never
// cross, so a member added while it decides to stop is never missed.
func lock(runDir string) (unlock func(), err error) {
	dir := filepath.Join(runDir, "network")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock the DNS responder: %w", err)
	}
	return func() { f.Close() }, nil
}

// running says the pid file names a live process, the same one (start time).
func running(runDir string) bool {
	b, err := os.ReadFile(filepath.Join(runDir, "network", pidName))
	if err != nil {
		return false
	}
	var pid int
	var start uint64
	if _, err := fmt.Sscanf(string(b), "%d %d", &pid, &start); err != nil || pid <= 0 {
		return false
	}
	now, err := proc.StartTime(pid)
	return err == nil && now == start
}

// start runs the responder in its own session and waits for its first
// report on the ready pipe.
func start(runDir string, o Options) error {
	args := o.Command
	if len(args) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		args = []string{exe, "network", "dns-serve", "--run-dir", runDir}
		if o.EgressDNS != "" {
			args = append(args, "--egress-dns", o.EgressDNS)
		}
		if o.EgressOnly {
			args = append(args, "--egress-only")
		}
	}
	args = append(args, "--ready-fd", "3")
	logf, err := os.OpenFile(filepath.Join(runDir, "network", logName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("start the DNS responder: %w", err)
	}
	// It answers for every network's containers, not only the unit's that
	// started it; a failed move is survivable, ensure restarts a dead one.
	_ = scope.Move("dns", "Roost DNS responder", cmd.Process.Pid)
	go cmd.Wait() // reap it if it ends while this process still runs
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	msg, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("the DNS responder did not report: %w (see %s)", err, logf.Name())
	}
	if s := strings.TrimSpace(string(msg)); s != "ok" {
		if s == "" {
			s = "it exited at once"
		}
		return fmt.Errorf("the DNS responder cannot start: %s", s)
	}
	return nil
}

// ServeOptions are the responder process's settings.
type ServeOptions struct {
	RunDir     string
	NetNS      string // the shared network namespace (RunDir/netns/roost)
	EgressDNS  string // default SlirpDNS
	EgressOnly bool   // upstream is EgressDNS alone (see Options)
	Port       int    // default 53
	// Sockets overrides NetNS (tests).
	Sockets Sockets
	Logf    func(string, ...any)
}

// Serve is the responder process's life: it writes the pid file, reports on
// ready, answers until no network has running members, then removes the pid
// file and closes its sockets before another can start.
func Serve(ctx context.Context, o ServeOptions, ready func(error)) error {
	if o.EgressDNS == "" {
		o.EgressDNS = SlirpDNS
	}
	if o.Port == 0 {
		o.Port = 53
	}
	sockets := o.Sockets
	if sockets == nil {
		if _, err := os.Stat(o.NetNS); err != nil {
			err = fmt.Errorf("no network namespace at %s: %w", o.NetNS, err)
			ready(err)
			return err
		}
		sockets = NetNSSockets{Path: o.NetNS}
	}
	pidPath := filepath.Join(o.RunDir, "network", pidName)
	st, err := proc.StartTime(os.Getpid())
	if err == nil {
		err = os.MkdirAll(filepath.Dir(pidPath), 0o700)
	}
	if err == nil {
		err = os.WriteFile(pidPath, []byte(fmt.Sprintf("%d %d\n", os.Getpid(), st)), 0o600)
	}
	if err != nil {
		ready(err)
		return err
	}
	upstreams := Upstreams("/etc/resolv.conf", o.EgressDNS)
	if o.EgressOnly {
		upstreams = []string{net.JoinHostPort(o.EgressDNS, "53")}
	}
	var unlock func()
	srv := &Server{
		Dir:       Dir(o.RunDir),
		Port:      o.Port,
		Upstreams: upstreams,
		Sockets:   sockets,
		Logf:      o.Logf,
		OnEmpty: func(stillEmpty func() bool) bool {
			u, err := lock(o.RunDir)
			if err != nil {
				return false
			}
			if !stillEmpty() {
				u()
				return false
			}
			os.Remove(pidPath)
			unlock = u // held until the sockets are closed
			return true
		},
	}
	err = srv.Run(ctx, ready)
	if unlock != nil {
		unlock()
	} else {
		removeIfOurs(pidPath)
	}
	return err
}

// removeIfOurs removes the pid file if it still names this process.
func removeIfOurs(path string) {
	b, err := os.ReadFile(path)
	if err == nil && strings.HasPrefix(string(b), strconv.Itoa(os.Getpid())+" ") {
		os.Remove(path)
	}
}

// ReadyReporter writes the responder's first report on fd (Ensure's pipe):
// "ok", or the error, then closes it. A negative fd reports nowhere.
func ReadyReporter(fd int) func(error) {
	return func(err error) {
		if fd < 0 {
			return
		}
		f := os.NewFile(uintptr(fd), "ready")
		if err != nil {
			fmt.Fprintln(f, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintln(f, "ok")
		}
		f.Close()
	}
}
