package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// warnNoLimits is Podman's one warning when limits cannot be applied.
const warnNoLimits = "Resource limits are not supported and ignored on cgroups V1 rootless systems"

// delegated says whether the test user has cgroup v2 controllers delegated.
func delegated(e *env) bool {
	b, err := os.ReadFile(fmt.Sprintf("/sys/fs/cgroup/user.slice/user-%d.slice/user@%d.service/cgroup.controllers", e.UID, e.UID))
	return err == nil && strings.Contains(string(b), "memory")
}

// bundleSpec reads the container's config.json from its run directory.
func bundleSpec(t *testing.T, e *env, id string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.RuntimeDir, "roost", "containers", id, "config.json"))
	if err != nil {
		t.Fatalf("reading the bundle: %v", err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Resource flags are checked, then either written into linux.resources
// (cgroup v2 delegated) or dropped with Podman's one warning.
func TestRunResourceFlagsReachTheSpecOrWarnOnce(t *testing.T) {
	e := pulled(t)
	r := e.roost("run", "--rm", "-m", "64m", "--cpus", "1", "--pids-limit", "50", "--memory-swappiness", "10", busybox, "echo", "hello")
	if r.Code != 0 || r.Stdout != "hello\n" {
		t.Fatalf("run with limits: %s", r)
	}
	id := strings.TrimSpace(e.roostOK("create", "-m", "64m", "--cpu-shares", "512", busybox, "true"))
	linux, _ := bundleSpec(t, e, id)["linux"].(map[string]any)
	res, _ := linux["resources"].(map[string]any)
	if delegated(e) {
		mem, _ := res["memory"].(map[string]any)
		if mem["limit"] != float64(64<<20) {
			t.Fatalf("linux.resources.memory = %v, want limit 64m", res)
		}
		return
	}
	if r.Stderr != warnNoLimits+"\n" {
		t.Fatalf("stderr %q, want the one warning %q", r.Stderr, warnNoLimits)
	}
	if len(res) != 0 {
		t.Fatalf("limits reached the spec without a cgroup to apply them: %v", res)
	}
	if r := e.roost("run", "--rm", busybox, "true"); r.Stderr != "" {
		t.Fatalf("a run without limits warned: %q", r.Stderr)
	}
	if r := e.roost("run", "--rm", "--kernel-memory", "100", busybox, "true"); !strings.Contains(r.Stderr, "The --kernel-memory flag is no longer supported. This flag is a noop.") {
		t.Fatalf("--kernel-memory: no deprecation warning in %q", r.Stderr)
	}
}

// Bad limits fail with Podman's messages, exit 125, and make nothing.
func TestRunResourceFlagsRefuseBadValues(t *testing.T) {
	e := pulled(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--memory", "lots"}, "invalid value for memory"},
		{[]string{"--cpus", "1", "--cpu-period", "100000"}, "--cpu-period and --cpus cannot be set together"},
		{[]string{"--memory-swap", "1g"}, "you should always set a memory limit when using a memoryswap limit"},
		{[]string{"-m", "1g", "--memory-swap", "512m"}, "minimum memoryswap limit should be larger than memory limit"},
		{[]string{"--blkio-weight", "5"}, "range of blkio weight is from 10 to 1000"},
		{[]string{"--cpu-quota", "10"}, "CPU cfs quota cannot be less than 1ms"},
		{[]string{"--memory-swappiness", "101"}, "valid memory swappiness range is 0-100"},
		{[]string{"--device-read-bps", "/dev/zero"}, "bad format: /dev/zero"},
		{[]string{"--cpus", "100000"}, "range of CPUs is from 0.01 to"},
	} {
		line := e.roostFails(125, append(append([]string{"create"}, c.args...), busybox, "true")...)
		if !strings.Contains(line, c.want) {
			t.Errorf("%v: got %q, want %q", c.args, line, c.want)
		}
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("refused creates left containers: %q", out)
	}
}

// --tz binds a zone at /etc/localtime; an unknown zone is refused.
func TestRunTimezone(t *testing.T) {
	e := pulled(t)
	if out := e.roostOK("run", "--rm", "--tz", "Asia/Tokyo", busybox, "date", "+%Z"); out != "JST\n" {
		t.Fatalf("--tz Asia/Tokyo: date says %q", out)
	}
	if line := e.roostFails(125, "run", "--rm", "--tz", "Nowhere/Special", busybox, "true"); !strings.Contains(line, "unknown time zone Nowhere/Special") {
		t.Fatalf("bad zone: %q", line)
	}
}

// --timeout kills the container; run exits 255 and the exit is recorded -1.
func TestRunTimeoutKillsTheContainer(t *testing.T) {
	e := pulled(t)
	r := e.roost("run", "--name", "slow", "--timeout", "2", busybox, "sleep", "600")
	if r.Code != 255 {
		t.Fatalf("run --timeout: %s", r)
	}
	if out := e.roostOK("inspect", "--format", "{{.State.ExitCode}}", "slow"); strings.TrimSpace(out) != "-1" {
		t.Fatalf("exit code recorded %q, want -1", out)
	}
}

// --cidfile refuses an existing file; --pidfile and --conmon-pidfile hold
// the container's and the monitor's pids.
func TestRunIDAndPidFiles(t *testing.T) {
	e := pulled(t)
	dir := filepath.Join(e.Home, "files")
	mustDir(t, dir, e.UID, e.GID)
	cid, pid, mon := filepath.Join(dir, "cid"), filepath.Join(dir, "pid"), filepath.Join(dir, "mon")
	id := strings.TrimSpace(e.roostOK("run", "-d", "--cidfile", cid, "--pidfile", pid, "--conmon-pidfile", mon, busybox, "sleep", "600"))
	if b, _ := os.ReadFile(cid); string(b) != id {
		t.Fatalf("cidfile holds %q, want %s", b, id)
	}
	want := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", id))
	p, _ := os.ReadFile(pid)
	m, _ := os.ReadFile(mon)
	if got := string(p) + " " + string(m); got != want {
		t.Fatalf("pid files say %q, inspect says %q", got, want)
	}
	line := e.roostFails(125, "run", "--cidfile", cid, busybox, "true")
	if line != "Error: container id file exists. Ensure another container is not using it or delete "+cid {
		t.Fatalf("existing cidfile: %q", line)
	}
	e.roostOK("rm", "-f", "-t", "0", id)
}

// The process's environment flags: --unsetenv, --unsetenv-all, the host's
// proxy variables (--http-proxy, on by default), --umask.
func TestRunEnvironmentFlags(t *testing.T) {
	e := pulled(t)
	e.Extra = append(e.Extra, "http_proxy=http://proxy.example:3128", "NO_PROXY=localhost")
	out := e.roostOK("run", "--rm", "--unsetenv", "HOSTNAME", busybox, "/bin/busybox", "env")
	for _, want := range []string{"http_proxy=http://proxy.example:3128\n", "NO_PROXY=localhost\n", "PATH="} {
		if !strings.Contains(out, want) {
			t.Errorf("env lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "HOSTNAME=") {
		t.Errorf("--unsetenv HOSTNAME left it:\n%s", out)
	}
	out = e.roostOK("run", "--rm", "--http-proxy=false", "--unsetenv-all", "-e", "KEEP=1", busybox, "/bin/busybox", "env")
	// HOME stays: Podman's libpod adds it whatever the defaults.
	if !strings.Contains(out, "KEEP=1\n") || strings.Contains(out, "PATH=") || strings.Contains(out, "proxy") {
		t.Errorf("--unsetenv-all --http-proxy=false: env is\n%s", out)
	}
	if out := e.roostOK("run", "--rm", "--umask", "0077", busybox, "sh", "-c", "umask"); strings.TrimSpace(out) != "0077" {
		t.Errorf("--umask 0077: umask says %q", out)
	}
}

// --sysctl sets a parameter of the container's own namespace; --device
// brings a host device in; --hostuser adds a host user's passwd line.
func TestRunKernelAndDeviceFlags(t *testing.T) {
	e := pulled(t)
	out := e.roostOK("run", "--rm", "--sysctl", "net.ipv4.tcp_keepalive_time=1234", busybox, "cat", "/proc/sys/net/ipv4/tcp_keepalive_time")
	if strings.TrimSpace(out) != "1234" {
		t.Errorf("--sysctl: %q", out)
	}
	if line := e.roostFails(125, "create", "--sysctl", "kernel.panic=1", busybox, "true"); !strings.Contains(line, `sysctl "kernel.panic" is not allowed`) {
		t.Errorf("host sysctl: %q", line)
	}
	e.roostOK("run", "--rm", "--device", "/dev/null:/dev/mynull", busybox, "test", "-c", "/dev/mynull")
	out = e.roostOK("run", "--rm", "--hostuser", e.User, busybox, "grep", "^"+e.User+":", "/etc/passwd")
	if !strings.Contains(out, ":"+strconv.Itoa(e.UID)+":") {
		t.Errorf("--hostuser: %q", out)
	}
}

// -a stdin attaches no output: run prints the container's id instead.
func TestRunAttachStdinPrintsTheID(t *testing.T) {
	e := pulled(t)
	out := e.roostOK("run", "--name", "quiet", "--attach", "stdin", busybox, "echo", "hello")
	id := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.ID}}", "quiet"))
	if strings.TrimSpace(out) != id {
		t.Fatalf("run -a stdin printed %q, want the id %s", out, id)
	}
	if line := e.roostFails(125, "run", "-a", "stdfoo", busybox, "true"); !strings.Contains(line, `invalid stream "stdfoo" for --attach`) {
		t.Fatalf("bad stream: %q", line)
	}
}

// --rmi removes the image after --rm, but not while another container uses it.
func TestRunRmiRemovesTheUnusedImage(t *testing.T) {
	e := pulled(t)
	e.roostOK("create", "--name", "keep", busybox, "true")
	e.roostOK("run", "--rm", "--rmi", busybox, "true")
	if out := e.roostOK("images", "-q"); strings.TrimSpace(out) == "" {
		t.Fatal("--rmi removed an image another container uses")
	}
	e.roostOK("rm", "keep")
	e.roostOK("run", "--rm", "--rmi", busybox, "true")
	if out := e.roostOK("images", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("--rmi left the image: %q", out)
	}
}

// --health-on-failure=kill: the monitor kills the container once unhealthy.
func TestRunHealthOnFailureKills(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "sick", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1", "--health-on-failure", "kill", busybox, "sleep", "600")
	eventually(t, secs(60), func() error {
		out := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Status}}", "sick"))
		if out != "exited" {
			return errors.New("still " + out)
		}
		return nil
	})
	if line := e.roostFails(125, "create", "--health-on-failure", "kill", busybox, "true"); !strings.Contains(line, "without a health check") {
		t.Fatalf("action without a check: %q", line)
	}
}

// `healthcheck run` that turns a container unhealthy applies
// --health-on-failure at once, as the monitor's own checks do; a healthy
// check prints nothing (Podman's 220-healthcheck).
func TestHealthcheckRunAppliesOnFailure(t *testing.T) {
	e := pulled(t)
	want := map[string]string{"none": "running", "kill": "exited", "stop": "exited", "restart": "running"}
	for _, policy := range []string{"none", "kill", "stop", "restart"} {
		name := "hc-" + policy
		e.roostOK("run", "-d", "--name", name, "--health-cmd", "test ! -e /uh-oh", "--health-interval", "1h",
			"--health-retries", "1", "--health-on-failure", policy, busybox, "sh", "-c", "rm -f /uh-oh; exec sleep 600")
		if out := e.roostOK("healthcheck", "run", name); out != "" {
			t.Fatalf("%s: healthy check printed %q", policy, out)
		}
		started := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.StartedAt}}", name))
		e.roostOK("exec", name, "touch", "/uh-oh")
		r := e.roost("healthcheck", "run", name)
		if r.Code != 1 || strings.TrimSpace(r.Stdout) != "unhealthy" {
			t.Fatalf("%s: failing check: %s", policy, r)
		}
		got := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Status}} {{.State.StartedAt}}", name))
		status, at, _ := strings.Cut(got, " ")
		if status != want[policy] {
			t.Errorf("--health-on-failure=%s: container is %s, want %s", policy, status, want[policy])
		}
		if policy == "restart" {
			if at == started {
				t.Errorf("restart: StartedAt unchanged (%s)", at)
			}
			// The command clears the marker at each start, so the restarted
			// container is healthy again.
			if r := e.roost("healthcheck", "run", name); r.Code != 0 {
				t.Errorf("restart: check after restart: %s", r)
			}
		}
		e.roostOK("rm", "-f", "-t", "0", name)
	}
}

// --requires: starting the container starts what it requires first, and
// a missing one fails the create.
func TestRunRequiresStartsTheRequired(t *testing.T) {
	e := pulled(t)
	e.roostOK("create", "--name", "base", busybox, "sleep", "600")
	e.roostOK("run", "-d", "--name", "top", "--requires", "base", busybox, "sleep", "600")
	if out := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Status}}", "base")); out != "running" {
		t.Fatalf("required container is %s", out)
	}
	if line := e.roostFails(125, "create", "--requires", "ghost", busybox, "true"); !strings.Contains(line, `no container with name or ID "ghost" found`) {
		t.Fatalf("missing requirement: %q", line)
	}
	e.roostOK("rm", "-f", "-t", "0", "top", "base")
}

// --systemd=always mounts systemd's tmpfs; --log-opt path= moves the log.
func TestRunSystemdModeAndLogPath(t *testing.T) {
	e := pulled(t)
	out := e.roostOK("run", "--rm", "--systemd", "always", busybox, "cat", "/proc/mounts")
	for _, d := range []string{" /run/lock tmpfs ", " /var/log/journal tmpfs "} {
		if !strings.Contains(out, d) {
			t.Errorf("--systemd always: no%s in\n%s", d, out)
		}
	}
	if out := e.roostOK("run", "--rm", "--systemd", "false", busybox, "cat", "/proc/mounts"); strings.Contains(out, " /run/lock ") {
		t.Errorf("--systemd false mounted /run/lock")
	}
	dir := filepath.Join(e.Home, "logs")
	mustDir(t, dir, e.UID, e.GID)
	log := filepath.Join(dir, "ctr.log")
	e.roostOK("run", "--name", "logged", "--log-opt", "path="+log, busybox, "echo", "to-the-file")
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), "to-the-file") {
		t.Fatalf("--log-opt path: %s holds %q", log, b)
	}
	if out := e.roostOK("logs", "logged"); out != "to-the-file\n" {
		t.Fatalf("logs reads %q", out)
	}
}

// --mount type=devpts gives the container a new devpts instance where it
// asks, with its options; a bad option is one line and nothing is made.
func TestRunMountDevpts(t *testing.T) {
	e := pulled(t)
	out := e.roostOK("run", "--rm", "--mount", "type=devpts,destination=/dev/pts2,mode=0600", busybox, "grep", " /dev/pts2 ", "/proc/mounts")
	f := strings.Fields(out)
	if len(f) < 4 || f[0] != "devpts" || f[2] != "devpts" || !strings.Contains(f[3], "mode=600") || !strings.Contains(f[3], "ptmxmode=666") {
		t.Fatalf("devpts at /dev/pts2: %q", out)
	}
	line := e.roostFails(125, "run", "--rm", "--name", "badpts", "--mount", "type=devpts,destination=/dev/pts2,uid=alice", busybox, "true")
	if !strings.Contains(line, `invalid uid "alice"`) {
		t.Fatalf("bad devpts uid: %q", line)
	}
	if r := e.roost("container", "exists", "badpts"); r.Code != 1 {
		t.Fatalf("a refused devpts mount left a container: %s", r)
	}
}

// update takes run's resource flags: with cgroup v2 delegated the running
// container's limits change (record, bundle, cgroup); without, Podman's
// warning, the container's id, and nothing changes. Bad values and unknown
// containers are one line, exit 125.
func TestUpdateResources(t *testing.T) {
	e := pulled(t)
	id := strings.TrimSpace(e.roostOK("run", "-d", "--name", "upd", busybox, "sleep", "1000"))
	defer e.roost("rm", "-f", "-t", "0", "upd")
	r := e.roost("update", "--memory", "96m", "--cpu-shares", "256", "upd")
	if r.Code != 0 || r.Stdout != id+"\n" {
		t.Fatalf("update: want exit 0 and the id, got %s", r)
	}
	linux, _ := bundleSpec(t, e, id)["linux"].(map[string]any)
	res, _ := linux["resources"].(map[string]any)
	mem, _ := res["memory"].(map[string]any)
	if delegated(e) {
		if mem["limit"] != float64(96<<20) || e.roostLine("inspect", "--format", "{{.HostConfig.Memory}}", "upd") != strconv.Itoa(96<<20) {
			t.Fatalf("update did not reach the bundle and the record: %v", res)
		}
		cg := e.roostLine("exec", "upd", "cat", "/sys/fs/cgroup/memory.max")
		if cg != strconv.Itoa(96<<20) {
			t.Fatalf("the container's cgroup memory.max is %q after update", cg)
		}
	} else {
		if r.Stderr != warnNoLimits+"\n" {
			t.Fatalf("update without cgroup v2 delegation: stderr %q, want %q", r.Stderr, warnNoLimits)
		}
		if mem != nil || e.roostLine("inspect", "--format", "{{.HostConfig.Memory}}", "upd") != "0" {
			t.Fatalf("dropped limits reached the bundle or the record: %v", res)
		}
	}
	if line := e.roostFails(125, "update", "--memory", "lots", "upd"); !strings.Contains(line, "lots") {
		t.Fatalf("bad --memory: %q", line)
	}
	if line := e.roostFails(125, "update", "--cpus", "1", "nosuch"); !strings.Contains(line, `no container with name or ID "nosuch" found`) {
		t.Fatalf("unknown container: %q", line)
	}
	// The container command group has it too.
	if r := e.roost("container", "update", "--cpus", "1", "upd"); r.Code != 0 || r.Stdout != id+"\n" {
		t.Fatalf("container update: %s", r)
	}
}

// --mount type=image shows an image's files read-only; rw (or readwrite)
// gives a writable overlay whose changes go with the run. Removing the
// container leaves no mount behind; an image not stored is one line.
func TestRunMountImage(t *testing.T) {
	e := pulled(t)
	img := "type=image,src=" + busybox + ",dst=/image-mount"
	if out := e.roostLine("run", "--rm", "--mount", img, busybox, "cmp", "/bin/busybox", "/image-mount/bin/busybox"); out != "" {
		t.Fatalf("the image's files differ: %q", out)
	}
	r := e.roost("run", "--rm", "--mount", img, busybox, "touch", "/image-mount/read-only")
	if r.Code != 1 || !strings.Contains(r.Stderr+r.Stdout, "touch: /image-mount/read-only: Read-only file system") {
		t.Fatalf("an image mount must be read-only: %s", r)
	}
	for _, rw := range []string{",rw=true", ",readwrite=true"} {
		e.roostOK("run", "--rm", "--mount", img+rw, busybox, "touch", "/image-mount/readwrite")
	}
	if r := e.roost("run", "--rm", "--mount", img+",rw=true", busybox, "ls", "/image-mount/readwrite"); r.Code == 0 {
		t.Fatalf("a write to an image mount outlived its run: %s", r)
	}
	e.roostOK("run", "-d", "--name", "imgmnt", "--mount", img, busybox, "sleep", "1000")
	if out := e.roostLine("exec", "imgmnt", "cat", "/image-mount/etc/passwd"); !strings.HasPrefix(out, "root:") {
		t.Fatalf("exec in a container with an image mount: %q", out)
	}
	e.roostOK("rm", "-f", "-t", "0", "imgmnt")
	if out := e.roostOK("unshare", "cat", "/proc/self/mountinfo"); strings.Contains(out, " overlay ") {
		t.Fatalf("mounts left after every container is gone:\n%s", out)
	}
	line := e.roostFails(125, "run", "--rm", "--name", "noimg", "--mount", "type=image,src=nosuchimage,dst=/m", busybox, "true")
	if !strings.Contains(line, "nosuchimage") {
		t.Fatalf("an image mount of an unknown image: %q", line)
	}
	if r := e.roost("container", "exists", "noimg"); r.Code != 1 {
		t.Fatalf("a refused image mount left a container: %s", r)
	}
}
