package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input to run, create and run -d gets one clear line and Podman's exit
// code, and leaves no record, storage container, mount or run directory.
func TestBadInputLeavesNothing(t *testing.T) {
	e := pulled(t)
	rel := filepath.Join(e.Home, "rel")
	mustDir(t, rel, e.UID, e.GID)
	cases := []struct {
		code int
		args []string // after run/create, before the image
		cmd  []string // after the image
		says string   // part of the message
	}{
		{125, nil, nil, "no-such-image"}, // image replaced below
		{125, []string{"--restart", "bogus"}, []string{"true"}, "bogus"},
		{125, []string{"--restart", "on-failure:x"}, []string{"true"}, "on-failure:x"},
		{125, []string{"--ulimit", "x"}, []string{"true"}, "x"},
		{125, []string{"--shm-size", "-1"}, []string{"true"}, "shm-size"},
		{125, []string{"--stop-signal", "NOPE"}, []string{"true"}, "NOPE"},
		{125, []string{"-v", "relative:path"}, []string{"true"}, "relative:path"},
		{125, []string{"-v", rel + ":path"}, []string{"true"}, "path"},
		{125, []string{"--mount", "type=weird,dst=/x"}, []string{"true"}, "weird"},
		{125, []string{"--log-driver", "nope"}, []string{"true"}, "nope"},
		{125, []string{"-w", "relative"}, []string{"true"}, "relative"},
		{125, []string{"--user", "nosuchuser"}, []string{"true"}, "nosuchuser"},
		{127, nil, []string{"no-such-command"}, "no-such-command"},
		{127, nil, []string{"/bin/no-such-command"}, "no-such-command"},
		{126, nil, []string{"/etc/passwd"}, "/etc/passwd"},
	}
	for _, c := range cases {
		for _, verb := range [][]string{{"run", "--rm"}, {"run"}, {"run", "-d"}, {"create"}} {
			// create does not start: a missing command is found only at start.
			if verb[0] == "create" && c.code != 125 {
				continue
			}
			img := busybox
			if c.args == nil && c.cmd == nil {
				img = registry + "/no-such-image:latest"
			}
			args := append(append(append(append([]string{}, verb...), c.args...), img), c.cmd...)
			msg := e.roostFails(c.code, args...)
			if !strings.Contains(msg, c.says) {
				t.Errorf("roost %s: the error should name %q: %s", strings.Join(args, " "), c.says, msg)
			}
			if c.code == 125 {
				assertNothingMade(t, e, args)
			} else {
				// Podman keeps a container whose command failed to start
				// (exited, with the code) unless --rm: remove it and check
				// that removal leaves nothing.
				if verb[len(verb)-1] != "--rm" {
					e.roostOK("rm", "-af")
				}
				assertNothingMade(t, e, args)
			}
		}
	}
}

// assertNothingMade checks no container record, storage container, run
// directory, mount or process exists.
func assertNothingMade(t *testing.T, e *env, args []string) {
	t.Helper()
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("roost %s left containers: %q", strings.Join(args, " "), out)
	}
	if n := storageContainers(t, e); n != 0 {
		t.Fatalf("roost %s left %d storage containers", strings.Join(args, " "), n)
	}
	assertNoContainerLeftovers(t, e)
}

// storageContainers counts the containers containers/storage knows.
func storageContainers(t *testing.T, e *env) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.Home, ".local/share/roost/storage/overlay-containers/containers.json"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(fmt.Errorf("storage containers.json: %w", err))
	}
	return len(list)
}

// A command that is missing or cannot run gets 127 or 126 and an error that
// names it, whichever runtime reports it.
func TestStartErrorsNameTheCommandOnEachRuntime(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			for _, c := range []struct {
				code int
				cmd  string
			}{{127, "no-such-command"}, {127, "/no/such/path"}, {126, "/etc/passwd"}, {126, "/tmp"}} {
				for _, verb := range [][]string{{"run", "--rm"}, {"run", "-d"}} {
					args := append(append([]string{"--runtime", rt}, verb...), busybox, c.cmd)
					if msg := e.roostFails(c.code, args...); !strings.Contains(msg, c.cmd) {
						t.Errorf("roost %s: the error should name %s: %s", strings.Join(args, " "), c.cmd, msg)
					}
				}
			}
			e.roostOK("rm", "-af")
			assertNothingMade(t, e, []string{"run"})
		})
	}
}
