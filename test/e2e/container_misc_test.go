package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// topRows runs top and splits its table into rows of columns. Columns are
// separated by at least two spaces; no value here holds two spaces.
func topRows(t *testing.T, e *env, args ...string) [][]string {
	t.Helper()
	out := e.roostOK(append([]string{"top"}, args...)...)
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var cols []string
		for _, c := range strings.Split(line, "  ") {
			if c = strings.TrimSpace(c); c != "" {
				cols = append(cols, c)
			}
		}
		rows = append(rows, cols)
	}
	return rows
}

func TestTopShowsTheContainersProcesses(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			e.roostOK("--runtime", rt, "run", "-d", "--name", "busy", busybox, "sh", "-c", "sleep 1000 & exec sleep 2000")
			// The background sleep may take a moment to exist.
			var rows [][]string
			eventually(t, secs(10), func() error {
				rows = topRows(t, e, "busy")
				// Under load the child can be caught between sh's fork and
				// its exec (no command line yet): wait for both execs.
				if len(rows) != 3 || len(rows[1]) != 8 || rows[1][7] != "sleep 2000" || len(rows[2]) != 8 || rows[2][7] != "sleep 1000" {
					return fmt.Errorf("want a header and two processes, both exec'd, got %q", rows)
				}
				return nil
			})
			if strings.Join(rows[0], "|") != "USER|PID|PPID|%CPU|ELAPSED|TTY|TIME|COMMAND" {
				t.Fatalf("default header: %q", rows[0])
			}
			// Pids as the container sees them: init is 1, its child's parent
			// is 1 (the child's own number depends on the runtime).
			if r := rows[1]; len(r) != 8 || r[0] != "root" || r[1] != "1" || r[2] != "0" || r[5] != "?" {
				t.Fatalf("init's row: %q", r)
			}
			if r := rows[2]; len(r) != 8 || r[0] != "root" || r[1] == "1" || r[2] != "1" || r[5] != "?" {
				t.Fatalf("the child's row: %q", r)
			}
			if rows[1][7] != "sleep 2000" || rows[2][7] != "sleep 1000" {
				t.Fatalf("commands: %q and %q", rows[1][7], rows[2][7])
			}
			// Chosen descriptors, as names, a comma list and AIX codes. The
			// user is the container's root; huser is who that is on the host.
			rows = topRows(t, e, "busy", "pid,comm", "%U", "huser", "args")
			if strings.Join(rows[0], "|") != "PID|COMMAND|USER|HUSER|COMMAND" ||
				strings.Join(rows[1], "|") != "1|sleep|root|"+e.User+"|sleep 2000" {
				t.Fatalf("chosen descriptors: %q", rows)
			}
			// A process of a non-root user shows that user.
			e.roostOK("--runtime", rt, "run", "-d", "-t", "--name", "nobodys", "-u", "nobody", busybox, "sleep", "1000")
			rows = topRows(t, e, "nobodys", "user", "group", "tty", "args")
			if len(rows) != 2 || strings.Join(rows[1], "|") != "nobody|nobody|pts/0|sleep 1000" {
				t.Fatalf("top of a container with a user and a tty: %q", rows)
			}

			e.roostFails(125, "top", "busy", "nosuchdescriptor")
			e.roostOK("create", "--name", "idle", busybox, "true")
			if msg := e.roostFails(125, "top", "idle"); !strings.Contains(msg, "not running") {
				t.Fatalf("top of a created container: %q", msg)
			}
			e.roostFails(125, "top", "nosuchcontainer")
			e.roostOK("rm", "-f", "busy", "nobodys", "idle")
			assertNoContainerLeftovers(t, e)
		})
	}
}

func TestRenameRunningAndStopped(t *testing.T) {
	e := pulled(t)
	id := strings.TrimSpace(e.roostOK("run", "-d", "--name", "before", busybox, "sleep", "1000"))
	e.roostOK("create", "--name", "other", busybox, "true")
	if out := e.roostOK("rename", "before", "after"); out != "" {
		t.Fatalf("rename prints nothing, got %q", out)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}"); got != "other\nafter\n" {
		t.Fatalf("ps after rename: %q", got)
	}
	if got := e.roostOK("inspect", "--format", "{{.ID}} {{.Name}} {{.State.Status}}", "after"); got != id+" after running\n" {
		t.Fatalf("inspect by the new name: %q", got)
	}
	e.roostFails(125, "inspect", "before")
	// The old name is free again; the new one is taken.
	e.roostOK("create", "--name", "before", busybox, "true")
	if msg := e.roostFails(125, "rename", "other", "after"); !strings.Contains(msg, "already in use") {
		t.Fatalf("rename onto a used name: %q", msg)
	}
	if msg := e.roostFails(125, "rename", "other", "bad/name"); !strings.Contains(msg, "invalid container name") {
		t.Fatalf("rename to an invalid name: %q", msg)
	}
	e.roostFails(125, "rename", "nosuchcontainer", "x")
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}"); got != "before\nother\nafter\n" {
		t.Fatalf("failed renames changed names: %q", got)
	}
	// A stopped container renames too, and the renamed running one stops by its new name.
	e.roostOK("rename", "other", "other2")
	e.roostOK("stop", "-t", "0", "after")
	e.roostOK("rm", "after", "other2", "before")
	assertNoContainerLeftovers(t, e)
}

func TestPortListsNothingWithoutPublishedPorts(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "noports", busybox, "sleep", "1000")
	if out := e.roostOK("port", "noports"); out != "" {
		t.Fatalf("port of a container without published ports: %q", out)
	}
	if out := e.roostOK("port", "-a"); out != "" {
		t.Fatalf("port -a without published ports: %q", out)
	}
	if msg := e.roostFails(125, "port", "noports", "80"); msg != `Error: failed to find published port "80"` {
		t.Fatalf("port of an unpublished port: %q", msg)
	}
	e.roostFails(125, "port", "noports", "80/xyz")
	e.roostFails(125, "port", "nosuchcontainer")
	e.roostOK("rm", "-f", "noports")
}

func TestContainerPruneRemovesOnlyStoppedOnes(t *testing.T) {
	e := pulled(t)
	running := strings.TrimSpace(e.roostOK("run", "-d", "--label", "keep=yes", busybox, "sleep", "1000"))
	labelled := strings.TrimSpace(e.roostOK("create", "--label", "keep=yes", busybox, "true"))
	e.roostOK("start", labelled)
	e.roostOK("wait", labelled)
	plain := strings.TrimSpace(e.roostOK("create", "--name", "plain", busybox, "true"))
	exited := strings.TrimSpace(e.roostOK("create", busybox, "sh", "-c", "exit 3"))
	e.roostOK("start", exited)
	e.roostOK("wait", exited)
	all := func() string { return e.roostOK("ps", "-a", "--no-trunc", "--format", "{{.ID}}") }
	before := all()

	// Asked and refused: nothing goes.
	r := e.runInput(strings.NewReader("n\n"), filepath.Join(binDir, "roost"), "container", "prune")
	if r.Code != 0 || !strings.Contains(r.Stdout, "WARNING! This will remove all non-running containers.\nAre you sure you want to continue? [y/N] ") {
		t.Fatalf("prune answered no: %s", r)
	}
	if all() != before {
		t.Fatalf("prune answered no removed containers")
	}
	// No answer at all is an error, not a silent no.
	r = e.runInput(strings.NewReader(""), filepath.Join(binDir, "roost"), "container", "prune")
	if r.Code != 125 || all() != before {
		t.Fatalf("prune without an answer: %s", r)
	}
	e.roostFails(125, "container", "prune", "-f", "--filter", "color=red")

	// The label filter takes only the stopped container with the label.
	if out := e.roostOK("container", "prune", "-f", "--filter", "label=keep=yes"); out != labelled+"\n" {
		t.Fatalf("prune --filter label=keep=yes: want %s, got %q", labelled, out)
	}
	// until= a time before they were made matches none.
	if out := e.roostOK("container", "prune", "-f", "--filter", "until=1h"); out != "" {
		t.Fatalf("prune --filter until=1h removed %q", out)
	}
	// Answered yes: every stopped one goes, the running one stays.
	r = e.runInput(strings.NewReader("y\n"), filepath.Join(binDir, "roost"), "container", "prune")
	got := strings.Fields(strings.TrimPrefix(r.Stdout, "WARNING! This will remove all non-running containers.\nAre you sure you want to continue? [y/N] "))
	if r.Code != 0 || len(got) != 2 || !(got[0] == plain && got[1] == exited || got[0] == exited && got[1] == plain) {
		t.Fatalf("prune answered yes: want %s and %s, got %s", plain, exited, r)
	}
	if left := all(); left != running+"\n" {
		t.Fatalf("after prune: want only the running %s, got %q", running, left)
	}
	e.roostOK("rm", "-f", running)
	assertNoContainerLeftovers(t, e)
}

// cgroupLimits says whether roost info finds cgroups it may use.
func cgroupLimits(t *testing.T, e *env) bool {
	return strings.TrimSpace(e.roostOK("info", "--format", "{{.Host.Cgroups.Limits}}")) == "true"
}

func TestPauseAndStatsSayCgroupsAreMissing(t *testing.T) {
	e := pulled(t)
	if cgroupLimits(t, e) {
		t.Skip("this host delegates cgroup v2 controllers: pause and stats would work; this test is for hosts without")
	}
	e.roostOK("run", "-d", "--name", "live", busybox, "sleep", "1000")
	pid := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Pid}}", "live"))
	for _, cmd := range [][]string{{"pause", "live"}, {"unpause", "live"}, {"stats", "--no-stream"}, {"stats", "--no-stream", "live"}} {
		msg := e.roostFails(125, cmd...)
		if !strings.Contains(msg, cmd[0]+" needs cgroup v2 with delegated controllers; this host has cgroup ") || !strings.HasSuffix(msg, ": not available") {
			t.Fatalf("%v: %q", cmd, msg)
		}
	}
	// Nothing changed: the same process runs, not paused.
	got := e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.Paused}} {{.State.Pid}}", "live")
	if got != "running false "+pid+"\n" {
		t.Fatalf("after refused pause: %q (pid was %s)", got, pid)
	}
	if st, err := os.ReadFile("/proc/" + pid + "/stat"); err != nil || strings.Fields(string(st))[2] == "T" {
		t.Fatalf("the container's process should run on: %v %q", err, st)
	}
	e.roostFails(125, "pause", "nosuchcontainer")
	e.roostOK("rm", "-f", "live")

	// pod stats: a pod that runs nothing has no row, under Podman's header;
	// one that runs says what is missing, streaming (the default) or not.
	e.roostOK("pod", "create", "--name", "statspod")
	if out := e.roostOK("pod", "stats", "--no-stream", "statspod"); !strings.HasPrefix(out, "POD") || !strings.Contains(out, "CID") || strings.Count(out, "\n") != 1 {
		t.Fatalf("pod stats of a pod that runs nothing: %q", out)
	}
	e.roostOK("run", "-d", "--pod", "statspod", busybox, "sleep", "1000")
	for _, cmd := range [][]string{{"pod", "stats", "--no-stream", "statspod"}, {"pod", "stats"}} {
		if msg := e.roostFails(125, cmd...); !strings.Contains(msg, "stats needs cgroup v2 with delegated controllers") {
			t.Fatalf("%v: %q", cmd, msg)
		}
	}
	e.roostOK("pod", "rm", "-f", "statspod")
}

type psSize struct {
	Names []string // Podman's ps json: a list
	Size  *struct {
		RootFsSize int64 `json:"rootFsSize"`
		RwSize     int64 `json:"rwSize"`
	}
}

func TestPsSizeGrowsWithWhatTheContainerWrites(t *testing.T) {
	e := pulled(t)
	dir := filepath.Join(e.Home, "trigger")
	mustDir(t, dir, e.UID, e.GID)
	// The container writes 1 MiB once the test says go, then says done.
	e.roostOK("run", "-d", "--name", "writer", "-v", dir+":/trigger", busybox, "sh", "-c",
		"while [ ! -e /trigger/go ]; do sleep 0.1; done; dd if=/dev/urandom of=/big bs=1024 count=1024 2>/dev/null; sync; touch /trigger/done; exec sleep 1000")
	size := func() (int64, int64) {
		var rows []psSize
		if err := json.Unmarshal([]byte(e.roostOK("ps", "--size", "--format", "json")), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Size == nil {
			t.Fatalf("ps --size json: %+v", rows)
		}
		return rows[0].Size.RwSize, rows[0].Size.RootFsSize
	}
	rw, root := size()
	if root <= rw || root < 1<<20 {
		t.Fatalf("the virtual size counts the image (busybox is over 1 MB): rw %d, virtual %d", rw, root)
	}
	// Without --size there is no size (Podman's template prints it empty).
	if out := e.roostOK("ps", "--format", "{{json .Size}}"); out != "\"\"\n" {
		t.Fatalf("ps without --size: %q", out)
	}
	table := e.roostOK("ps", "--size")
	lines := strings.Split(table, "\n")
	if head := strings.Fields(lines[0]); len(lines) < 2 || head[len(head)-2] != "NAMES" || head[len(head)-1] != "SIZE" || !strings.Contains(lines[1], " (virtual ") {
		t.Fatalf("ps --size table: %q", table)
	}

	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, secs(20), func() error {
		if _, err := os.Stat(filepath.Join(dir, "done")); err != nil {
			return fmt.Errorf("the container did not write its file: %w", err)
		}
		return nil
	})
	rw2, root2 := size()
	if rw2-rw < 1<<20 || root2-root < 1<<20 {
		t.Fatalf("after writing 1 MiB: rw %d -> %d, virtual %d -> %d", rw, rw2, root, root2)
	}
	e.roostOK("rm", "-f", "writer")
	assertNoContainerLeftovers(t, e)
}

func TestRmiForceRemovesTheImagesContainers(t *testing.T) {
	e := pulled(t)
	debian := registry + "/debian:bookworm"
	e.roostOK("pull", "-q", debian)
	e.roostOK("run", "-d", "--name", "deb-running", debian, "sleep", "1000")
	e.roostOK("create", "--name", "deb-created", debian, "true")
	e.roostOK("run", "-d", "--name", "bb", busybox, "sleep", "1000")
	images := func() string { return e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}}") }

	// Without -f: exit 2, and the image and both containers stay.
	if msg := e.roostFails(2, "rmi", debian); !strings.Contains(msg, "image used by ") {
		t.Fatalf("rmi of an image in use: %q", msg)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}"); got != "bb running\ndeb-created created\ndeb-running running\n" {
		t.Fatalf("rmi without -f changed containers: %q", got)
	}
	if !strings.Contains(images(), "debian:bookworm") {
		t.Fatalf("rmi without -f removed the image")
	}

	// With -f: the containers go first (the running one stopped), then the image.
	out := e.roostOK("rmi", "-f", debian)
	if !strings.Contains(out, "Untagged: "+debian) || !strings.Contains(out, "Deleted: ") {
		t.Fatalf("rmi -f output: %q", out)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}"); got != "bb\n" {
		t.Fatalf("rmi -f should leave only the busybox container: %q", got)
	}
	if strings.Contains(images(), "debian") {
		t.Fatalf("rmi -f left the image: %q", images())
	}
	e.roostOK("rm", "-f", "bb")
	assertNoContainerLeftovers(t, e)
}

func TestRmIgnoreDependAndTime(t *testing.T) {
	e := pulled(t)
	if out := e.roostOK("rm", "-i", "nosuchcontainer"); out != "" {
		t.Fatalf("rm -i of a missing container: %q", out)
	}
	e.roostFails(1, "rm", "nosuchcontainer") // missing: exit 1, as Podman
	// With nothing depending on it, --depend removes just the container; -v
	// is accepted (no volumes exist yet).
	id := strings.TrimSpace(e.roostOK("create", busybox, "true"))
	if out := e.roostOK("rm", "--depend", "-v", id); out != id+"\n" {
		t.Fatalf("rm --depend: %q", out)
	}
	// -t gives a running container its stop signal first: the trap runs.
	dir := filepath.Join(e.Home, "out")
	mustDir(t, dir, e.UID, e.GID)
	e.roostOK("run", "-d", "--name", "graceful", "-v", dir+":/out", busybox, "sh", "-c",
		"trap 'echo bye > /out/bye; exit 0' TERM; touch /out/up; while true; do sleep 0.1; done")
	eventually(t, secs(10), func() error {
		_, err := os.Stat(filepath.Join(dir, "up"))
		return err
	})
	e.roostOK("rm", "-f", "-t", "10", "graceful")
	if b, err := os.ReadFile(filepath.Join(dir, "bye")); err != nil || string(b) != "bye\n" {
		t.Fatalf("rm -f -t should let the TERM trap run: %v %q", err, b)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("left containers: %q", out)
	}
	assertNoContainerLeftovers(t, e)
}
