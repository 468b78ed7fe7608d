package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A container on the default network reaches a server on the host's
// loopback by host.containers.internal; one with --network none has only lo.
func TestNetworkReachesHostLoopbackAndNoneHasOnlyLo(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			port := hostServer(t, "hello from the host")
			out := e.roostOK(append([]string{"--runtime", rt, "run", "--rm", busybox}, fetchHost(port)...)...)
			if out != "hello from the host" {
				t.Fatalf("fetch through host.containers.internal: got %q", out)
			}
			if out := e.roostOK("--runtime", rt, "run", "--rm", "--network", "none", busybox, "ls", "/sys/class/net"); strings.Fields(out)[0] != "lo" || len(strings.Fields(out)) != 1 {
				t.Fatalf("--network none should have only lo, got %q", out)
			}
			// docker's name works too, and resolv.conf names a resolver.
			out = e.roostOK("--runtime", rt, "run", "--rm", busybox, "sh", "-c", "grep -c host.docker.internal /etc/hosts; grep -c nameserver /etc/resolv.conf")
			if out != "1\n1\n" {
				t.Fatalf("hosts/resolv.conf: %q", out)
			}
			assertNoNetworkLeftovers(t, e)
		})
	}
}

// Two containers on a user network reach each other; one on another network
// cannot; disconnect removes reachability; an internal network has no way out.
func TestUserNetworksIsolateAndDisconnect(t *testing.T) {
	e := pulled(t)
	port := hostServer(t, "egress")
	e.roostOK("network", "create", "--subnet", "10.91.0.0/24", "blue")
	e.roostOK("network", "create", "red")
	e.roostOK("network", "create", "--internal", "inner")
	e.roostOK("run", "-d", "--name", "web", "--hostname", "web", "--network", "blue", "--ip", "10.91.0.10", busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
	if got := e.roostLine("inspect", "--format", "{{(index .NetworkSettings.Networks \"blue\").IPAddress}}", "web"); got != "10.91.0.10" {
		t.Fatalf("--ip: inspect shows %q", got)
	}
	if out := e.roostOK(append([]string{"run", "--rm", "--network", "blue", busybox}, httpGet("10.91.0.10", 8080)...)...); out != "web\n" {
		t.Fatalf("same network should reach web: %q", out)
	}
	if out := e.roost(append([]string{"run", "--rm", "--network", "red", busybox}, httpGet("10.91.0.10", 8080)...)...); strings.Contains(out.Stdout, "web") {
		t.Fatalf("another network reached web: %s", out)
	}
	// The running web joins red, then leaves it again.
	e.roostOK("run", "-d", "--name", "client", "--network", "red", busybox, "sleep", "300")
	e.roostOK("network", "connect", "red", "web")
	redIP := e.roostLine("inspect", "--format", "{{(index .NetworkSettings.Networks \"red\").IPAddress}}", "web")
	probe := func() string {
		return e.roost(append([]string{"run", "--rm", "--network", "red", busybox}, httpGet(redIP, 8080)...)...).Stdout
	}
	if out := probe(); out != "web\n" {
		t.Fatalf("after connect, red should reach web at %s: %q", redIP, out)
	}
	e.roostOK("network", "disconnect", "red", "web")
	if out := probe(); strings.Contains(out, "web") {
		t.Fatalf("after disconnect, red still reaches web: %q", out)
	}
	// Egress: a normal network reaches the host, an internal one does not.
	if out := e.roostOK(append([]string{"run", "--rm", "--network", "blue", busybox}, fetchHost(port)...)...); out != "egress" {
		t.Fatalf("blue should reach the host: %q", out)
	}
	if r := e.roost(append([]string{"run", "--rm", "--network", "inner", busybox}, fetchHost(port)...)...); r.Code == 0 || strings.Contains(r.Stdout, "egress") {
		t.Fatalf("an internal network reached the host: %s", r)
	}
	// In use: rm refuses, rm -f takes the container with it.
	e.roostFails(2, "network", "rm", "blue") // in use: 2, as in Podman
	e.roostOK("network", "rm", "-f", "blue")
	if r := e.roost("container", "exists", "web"); r.Code != 1 {
		t.Fatalf("network rm -f should remove its containers: %s", r)
	}
	e.roostOK("rm", "-f", "client")
	if out := e.roostOK("network", "prune", "-f"); !strings.Contains(out, "red") || !strings.Contains(out, "inner") {
		t.Fatalf("prune should remove the unused networks: %q", out)
	}
	if out := e.roostOK("network", "ls", "-q"); out != "podman\n" {
		t.Fatalf("only the default network should be left: %q", out)
	}
	assertNoNetworkLeftovers(t, e)
}

// Starting a container on a network that already has members spawns no
// process besides the container's monitor (and the container itself).
func TestStartOnDefaultNetworkAddsOnlyTheMonitor(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "first", busybox, "sleep", "300")
	before := e.userNSProcs()
	e.roostOK("run", "-d", "--name", "second", busybox, "sleep", "301")
	after := e.userNSProcs()
	var added []string
	for pid, comm := range after {
		if _, ok := before[pid]; !ok {
			added = append(added, comm)
		}
	}
	monitors, others := 0, []string{}
	for _, c := range added {
		switch c {
		case "roost-monitor":
			monitors++
		case "sleep":
		default:
			others = append(others, c)
		}
	}
	if monitors != 1 || len(others) != 0 {
		t.Fatalf("a start on an existing network should add its monitor and the container only, added %v", added)
	}
	e.roostOK("rm", "-f", "first", "second")
	assertNoNetworkLeftovers(t, e)
}

// rm -f of everything leaves no namespace file, bridge, lease or helper; an
// address used before is free again.
func TestNetworkRemoveLeavesNothing(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "--subnet", "10.92.0.0/24", "n1")
	for i := 0; i < 3; i++ {
		e.roostOK("run", "-d", "--name", fmt.Sprintf("c%d", i), "--network", "n1", "--network", "roost", busybox, "sleep", "300")
	}
	if n := len(e.netnsFiles()); n < 4 {
		t.Fatalf("want the shared and three container namespaces, got %v", e.netnsFiles())
	}
	if ls := e.roostOK("unshare", "nsenter", "--net="+e.RuntimeDir+"/roost/netns/roost", "ip", "-o", "link"); strings.Count(ls, "veth") != 6 || !strings.Contains(ls, "roost0") || !strings.Contains(ls, "roost1") {
		t.Fatalf("want two bridges and six veths in the shared namespace: %s", ls)
	}
	ip := e.roostLine("inspect", "--format", "{{(index .NetworkSettings.Networks \"n1\").IPAddress}}", "c0")
	e.roostOK("rm", "-f", "c0", "c1", "c2")
	assertNoNetworkLeftovers(t, e)
	// The address is free again: --ip takes it.
	e.roostOK("run", "--rm", "--network", "n1", "--ip", ip, busybox, "true")
	assertNoNetworkLeftovers(t, e)
}

// kill -9 of the namespace's slirp4netns: info and inspect say egress is
// down; the next container start restores it for every member, and so does
// `network reload`.
func TestEgressHelperKilledIsReportedAndRestored(t *testing.T) {
	e := pulled(t)
	port := hostServer(t, "back")
	// The member reports, line by line in its log, whether it reaches the host.
	loop := fmt.Sprintf(`while :; do if timeout 5 wget -qO- http://host.containers.internal:%d/ >/dev/null 2>&1; then echo up; else echo down; fi; sleep 0.2; done`, port)
	e.roostOK("run", "-d", "--name", "member", busybox, "sh", "-c", loop)
	memberSays := func(want string) {
		t.Helper()
		eventually(t, secs(30), func() error {
			lines := strings.Fields(e.roostOK("logs", "--tail", "1", "member"))
			if len(lines) == 0 || lines[len(lines)-1] != want {
				return fmt.Errorf("member should say %s, says %v", want, lines)
			}
			return nil
		})
	}
	memberSays("up")
	kill9(t, e.helperPid(t))
	eventually(t, secs(5), func() error {
		if up := e.roostLine("info", "--format", "{{.Host.Network.EgressUp}}"); up != "false" {
			return fmt.Errorf("info says egressUp=%s after the helper was killed", up)
		}
		return nil
	})
	if up := e.roostLine("inspect", "--format", "{{.NetworkSettings.Egress.Up}}", "member"); up != "false" {
		t.Fatalf("inspect says egress up=%s after the helper was killed", up)
	}
	memberSays("down")
	// The next start brings it back, for the old member too.
	if out := e.roostOK(append([]string{"run", "--rm", busybox}, fetchHost(port)...)...); out != "back" {
		t.Fatalf("a new start should restore egress: %q", out)
	}
	memberSays("up")
	// network reload does the same without a new container.
	kill9(t, e.helperPid(t))
	memberSays("down")
	e.roostOK("network", "reload", "--all")
	if up := e.roostLine("info", "--format", "{{.Host.Network.EgressUp}}"); up != "true" {
		t.Fatalf("network reload should restore egress: egressUp=%s", up)
	}
	memberSays("up")
	e.roostOK("rm", "-f", "member")
	assertNoNetworkLeftovers(t, e)
}

// Published ports: busy and privileged ports fail before the container runs,
// with one line; -p and -P are recorded as inspect shows them.
func TestPublishedPortChecks(t *testing.T) {
	e := pulled(t)
	busy := hostServer(t, "busy")
	msg := e.roostFails(126, "run", "-d", "--rm", "--name", "clash", "-p", fmt.Sprintf("%d:80", busy), busybox, "sleep", "30")
	if !strings.Contains(msg, "already in use") {
		t.Fatalf("busy port: %q", msg)
	}
	msg = e.roostFails(126, "run", "-d", "--rm", "-p", "80:80", busybox, "sleep", "30")
	if !strings.Contains(msg, "ip_unprivileged_port_start") {
		t.Fatalf("privileged port: %q", msg)
	}
	if out := e.roostOK("ps", "-q"); out != "" {
		t.Fatalf("a failed publish left a running container: %q", out)
	}
	e.roostOK("create", "--name", "pub", "-p", "127.0.0.1::8080", "-p", "20000-20001:53-54/udp", busybox, "true")
	var ports map[string][]struct{ HostIp, HostPort string }
	if err := json.Unmarshal([]byte(e.roostLine("inspect", "--format", "{{json .NetworkSettings.Ports}}", "pub")), &ports); err != nil {
		t.Fatal(err)
	}
	if p := ports["8080/tcp"]; len(p) != 1 || p[0].HostIp != "127.0.0.1" || p[0].HostPort == "" || p[0].HostPort == "0" {
		t.Fatalf("-p 127.0.0.1::8080 should get a free host port: %v", ports)
	}
	if ports["53/udp"][0].HostPort != "20000" || ports["54/udp"][0].HostPort != "20001" {
		t.Fatalf("udp range: %v", ports)
	}
	e.roostOK("rm", "-af")
	assertNoNetworkLeftovers(t, e)
}

// Bad network input: one line, exit 125, nothing made.
func TestNetworkBadInput(t *testing.T) {
	e := pulled(t)
	for _, args := range [][]string{
		{"run", "--rm", "--network", "no-such-net", busybox, "true"},
		{"run", "--rm", "--network", "none", "--ip", "10.88.0.9", busybox, "true"},
		{"run", "--rm", "--network", "host", "--network", "roost", busybox, "true"},
		{"run", "--rm", "-p", "99999:80", busybox, "true"},
		{"run", "--rm", "--network", "none", "-p", "8080:80", busybox, "true"},
		{"run", "--rm", "--ip", "10.1.2.3", busybox, "true"},
		{"run", "--rm", "--add-host", "nocolon", busybox, "true"},
		{"network", "create", "--subnet", "10.88.1.0/24", "overlaps"},
		{"network", "create", "--subnet", "nonsense", "bad"},
		{"network", "create", "bad/name"},
		{"network", "rm", "roost"},
		{"network", "inspect", "missing"},
	} {
		e.roostFails(125, args...)
	}
	if r := e.roost("network", "exists", "missing"); r.Code != 1 {
		t.Fatalf("network exists missing: %s", r)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("bad input left containers: %q", out)
	}
	if out := e.roostOK("network", "ls", "--format", "{{.Name}} {{.Driver}}"); out != "podman bridge\n" {
		t.Fatalf("bad input left networks: %q", out)
	}
	assertNoNetworkLeftovers(t, e)
}

// assertNoNetworkLeftovers: no namespace file, no helper, nothing in the
// user namespace but the holder, no lease.
func assertNoNetworkLeftovers(t *testing.T, e *env) {
	t.Helper()
	assertNoContainerLeftovers(t, e)
	eventually(t, secs(10), func() error {
		if files := e.netnsFiles(); len(files) != 0 {
			return fmt.Errorf("network namespace files left: %v", files)
		}
		if up := e.roostLine("info", "--format", "{{.Host.Network.NamespaceActive}} {{.Host.Network.EgressUp}}"); up != "false false" {
			return fmt.Errorf("the shared namespace or its helper is still up: %s", up)
		}
		return e.dnsLeftovers()
	})
}

// The other helpers: pasta for the shared namespace (roost.conf), and a
// helper of the container's own with --network slirp4netns or pasta; each
// reaches the host's loopback and leaves nothing behind.
func TestPastaAndPrivateHelpersReachTheHost(t *testing.T) {
	e := pulled(t)
	port := hostServer(t, "via helper")
	for _, mode := range []string{"slirp4netns", "pasta"} {
		if out := e.roostOK(append([]string{"run", "--rm", "--network", mode, busybox}, fetchHost(port)...)...); out != "via helper" {
			t.Fatalf("--network %s: %q", mode, out)
		}
		assertNoNetworkLeftovers(t, e)
	}
	e.writeFile(".config/roost/roost.conf", "[network]\nbackend = \"pasta\"\nidle_grace = \"1s\"\n")
	e.roostOK("run", "-d", "--name", "m", busybox, "sleep", "300")
	if b := e.roostLine("info", "--format", "{{.Host.Network.Backend}} {{.Host.Network.EgressUp}}"); b != "pasta true" {
		t.Fatalf("info with the pasta backend: %q", b)
	}
	if out := e.roostOK(append([]string{"run", "--rm", busybox}, fetchHost(port)...)...); out != "via helper" {
		t.Fatalf("shared namespace through pasta: %q", out)
	}
	e.roostOK("rm", "-f", "m")
	assertNoNetworkLeftovers(t, e)
}

// TestNetworkIdleGrace: the shared namespace and its egress helper outlive
// the last container by roost.conf's idle_grace, so that the next run
// reuses them; then they go by themselves. network rm and system reset end
// the grace at once, a killed reaper is made up for by the next command,
// and a bad setting is one line.
func TestNetworkIdleGrace(t *testing.T) {
	e := pulled(t)
	e.writeFile(".config/roost/roost.conf", "[network]\nidle_grace = \"5s\"\n")
	rt := filepath.Join(e.RuntimeDir, "roost")
	up := func() string {
		return e.roostLine("info", "--format", "{{.Host.Network.NamespaceActive}} {{.Host.Network.EgressUp}}")
	}

	e.roostOK("run", "--rm", busybox, "true")
	if got := up(); got != "true true" {
		t.Fatalf("right after the last container the namespace and helper should be up for the grace: %s", got)
	}
	helper := e.helperPid(t)
	reaper := firstInt(t, filepath.Join(rt, "netns", "roost.reaper"))
	// A member within the grace: the reaper leaves when the grace would have
	// ended (kept till then, a burst of runs starts it once) and the
	// namespace stays for the member.
	id := e.roostLine("run", "-d", busybox, "sleep", "100")
	eventually(t, secs(15), func() error {
		if processRuns(reaper) {
			return fmt.Errorf("the reaper %d still waits while container %s uses the namespace", reaper, id)
		}
		return nil
	})
	if got := up(); got != "true true" {
		t.Fatalf("the reaper's end took the namespace from a running member: %s", got)
	}
	e.roostOK("rm", "-f", id)
	reaper = firstInt(t, filepath.Join(rt, "netns", "roost.reaper"))
	e.roostOK("run", "--rm", busybox, "true")
	if got := e.helperPid(t); got != helper {
		t.Fatalf("a run within the grace started a new helper (%d, was %d)", got, helper)
	}
	eventually(t, secs(20), func() error {
		if got := up(); got != "false false" {
			return fmt.Errorf("namespace and helper after the grace: %s", got)
		}
		if processRuns(helper) || processRuns(reaper) {
			return fmt.Errorf("helper %d or reaper %d still runs after the grace", helper, reaper)
		}
		if files := e.netnsFiles(); len(files) != 0 {
			return fmt.Errorf("files left in netns: %v", files)
		}
		return nil
	})

	// The last network rm is cleaning up: no grace.
	e.roostOK("network", "create", "gracenet")
	e.roostOK("run", "--rm", "--network", "gracenet", busybox, "true")
	if got := up(); got != "true true" {
		t.Fatalf("after a run on gracenet: %s", got)
	}
	e.roostOK("network", "rm", "gracenet")
	if got := up(); got != "false false" {
		t.Fatalf("network rm of the idle namespace's last network left it up: %s", got)
	}

	// A reaper killed with -9: the first command after the grace tears down.
	e.roostOK("run", "--rm", busybox, "true")
	helper = e.helperPid(t)
	reaper = firstInt(t, filepath.Join(rt, "netns", "roost.reaper"))
	syscall.Kill(reaper, syscall.SIGKILL)
	time.Sleep(6 * time.Second) // past the grace; no reaper to end it
	e.roostOK("ps", "-a")
	if got := up(); got != "false false" || processRuns(helper) {
		t.Fatalf("after the grace with the reaper killed, ps should tear down: %s (helper runs: %v)", got, processRuns(helper))
	}

	// system reset ends the grace at once.
	e.roostOK("run", "--rm", busybox, "true")
	helper = e.helperPid(t)
	reaper = firstInt(t, filepath.Join(rt, "netns", "roost.reaper"))
	e.roostOK("system", "reset", "-f")
	if processRuns(helper) || processRuns(reaper) {
		t.Fatalf("system reset left the helper (%v) or the reaper (%v) running", processRuns(helper), processRuns(reaper))
	}

	e.writeFile(".config/roost/roost.conf", "[network]\nidle_grace = \"soon\"\n")
	if line := e.roostFails(125, "ps"); !strings.Contains(line, `invalid [network] idle_grace "soon"`) {
		t.Fatalf("bad idle_grace: %q", line)
	}
}
