package e2e

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const trapTerm = `trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done`

// A signal to a foreground `roost run` reaches the container (--sig-proxy,
// the default); roost then exits with the container's code.
func TestSigProxyForwardsToContainer(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			cmd, out := e.start("--runtime", rt, "run", "--rm", "--name", "trap", busybox, "sh", "-c", trapTerm)
			// The loop's sleep runs only after the trap is set.
			waitForContainerProcess(t, e, "sleep")
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := waitCmd(t, cmd); code != 9 {
				t.Fatalf("roost should exit with the trap's 9, got %d; output:\n%s", code, out)
			}
			if out.String() != "got-term\n" {
				t.Fatalf("the container should print got-term, output:\n%q", out)
			}
			if ps := e.roostOK("ps", "-aq"); ps != "" {
				t.Fatalf("--rm left %q", ps)
			}
			assertNoContainerLeftovers(t, e)
		})
	}
}

// With --sig-proxy=false the signal ends roost only; the container runs on.
func TestSigProxyFalseKeepsSignalsFromContainer(t *testing.T) {
	e := pulled(t)
	cmd, out := e.start("run", "--sig-proxy=false", "--name", "trap", busybox, "sh", "-c",
		`trap "echo got-term" TERM; trap "echo got-usr1" USR1; while :; do sleep 0.1; done`)
	waitForContainerProcess(t, e, "sleep")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitCmd(t, cmd); code != -1 {
		t.Fatalf("SIGTERM should end roost itself, got exit %d; output:\n%s", code, out)
	}
	// A signal that had been forwarded would be handled no later than the
	// USR1 sent now: after two USR1 runs of the trap, got-term would show.
	for n := 1; n <= 2; n++ {
		e.roostOK("kill", "-s", "USR1", "trap")
		eventually(t, secs(10), func() error {
			if got := strings.Count(e.roostOK("logs", "trap"), "got-usr1\n"); got != n {
				return fmt.Errorf("want %d got-usr1 lines, got %d", n, got)
			}
			return nil
		})
	}
	if logs := e.roostOK("logs", "trap"); logs != "got-usr1\ngot-usr1\n" {
		t.Fatalf("the container should not have seen roost's SIGTERM, logs: %q", logs)
	}
	assertRunning(t, e, "trap")
	e.roostOK("rm", "-f", "trap")
	assertNoContainerLeftovers(t, e)
}

// waitCmd waits for a command started with env.start and returns its exit
// code (-1 when a signal ended it).
func waitCmd(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(commandTimout):
		killGroup(cmd)
		t.Fatal(fmt.Errorf("roost did not exit within %v", commandTimout))
		return -1
	}
}

// pod kill reads its signal as kill does, with Podman's words for a bad one.
func TestPodKillSignalParsedAsKill(t *testing.T) {
	e := newEnv(t)
	for _, s := range []string{"0", "SIGBADSIG", "65", "-SIG"} {
		out := e.roostFails(125, "pod", "kill", "-s", s, "nosuchpod")
		want := "Error: invalid signal: " + strings.TrimPrefix(s, "-")
		if s == "65" {
			want = "Error: valid signals are 1 through 64"
		}
		if !strings.Contains(out, want) {
			t.Errorf("pod kill -s %s: %q, want %q", s, out, want)
		}
	}
}

// A bad signal's error keeps its trailing space, as Podman prints it
// ("invalid signal: " for `kill -s -`): the one-line folding must not eat it.
func TestKillInvalidSignalKeepsTrailingSpace(t *testing.T) {
	e := newEnv(t)
	for s, want := range map[string]string{"-": "Error: invalid signal: \n", " ": "Error: invalid signal:  \n"} {
		for _, verb := range [][]string{{"kill"}, {"pod", "kill"}} {
			args := append(append([]string{}, verb...), "-s", s, "nosuch")
			r := e.roost(args...)
			if r.Code != 125 || r.Stderr != want {
				t.Errorf("roost %q: want exit 125 and stderr %q, got %s", args, want, r)
			}
		}
	}
}

// create --stop-signal reads a number as kill does, in Podman's words.
func TestCreateStopSignalOutOfRange(t *testing.T) {
	e := pulled(t)
	r := e.roost("create", "--name", "badstop", "--stop-signal=99", busybox)
	if r.Code != 125 || r.Stderr != "Error: valid signals are 1 through 64\n" {
		t.Fatalf("create --stop-signal=99: %s", r)
	}
	if r := e.roost("container", "exists", "badstop"); r.Code != 1 {
		t.Fatalf("a refused create left a container: %s", r)
	}
}
