package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userContainersConf is the test user's own containers.conf.
const userContainersConf = ".config/containers/containers.conf"

// containers.conf's [containers] and [engine] keys reach a new container:
// its environment, resolv.conf, capabilities, annotations, log driver and
// stop timeout; and flags win over each of them.
func TestContainersConfKeysReachContainers(t *testing.T) {
	e := pulled(t)
	e.writeFile(userContainersConf, `
[containers]
env = ["CONF_VAR=fromconf", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"]
dns_servers = ["192.0.2.53"]
dns_searches = ["conf.example"]
dns_options = ["ndots:3"]
default_capabilities = ["CHOWN", "KILL"]
annotations = ["conf.key=confval", "conf.other=x"]
log_driver = "none"
default_ulimits = ["nofile=123:456"]

[engine]
stop_timeout = 7
`)
	out := e.roostOK("run", "--rm", busybox, "sh", "-c",
		`echo "env=$CONF_VAR term=$TERM"; cat /etc/resolv.conf; grep CapEff /proc/self/status; ulimit -n`)
	for _, want := range []string{"env=fromconf term=xterm", "nameserver 192.0.2.53", "search conf.example", "options ndots:3", "123"} {
		if !strings.Contains(out, want) {
			t.Errorf("container output lacks %q:\n%s", want, out)
		}
	}
	// CHOWN (0) and KILL (5) alone: the file's set replaces Podman's eleven.
	if !strings.Contains(out, "CapEff:\t0000000000000021") {
		t.Errorf("capabilities are not default_capabilities' CHOWN and KILL:\n%s", out)
	}

	e.roostOK("create", "--name", "fromconf", busybox, "true")
	got := e.roostOK("inspect", "--format", "{{.Config.Annotations}} {{.HostConfig.LogConfig.Type}} {{.Config.StopTimeout}}", "fromconf")
	if want := "map[conf.key:confval conf.other:x] none 7"; strings.TrimSpace(got) != want {
		t.Errorf("inspect: got %q, want %q", got, want)
	}

	// Flags win over the file, key by key.
	out = e.roostOK("run", "--rm", "-e", "CONF_VAR=flag", "--dns", "192.0.2.99", "--cap-add", "NET_RAW", busybox, "sh", "-c",
		`echo "env=$CONF_VAR"; cat /etc/resolv.conf; grep CapEff /proc/self/status`)
	if !strings.Contains(out, "env=flag") || !strings.Contains(out, "nameserver 192.0.2.99") || strings.Contains(out, "192.0.2.53") {
		t.Errorf("flags did not win over containers.conf:\n%s", out)
	}
	if !strings.Contains(out, "CapEff:\t0000000000002021") { // + NET_RAW (13)
		t.Errorf("--cap-add did not add to default_capabilities:\n%s", out)
	}
	e.roostOK("create", "--name", "fromflags", "--annotation", "conf.key=flag", "--log-driver", "k8s-file", "--stop-timeout", "0", busybox, "true")
	got = e.roostOK("inspect", "--format", "{{.Config.Annotations}} {{.HostConfig.LogConfig.Type}} {{.Config.StopTimeout}}", "fromflags")
	if want := "map[conf.key:flag conf.other:x] k8s-file 0"; strings.TrimSpace(got) != want {
		t.Errorf("inspect with flags: got %q, want %q", got, want)
	}
}

// userns = "keep-id" in containers.conf runs the container as the user's
// own uid; init = true puts an init at PID 1.
func TestContainersConfUsernsAndInit(t *testing.T) {
	e := pulled(t)
	e.writeFile(userContainersConf, "[containers]\nuserns = \"keep-id\"\ninit = true\n")
	out := e.roostOK("run", "--rm", busybox, "sh", "-c", "id -u; cat /proc/1/cmdline | tr '\\0' ' '")
	if !strings.HasPrefix(out, fmt.Sprintf("%d\n", e.UID)) {
		t.Errorf("userns=keep-id: want uid %d first, got %q", e.UID, out)
	}
	if !strings.Contains(out, "roost-init") {
		t.Errorf("init = true: PID 1 is not the init: %q", out)
	}
	// --init=false given on the command line wins.
	if out := e.roostOK("run", "--rm", "--init=false", busybox, "cat", "/proc/1/cmdline"); strings.Contains(out, "roost-init") {
		t.Errorf("--init=false did not win over init = true: %q", out)
	}
}

// Which file wins: the user's over the system's (Debian's
// /usr/share/containers/containers.conf sets default_capabilities),
// CONTAINERS_CONF_OVERRIDE over the user's, CONTAINERS_CONF alone instead of
// every other file, roost.conf's runtime over containers.conf's, --runtime
// over both; `roost info` lists the files read.
func TestContainersConfPrecedence(t *testing.T) {
	e := pulled(t)
	user := e.writeFile(userContainersConf, "[containers]\nenv = [\"A=user\", \"B=user\"]\n[engine]\nstop_timeout = 5\nruntime = \"runc\"\n")
	over := e.writeFile("override.conf", "[engine]\nstop_timeout = 6\n")
	only := e.writeFile("only.conf", "[containers]\nenv = [\"B=only\"]\n")

	timeout := func(name string) string {
		e.roostOK("create", "--name", name, busybox, "true")
		return strings.TrimSpace(e.roostOK("inspect", "--format", "{{.Config.StopTimeout}} {{.OCIRuntime}}", name))
	}
	if got := timeout("user"); got != "5 runc" {
		t.Errorf("user file: got %q, want \"5 runc\"", got)
	}
	e.Extra = []string{"CONTAINERS_CONF_OVERRIDE=" + over}
	if got := timeout("over"); got != "6 runc" {
		t.Errorf("with CONTAINERS_CONF_OVERRIDE: got %q, want \"6 runc\"", got)
	}
	info := e.roostOK("info", "--format", "json")
	if !strings.Contains(info, user) || !strings.Contains(info, over) {
		t.Errorf("info does not list the files read (%s, %s):\n%s", user, over, info)
	}
	e.Extra = []string{"CONTAINERS_CONF=" + only}
	out := e.roostOK("run", "--rm", busybox, "sh", "-c", `echo "A=$A B=$B"`)
	if strings.TrimSpace(out) != "A= B=only" {
		t.Errorf("CONTAINERS_CONF must be the only file read: got %q", out)
	}
	e.Extra = nil

	e.writeFile(".config/roost/roost.conf", "[engine]\nruntime = \"crun\"\n")
	if got := timeout("roostconf"); got != "5 crun" {
		t.Errorf("roost.conf's runtime must win over containers.conf's: got %q", got)
	}
	e.roostOK("--runtime", "runc", "create", "--name", "flag", busybox, "true")
	if got := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.OCIRuntime}}", "flag")); got != "runc" {
		t.Errorf("--runtime must win over both files: got %q", got)
	}
}

// [engine] runtime names a runtime through [engine.runtimes], as Podman's
// 800-config test does; a name that is nowhere fails with one line.
func TestContainersConfRuntimeName(t *testing.T) {
	e := pulled(t)
	conf := e.writeFile("odd.conf", "[engine]\nruntime = \"nonstandard_runtime_name\"\n[engine.runtimes]\nnonstandard_runtime_name = [\"/usr/bin/runc\"]\n")
	e.Extra = []string{"CONTAINERS_CONF=" + conf}
	if out := e.roostOK("run", "--rm", busybox, "echo", "ran"); out != "ran\n" {
		t.Fatalf("run with a named runtime: %q", out)
	}
	bad := e.writeFile("bad-runtime.conf", "[engine]\nruntime = \"idonotexist\"\n")
	e.Extra = []string{"CONTAINERS_CONF=" + bad}
	if msg := e.roostFails(125, "run", "--rm", busybox, "true"); !strings.Contains(msg, `"idonotexist" not found`) {
		t.Errorf("unknown runtime: %q", msg)
	}
}

// A file that is not valid TOML stops every command with one line naming
// the file and the line, exit 125, before anything is made; so does a
// CONTAINERS_CONF naming no file.
func TestContainersConfBrokenFile(t *testing.T) {
	e := newEnv(t)
	path := e.writeFile(userContainersConf, "[containers]\nenv = [\"A=1\"]\ndns_servers = \"1.1.1.1\"\n")
	msg := e.roostFails(125, "ps", "-a")
	if !strings.Contains(msg, path+":3:") || !strings.Contains(msg, "dns_servers") {
		t.Errorf("want the file, line 3 and the key named: %q", msg)
	}
	e.writeFile(userContainersConf, "[containers\n")
	if msg := e.roostFails(125, "create", busybox, "true"); !strings.Contains(msg, path+":") {
		t.Errorf("syntax error: %q", msg)
	}
	e.writeFile(userContainersConf, "")
	missing := filepath.Join(e.Home, "no-such.conf")
	e.Extra = []string{"CONTAINERS_CONF=" + missing}
	if msg := e.roostFails(125, "ps"); !strings.Contains(msg, missing) {
		t.Errorf("missing CONTAINERS_CONF: %q", msg)
	}
}

// base_hosts_file's entries and host_containers_internal_ip reach
// /etc/hosts (Podman's 500-networking test); a container the base file
// names already gets no line of its own.
func TestContainersConfHostsFile(t *testing.T) {
	e := pulled(t)
	base := e.writeFile("hosts", "192.0.2.10 host1\n192.0.2.11 host2 #some comment\n")
	e.writeFile(userContainersConf, fmt.Sprintf("[containers]\nbase_hosts_file = %q\nhost_containers_internal_ip = \"192.0.2.99\"\n", base))
	out := e.roostOK("run", "--rm", "--add-host", "host3:192.0.2.12", busybox, "cat", "/etc/hosts")
	for _, want := range []string{"192.0.2.10\thost1\n", "192.0.2.11\thost2\n", "192.0.2.12\thost3\n", "127.0.0.1\tlocalhost", "::1\tlocalhost", "192.0.2.99\thost.containers.internal"} {
		if !strings.Contains(out, want) {
			t.Errorf("/etc/hosts lacks %q:\n%s", want, out)
		}
	}
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 7 {
		t.Errorf("/etc/hosts has %d lines, want 7:\n%s", n, out)
	}
	out = e.roostOK("run", "--rm", "--name", "host1", "--hostname", "host1", busybox, "cat", "/etc/hosts")
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 5 || strings.Count(out, "host1") != 1 {
		t.Errorf("a container named in the base file must not get its own line (want 5 lines):\n%s", out)
	}
}

// [engine] infra_image is the image of a new pod's infra (pod create and
// create --pod new:), as in Podman's 200-pod test; one that cannot be
// pulled fails with one line and leaves no pod.
func TestContainersConfInfraImage(t *testing.T) {
	e := pulled(t)
	e.writeFile(userContainersConf, fmt.Sprintf("[engine]\ninfra_image = %q\n", busybox))
	e.roostOK("pod", "create", "--name", "withconf")
	if out := e.roostOK("ps", "-a", "--format", "{{.Image}}"); !strings.Contains(out, "busybox") {
		t.Errorf("the infra does not run infra_image: %q", out)
	}
	e.roostOK("pod", "rm", "-f", "withconf")
	e.writeFile(userContainersConf, "[engine]\ninfra_image = \"127.0.0.1:5000/i/do/not/exist:image\"\n")
	e.roostFails(125, "pod", "create", "--name", "nopod")
	e.roostFails(125, "create", "--pod", "new:nopod2", busybox, "true")
	if out := e.roostOK("pod", "ps", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("a failed pod create left pods: %q", out)
	}
}

// [containers] default_sysctls, tz, umask and pids_limit reach a new
// container; flags win; net.* sysctls are left out where the container
// has no network namespace of its own.
func TestContainersConfSysctlTzUmaskPids(t *testing.T) {
	e := pulled(t)
	e.writeFile(userContainersConf, `
[containers]
default_sysctls = ["net.ipv4.ping_group_range=0 0"]
tz = "Asia/Tokyo"
umask = "0077"
pids_limit = 123
devices = ["/dev/null:/dev/confnull"]
log_tag = "conftag"
`)
	out := e.roostOK("run", "--rm", busybox, "sh", "-c", "cat /proc/sys/net/ipv4/ping_group_range; date +%Z; umask; test -c /dev/confnull && echo dev")
	if f := strings.Fields(out); len(f) != 5 || f[0] != "0" || f[1] != "0" || f[2] != "JST" || f[3] != "0077" || f[4] != "dev" {
		t.Errorf("want sysctl \"0 0\", zone JST, umask 0077, device; got %q", out)
	}
	out = e.roostOK("run", "--rm", "--sysctl", "net.ipv4.ping_group_range=0 1", "--tz", "UTC", "--umask", "0022",
		busybox, "sh", "-c", "cat /proc/sys/net/ipv4/ping_group_range; date +%Z; umask")
	if f := strings.Fields(out); len(f) != 4 || f[1] != "1" || f[2] != "UTC" || f[3] != "0022" {
		t.Errorf("flags did not win over containers.conf: %q", out)
	}
	// The host's namespace is not the container's to change: the net.*
	// default is skipped there rather than refused.
	e.roostOK("run", "--rm", "--network", "host", busybox, "true")

	// pids_limit applies only where the container gets a cgroup of its own:
	// where --pids-limit reaches inspect, so does the file's value.
	e.roostOK("create", "--name", "flagpids", "--pids-limit", "55", busybox, "true")
	e.roostOK("create", "--name", "confpids", busybox, "true")
	if got := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.HostConfig.LogConfig.Tag}}", "confpids")); got != "conftag" {
		t.Errorf("log_tag: inspect says %q", got)
	}
	flag := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.HostConfig.PidsLimit}}", "flagpids"))
	conf := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.HostConfig.PidsLimit}}", "confpids"))
	if flag == "55" && conf != "123" || flag != "55" && conf != "0" {
		t.Errorf("pids_limit: --pids-limit 55 gave %s, pids_limit 123 gave %s", flag, conf)
	}
}

// [engine] events_logfile_path sends events to that file, cgroup_manager
// is --cgroup-manager's default and volume_path --volumepath's.
func TestContainersConfEngineKeys(t *testing.T) {
	e := pulled(t)
	events := filepath.Join(e.Home, "conf-events.log")
	vols := filepath.Join(e.Home, "conf-volumes")
	e.writeFile(userContainersConf, fmt.Sprintf(`
[engine]
events_logger = "file"
events_logfile_path = %q
events_logfile_max_size = "1m"
cgroup_manager = "cgroupfs"
volume_path = %q
`, events, vols))
	e.roostOK("run", "--rm", "--name", "evconf", busybox, "true")
	if out := e.roostOK("events", "--stream=false", "--filter", "container=evconf"); !strings.Contains(out, "evconf") {
		t.Errorf("events from events_logfile_path lack the container: %q", out)
	}
	if st, err := os.Stat(events); err != nil || st.Size() == 0 {
		t.Errorf("events_logfile_path %s holds nothing: %v", events, err)
	}

	if got := strings.TrimSpace(e.roostOK("info", "--format", "{{.Host.CgroupManager}}")); got != "cgroupfs" {
		t.Errorf("cgroup_manager = cgroupfs: info says %q", got)
	}
	if got := strings.TrimSpace(e.roostOK("--cgroup-manager", "systemd", "info", "--format", "{{.Host.CgroupManager}}")); got != "systemd" {
		t.Errorf("--cgroup-manager did not win over cgroup_manager: %q", got)
	}

	e.roostOK("volume", "create", "confvol")
	if mp := strings.TrimSpace(e.roostOK("volume", "inspect", "--format", "{{.Mountpoint}}", "confvol")); !strings.HasPrefix(mp, vols+"/") {
		t.Errorf("volume_path: volume is at %q, want under %s", mp, vols)
	}
}

// http_proxy = false keeps the host's proxy variables out of a container,
// env_host = true passes Roost's whole environment in; --http-proxy and
// --env-host given on the command line win over the file.
func TestContainersConfHTTPProxyAndEnvHost(t *testing.T) {
	e := pulled(t)
	roost := filepath.Join(binDir, "roost")
	hostEnv := []string{"env", "http_proxy=http://192.0.2.1:3128", "ROOST_E2E_HOSTVAR=fromhost", roost}
	runEnv := func(args ...string) string {
		t.Helper()
		return succeeded(t, "roost "+strings.Join(args, " "), e.run(hostEnv[0], append(hostEnv[1:], args...)...))
	}
	show := []string{busybox, "sh", "-c", `echo "proxy=$http_proxy host=$ROOST_E2E_HOSTVAR"`}

	// Podman's defaults: the proxy passes, the rest of the host's environment does not.
	if got := strings.TrimSpace(runEnv(append([]string{"run", "--rm"}, show...)...)); got != "proxy=http://192.0.2.1:3128 host=" {
		t.Fatalf("without containers.conf: got %q", got)
	}
	e.writeFile(userContainersConf, "[containers]\nhttp_proxy = false\nenv_host = true\n")
	if got := strings.TrimSpace(runEnv(append([]string{"run", "--rm"}, show...)...)); got != "proxy=http://192.0.2.1:3128 host=fromhost" {
		// env_host brings http_proxy along as any other variable: check the file's
		// http_proxy alone below, with env_host off by flag.
		t.Fatalf("env_host = true: got %q, want the host's variables", got)
	}
	if got := strings.TrimSpace(runEnv(append([]string{"run", "--rm", "--env-host=false"}, show...)...)); got != "proxy= host=" {
		t.Fatalf("http_proxy = false with --env-host=false: got %q, want neither variable", got)
	}
	if got := strings.TrimSpace(runEnv(append([]string{"run", "--rm", "--env-host=false", "--http-proxy=true"}, show...)...)); got != "proxy=http://192.0.2.1:3128 host=" {
		t.Fatalf("--http-proxy=true over http_proxy = false: got %q", got)
	}
}

// tmp_dir moves Roost's per-boot state (Podman's libpod tmp dir): the
// containers' run directories live there; the user's one namespace holder
// stays where every command finds it.
func TestContainersConfTmpDir(t *testing.T) {
	e := pulled(t)
	tmp := filepath.Join(e.RuntimeDir, "conf-tmp")
	e.writeFile(userContainersConf, fmt.Sprintf("[engine]\ntmp_dir = %q\n", tmp))
	id := strings.TrimSpace(e.roostOK("run", "-d", "--name", "intmp", busybox, "sleep", "1000"))
	if _, err := os.Stat(filepath.Join(tmp, "containers", id, "monitor.pid")); err != nil {
		t.Fatalf("the container's run directory is not under tmp_dir %s: %v", tmp, err)
	}
	if got := e.roostLine("inspect", "--format", "{{.ConmonPidFile}}", "intmp"); !strings.HasPrefix(got, tmp+"/") {
		t.Fatalf("inspect's ConmonPidFile %q is not under tmp_dir %s", got, tmp)
	}
	if out := e.roostOK("exec", "intmp", "echo", "ok"); strings.TrimSpace(out) != "ok" {
		t.Fatalf("exec in a container under tmp_dir: %q", out)
	}
	e.roostOK("rm", "-f", "-t", "0", "intmp")
	if _, err := os.Stat(filepath.Join(tmp, "containers", id)); !os.IsNotExist(err) {
		t.Fatalf("rm left the run directory under tmp_dir: %v", err)
	}
}

// image_volume_mode in containers.conf decides what an image's VOLUME
// becomes when --image-volume is not given; the flag still wins.
func TestContainersConfImageVolumeMode(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", debianImage) // VOLUME /data
	fsType := func(args ...string) string {
		r := e.roost(append(append([]string{"run", "--rm"}, args...), debianImage, "stat", "-f", "-c", "%T", "/data")...)
		return strings.TrimSpace(r.Stdout)
	}
	if got := fsType(); got == "tmpfs" {
		t.Fatalf("without containers.conf /data is %q, want a volume on the host's file system", got)
	}
	e.writeFile(userContainersConf, "[engine]\nimage_volume_mode = \"tmpfs\"\n")
	if got := fsType(); got != "tmpfs" {
		t.Errorf("image_volume_mode = tmpfs: /data is %q", got)
	}
	if got := fsType("--image-volume", "bind"); got == "tmpfs" {
		t.Errorf("--image-volume bind did not win over image_volume_mode")
	}
	e.writeFile(userContainersConf, "[engine]\nimage_volume_mode = \"ignore\"\n")
	if r := e.roost("run", "--rm", debianImage, "stat", "/data"); r.Code == 0 {
		t.Errorf("image_volume_mode = ignore: /data exists: %s", r)
	}
	e.writeFile(userContainersConf, "[engine]\nimage_volume_mode = \"sideways\"\n")
	if line := e.roostFails(125, "create", debianImage, "true"); !strings.Contains(line, "image_volume_mode") {
		t.Errorf("bad image_volume_mode: %q", line)
	}
	if out := e.roostOK("ps", "-aq"); strings.TrimSpace(out) != "" {
		t.Errorf("a refused create left containers: %q", out)
	}
}
