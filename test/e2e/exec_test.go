package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runningBusybox starts a busybox container that sleeps, with runtime rt.
func runningBusybox(t *testing.T, e *env, rt, name string) {
	t.Helper()
	e.roostOK("--runtime", rt, "run", "-d", "--name", name, busybox, "sleep", "1000")
}

func TestExecExitCodesAndOutput(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			runningBusybox(t, e, rt, "c")
			r := e.roost("exec", "c", "sh", "-c", "echo out; echo err >&2; exit 7")
			if r.Code != 7 || r.Stdout != "out\n" || r.Stderr != "err\n" {
				t.Fatalf("want exit 7 with out/err, got %s", r)
			}
			e.roostFails(127, "exec", "c", "no-such-command")
			e.roostFails(126, "exec", "c", "/etc/passwd")
			e.roostFails(126, "container", "exec", "c", "/etc")
			e.roostFails(125, "exec", "no-such-container", "true")
			e.roostFails(125, "exec", "c")
			e.roostFails(125, "exec", "-w", "relative", "c", "true")
			e.roostFails(125, "exec", "-u", "nosuchuser", "c", "true")
			e.roostFails(125, "exec", "--detach-keys", "ctrl-", "c", "true")
			// A signal ends the process: 128+signal, as a shell reports it.
			if r := e.roost("exec", "c", "sh", "-c", "kill -TERM $$"); r.Code != 128+int(syscall.SIGTERM) {
				t.Fatalf("killed by SIGTERM: want %d, got %s", 128+int(syscall.SIGTERM), r)
			}
			// --latest is the newest container; `container exec` is the same command.
			if out := e.roostOK("container", "exec", "-l", "sh", "-c", "echo latest"); out != "latest\n" {
				t.Fatalf("--latest: %q", out)
			}
			e.roostOK("stop", "-t", "0", "c")
			line := e.roostFails(125, "exec", "c", "true")
			if !strings.Contains(line, "not running") || !strings.Contains(line, "roost start c") {
				t.Fatalf("not running: want a line saying so and what to do, got %q", line)
			}
			e.roostOK("rm", "c")
			assertNoContainerLeftovers(t, e)
		})
	}
}

func TestExecEnvWorkdirUser(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			e.Extra = append(e.Extra, "FROM_HOST=host-value")
			runningBusybox(t, e, rt, "c")
			envFile := e.writeFile("vars.env", "# comment\nFROM_FILE=yes\nB=file\n")
			out := e.roostOK("exec", "-e", "A=1", "-e", "FROM_HOST", "--env-file", envFile, "-e", "B=flag", "-w", "/tmp",
				"c", "sh", "-c", "echo $A $FROM_HOST $FROM_FILE $B $(pwd) $PATH")
			if out != "1 host-value yes flag /tmp /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n" {
				t.Fatalf("env and workdir: %q", out)
			}
			// The container's own settings without flags.
			if out := e.roostOK("exec", "c", "sh", "-c", "echo $(id -u):$(id -g) $(pwd) $HOME"); out != "0:0 / /root\n" {
				t.Fatalf("defaults: %q", out)
			}
			if out := e.roostOK("exec", "-u", "1234:4321", "c", "sh", "-c", "echo $(id -u):$(id -g)"); out != "1234:4321\n" {
				t.Fatalf("-u numbers: %q", out)
			}
			if out := e.roostOK("exec", "-u", "tester", "c", "sh", "-c", "echo $(id -un) $(id -u):$(id -g) $HOME"); out != "tester 1000:1000 /home/tester\n" {
				t.Fatalf("-u name: %q", out)
			}
			// Another user gets no capabilities; --privileged gives all.
			caps := func(args ...string) string {
				out := e.roostOK(append(append([]string{"exec"}, args...), "c", "grep", "CapEff", "/proc/self/status")...)
				return strings.TrimSpace(strings.TrimPrefix(out, "CapEff:"))
			}
			if got := caps("-u", "tester"); got != "0000000000000000" {
				t.Fatalf("non-root exec should have no capabilities: %s", got)
			}
			if def, priv := caps(), caps("--privileged"); def != "00000000800405fb" || priv == def {
				t.Fatalf("capabilities: default %s, --privileged %s", def, priv)
			}
		})
	}
}

// A user by name from an image whose default user is not root.
func TestExecUserByNameFromImage(t *testing.T) {
	e := newEnv(t)
	img := registry + "/debian-user:bookworm"
	e.roostOK("pull", "-q", img)
	e.roostOK("run", "-d", "--name", "d", img, "sleep", "1000")
	if out := e.roostOK("exec", "d", "sh", "-c", "echo $(id -un) $(id -u):$(id -g) $HOME"); out != "app 1001:1001 /home/app\n" {
		t.Fatalf("the container's user: %q", out)
	}
	if out := e.roostOK("exec", "-u", "root", "d", "sh", "-c", "echo $(id -un) $(id -u):$(id -g) $HOME"); out != "root 0:0 /root\n" {
		t.Fatalf("-u root: %q", out)
	}
	if out := e.roostOK("exec", "-u", "app:root", "d", "sh", "-c", "echo $(id -u):$(id -g)"); out != "1001:0\n" {
		t.Fatalf("-u app:root: %q", out)
	}
	e.roostFails(125, "exec", "-u", "app:nosuchgroup", "d", "true")
}

func TestExecStdin(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			runningBusybox(t, e, rt, "c")
			roost := filepath.Join(binDir, "roost")
			r := e.runInput(strings.NewReader("hi\nthere\n"), roost, "exec", "-i", "c", "cat")
			if r.Code != 0 || r.Stdout != "hi\nthere\n" {
				t.Fatalf("exec -i: %s", r)
			}
			// Without -i the process reads nothing.
			r = e.runInput(strings.NewReader("hi\n"), roost, "exec", "c", "cat")
			if r.Code != 0 || r.Stdout != "" {
				t.Fatalf("exec without -i: %s", r)
			}
		})
	}
}

func TestExecDetached(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			runningBusybox(t, e, rt, "c")
			r := e.roost("exec", "-d", "c", "sh", "-c", "sleep 1; echo done > /tmp/marker")
			if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
				t.Fatalf("exec -d should print nothing and exit 0: %s", r)
			}
			eventually(t, secs(20), func() error {
				if r := e.roost("exec", "c", "cat", "/tmp/marker"); r.Stdout != "done\n" {
					return fmt.Errorf("the detached process left no marker: %s", r)
				}
				return nil
			})
			// Once it ended, nothing of it remains: in the container only its
			// init, and in the user's namespace only the holder, the monitor
			// and that init (no zombie, no roost exec, no runtime).
			eventually(t, secs(20), func() error {
				if out := e.roostOK("exec", "c", "ps", "-o", "args"); strings.Contains(out, "marker") {
					return fmt.Errorf("detached process still there:\n%s", out)
				}
				// The default network's egress helper serves the whole
				// namespace, not this container: it is not counted.
				var procs []string
				for _, p := range namespaceProcesses(e) {
					if !strings.HasSuffix(p, " slirp4netns") {
						procs = append(procs, p)
					}
				}
				if len(procs) != 3 {
					return fmt.Errorf("want holder, monitor and container init in the namespace, got %v", procs)
				}
				return nil
			})
			// A detached process that outlives nothing: rm -f ends it too.
			e.roostOK("exec", "-d", "c", "sleep", "600")
			e.roostOK("rm", "-f", "c")
			assertNoContainerLeftovers(t, e)
		})
	}
}

// namespaceProcesses lists the processes in the env's user namespace as
// "pid state comm", zombies included.
func namespaceProcesses(e *env) []string {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", e.holderPid()))
	if err != nil {
		return nil
	}
	var out []string
	for _, pid := range processesInUserNS(ns) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || len(s) < end+3 {
			continue
		}
		out = append(out, fmt.Sprintf("%d %s %s", pid, s[end+2:end+3], s[open+1:end]))
	}
	return out
}

func TestExecForwardsSignals(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			runningBusybox(t, e, rt, "c")
			cmd, out := e.start("exec", "c", "sh", "-c", "trap 'echo got-int; exit 9' INT; echo ready; while :; do sleep 0.1; done")
			defer killGroup(cmd)
			eventually(t, secs(20), func() error {
				if !strings.Contains(out.String(), "ready") {
					return fmt.Errorf("not ready: %q", out.String())
				}
				return nil
			})
			cmd.Process.Signal(syscall.SIGINT)
			err := cmd.Wait()
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 9 || !strings.Contains(out.String(), "got-int") {
				t.Fatalf("SIGINT should reach the process (exit 9): %v, output %q", err, out.String())
			}
		})
	}
}

func TestExecTerminal(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			runningBusybox(t, e, rt, "c")
			p := e.startInPty(40, 100, "exec", "-it", "c", "sh")
			p.expect("# ", secs(20))
			p.send("echo $((6*7)) $TERM; tty\r")
			p.expect("42 xterm", secs(10))
			p.expect("/dev/pts/", secs(10))
			// The first size is the terminal's; a resize reaches the process.
			p.send("stty size\r")
			p.expect("40 100", secs(10))
			p.resize(33, 111)
			eventually(t, secs(10), func() error {
				p.send("stty size\r")
				return p.waitFor("33 111", time.Second)
			})
			p.send("exit 3\r")
			if code := p.wait(); code != 3 {
				t.Fatalf("exec -it: want exit 3, got %d; output %q", code, p.output())
			}
		})
	}
}

func TestExecTerminalDetachKeys(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			runningBusybox(t, e, rt, "c")
			p := e.startInPty(24, 80, "exec", "-it", "c", "sh")
			p.expect("# ", secs(20))
			p.send("exec sleep 4321\r")
			p.send("\x10\x11") // ctrl-p ctrl-q
			if code := p.wait(); code != 0 {
				t.Fatalf("detach: want exit 0, got %d; output %q", code, p.output())
			}
			// The process runs on without its terminal's user.
			eventually(t, secs(10), func() error {
				if out := e.roostOK("exec", "c", "ps", "-o", "args"); !strings.Contains(out, "sleep 4321") {
					return fmt.Errorf("detached process gone:\n%s", out)
				}
				return nil
			})
			// Other detach keys; the default ones then pass through.
			p = e.startInPty(24, 80, "exec", "-it", "--detach-keys", "ctrl-x", "c", "sh")
			p.expect("# ", secs(20))
			p.send("\x18")
			if code := p.wait(); code != 0 {
				t.Fatalf("--detach-keys ctrl-x: want exit 0, got %d; output %q", code, p.output())
			}
			e.roostOK("rm", "-f", "c")
			assertNoContainerLeftovers(t, e)
		})
	}
}
