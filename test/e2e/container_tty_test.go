package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// The shell prompt of busybox sh for root in /.
const prompt = "/ # "

// run -it gives a real terminal: the shell reads what the user types, sees
// the terminal's size change, and its exit code is roost's.
func TestRunInteractiveTerminal(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			p := e.startPty("--runtime", rt, "run", "-it", "--rm", busybox, "sh")
			p.expect(prompt, secs(30))
			p.send("echo $((6*7))\r")
			p.expect("\r\n42\r\n", secs(10))
			p.expect(prompt, secs(10))
			p.send("stty size\r")
			p.expect("\r\n24 80\r\n", secs(10))
			p.resize(33, 101)
			// The resize travels roost -> monitor -> pty asynchronously:
			// ask until the shell sees it.
			eventually(t, secs(10), func() error {
				p.send("stty size\r")
				p.expect(prompt, secs(10))
				if !strings.Contains(p.out.String(), "\r\n33 101\r\n") {
					return fmt.Errorf("stty size does not show 33 101 yet")
				}
				return nil
			})
			p.send("tty; exit 3\r")
			p.expect("/dev/pts/0", secs(10))
			if code := p.wait(); code != 3 {
				t.Fatalf("roost should exit with the shell's 3, got %d; terminal:\n%q", code, p.out.String())
			}
			if out := e.roostOK("ps", "-aq"); out != "" {
				t.Fatalf("--rm left %q", out)
			}
			assertNoContainerLeftovers(t, e)
		})
	}
}

// Ctrl-C on the terminal interrupts the shell's foreground command, not the
// shell and not roost.
func TestRunInteractiveCtrlCReachesForeground(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			p := e.startPty("--runtime", rt, "run", "-it", "--rm", busybox, "sh")
			p.expect(prompt, secs(30))
			p.send("sleep 300\r")
			// Wait until sleep really runs before interrupting it.
			waitForContainerProcess(t, e, "sleep")
			p.send("\x03")
			p.expect(prompt, secs(10))
			// An interactive shell drops the rest of an interrupted line, so
			// the status is asked for on the next one: 130 is 128+SIGINT.
			p.send("echo status-$?\r")
			p.expect("status-130", secs(10))
			p.expect(prompt, secs(10))
			eventually(t, secs(10), func() error {
				if n := countNamespaceProcs(e, "sleep"); n != 0 {
					return fmt.Errorf("ctrl-c left %d sleep processes", n)
				}
				return nil
			})
			p.send("exit 0\r")
			if code := p.wait(); code != 0 {
				t.Fatalf("exit 0 after ctrl-c: roost exited %d; terminal:\n%q", code, p.out.String())
			}
		})
	}
}

// ctrl-p ctrl-q detaches from run -it and leaves the container running;
// attach in a new terminal finds the same shell; --detach-keys changes the
// sequence, and the attached client gets the shell's exit code.
func TestDetachKeysAndAttach(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			p := e.startPty("--runtime", rt, "run", "-it", "--name", "shell", busybox, "sh")
			p.expect(prompt, secs(30))
			p.send("MARK=first-run\r")
			p.expect(prompt, secs(10))
			p.send("\x10\x11")
			if code := p.wait(); code != 0 {
				t.Fatalf("detach: roost should exit 0, got %d; terminal:\n%q", code, p.out.String())
			}
			assertRunning(t, e, "shell")

			// attach: the same shell (its variable is still set).
			a := e.startPty("attach", "shell")
			a.send("echo mark=$MARK\r")
			a.expect("mark=first-run", secs(20))
			a.expect(prompt, secs(10))
			a.send("\x10\x11")
			if code := a.wait(); code != 0 {
				t.Fatalf("detach from attach: want exit 0, got %d; terminal:\n%q", code, a.out.String())
			}
			assertRunning(t, e, "shell")

			// Custom keys on attach; then the shell's exit code ends attach.
			a = e.startPty("attach", "--detach-keys", "ctrl-x,x", "shell")
			a.send("echo attached-again\r")
			a.expect("attached-again", secs(20))
			a.expect(prompt, secs(10))
			a.send("\x18x")
			if code := a.wait(); code != 0 {
				t.Fatalf("custom detach keys on attach: want exit 0, got %d; terminal:\n%q", code, a.out.String())
			}
			assertRunning(t, e, "shell")
			a = e.startPty("attach", "shell")
			a.send("exit 5\r")
			if code := a.wait(); code != 5 {
				t.Fatalf("attach should exit with the shell's 5, got %d; terminal:\n%q", code, a.out.String())
			}
			if got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "shell"); got != "exited 5\n" {
				t.Fatalf("after exit: %q", got)
			}

			// Custom keys on run -it.
			p = e.startPty("--runtime", rt, "run", "-it", "--detach-keys", "ctrl-x,x", "--name", "custom", busybox, "sh")
			p.expect(prompt, secs(30))
			p.send("\x18x")
			if code := p.wait(); code != 0 {
				t.Fatalf("--detach-keys ctrl-x,x: roost should exit 0, got %d; terminal:\n%q", code, p.out.String())
			}
			assertRunning(t, e, "custom")
			e.roostOK("rm", "-af")
			assertNoContainerLeftovers(t, e)
		})
	}
}

func assertRunning(t *testing.T, e *env, name string) {
	t.Helper()
	if got := e.roostOK("inspect", "--format", "{{.State.Status}}", name); got != "running\n" {
		t.Fatalf("%s should still run, inspect says %q", name, got)
	}
}
