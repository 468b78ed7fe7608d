package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// The default network is listed under Podman's name among the others in
// name order, as Podman lists it; removing it fails in Podman's words.
func TestNetworkDefaultListedAsPodman(t *testing.T) {
	e := pulled(t)
	for _, n := range []string{"c-net", "a-net", "z-net"} {
		e.roostOK("network", "create", n)
	}
	if out := e.roostOK("network", "ls", "-q"); out != "a-net\nc-net\npodman\nz-net\n" {
		t.Fatalf("network ls -q should list podman among the others by name: %q", out)
	}
	if out := e.roostOK("network", "ls", "--noheading", "--format", "{{.Name}} {{.ID}}", "--filter", "name=podman"); !strings.HasPrefix(out, "podman ") {
		t.Fatalf("network ls --filter name=podman: %q", out)
	}
	for _, ref := range []string{"podman", "roost"} {
		if msg := e.roostFails(125, "network", "rm", "-f", ref); msg != "Error: default network "+ref+" cannot be removed" {
			t.Fatalf("network rm %s: %q", ref, msg)
		}
	}
	e.roostOK("network", "rm", "a-net", "c-net", "z-net")
}

// On a network with DNS the container's short id is among its aliases on
// every network, resolv.conf searches Podman's dns.podman (unless the user
// gives --dns-search), and names under dns.podman resolve.
func TestNetworkShortIDAliasAndSearchDomain(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "--subnet", "10.94.0.0/24", "n1")
	e.roostOK("network", "create", "--subnet", "10.94.1.0/24", "n2")
	id := e.roostLine("run", "-d", "--name", "web", "--network", "n1", busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
	alias := func(net string) string {
		return e.roostLine("inspect", "web", "--format", `{{(index .NetworkSettings.Networks "`+net+`").Aliases}}`)
	}
	if got := alias("n1"); got != "["+id[:12]+"]" {
		t.Fatalf("aliases on n1: %q", got)
	}
	e.roostOK("network", "connect", "n2", "web")
	if got := alias("n2"); got != "["+id[:12]+"]" {
		t.Fatalf("aliases on n2 after connect: %q", got)
	}
	resolv := e.roostOK("run", "--rm", "--network", "n1", busybox, "cat", "/etc/resolv.conf")
	if !strings.HasPrefix(resolv, "search dns.podman") || !strings.Contains(resolv, "nameserver 10.94.0.1\n") {
		t.Fatalf("resolv.conf on a DNS network: %q", resolv)
	}
	if out := e.roostOK("run", "--rm", "--network", "n1", busybox, "timeout", "10", "wget", "-qO-", "http://web.dns.podman:8080/hostname"); out != id[:12]+"\n" {
		t.Fatalf("web.dns.podman should reach web: %q", out)
	}
	resolv = e.roostOK("run", "--rm", "--network", "n1", "--dns-search", "example.com", busybox, "cat", "/etc/resolv.conf")
	if !strings.HasPrefix(resolv, "search example.com\n") {
		t.Fatalf("--dns-search should replace the search line: %q", resolv)
	}
	// The default network has no DNS: no dns.podman search there.
	if resolv := e.roostOK("run", "--rm", busybox, "cat", "/etc/resolv.conf"); strings.Contains(resolv, "dns.podman") {
		t.Fatalf("the default network has no responder to search: %q", resolv)
	}
	e.roostOK("rm", "-f", "web")
	e.roostOK("network", "rm", "n1", "n2")
	assertNoNetworkLeftovers(t, e)
}

// Podman's slirp4netns options: cidr= moves the container (.100), its DNS
// (.3) and the host (.2) into the given range, and /etc/hosts says so;
// port_handler= takes either handler and a published port range answers on
// every port; bad options fail with one line and leave no container.
func TestSlirp4netnsPodmanOptions(t *testing.T) {
	e := pulled(t)
	port := hostServer(t, "via cidr")
	out := e.roostOK("run", "--rm", "--network", "slirp4netns:cidr=10.97.3.0/24,outbound_addr=lo", "--name", "sc", "--hostname", "sc", busybox,
		"sh", "-c", "cat /etc/hosts /etc/resolv.conf; ip -o -4 addr show tap0; "+strings.Join(fetchHost(port), " "))
	for _, want := range []string{"10.97.3.100\tsc sc\n", "10.97.3.2\thost.containers.internal", "nameserver 10.97.3.3\n", "inet 10.97.3.100/24 ", "via cidr"} {
		if !strings.Contains(out, want) {
			t.Errorf("slirp4netns:cidr= lacks %q:\n%s", want, out)
		}
	}
	for _, handler := range []string{"slirp4netns", "rootlesskit"} {
		first := freePortRange(t, 3)
		spec := fmt.Sprintf("%d-%d:%d-%d", first, first+2, first, first+2)
		e.roostOK("run", "-d", "--name", "pr", "--hostname", "pr", "--network", "slirp4netns:port_handler="+handler, "-p", spec, busybox,
			"sh", "-c", fmt.Sprintf("for p in %d %d %d; do httpd -p $p -h /etc; done; sleep 300", first, first+1, first+2))
		for p := first; p <= first+2; p++ {
			hostGetEventually(t, p, "/hostname", "pr\n")
		}
		e.roostOK("rm", "-f", "-t0", "pr")
	}
	for _, bad := range []string{"cidr=10.97.3.0/30", "cidr=nonsense", "port_handler=other", "outbound_addr=", "nosuch=1"} {
		if msg := e.roostFails(125, "run", "--rm", "--network", "slirp4netns:"+bad, busybox, "true"); !strings.Contains(msg, "invalid slirp4netns option") {
			t.Errorf("slirp4netns:%s: %q", bad, msg)
		}
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("bad options left containers: %q", out)
	}
	assertNoNetworkLeftovers(t, e)
}

// freePortRange finds n consecutive ports free on the host.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		first, ok := freeHostPort(t), true
		for p := first; p < first+n && ok; p++ {
			ok = p < 65536 && portFree(p) == nil
		}
		if ok {
			return first
		}
	}
	t.Fatal("no free port range")
	return 0
}

// The members of a pod find each other's names in the /etc/hosts they
// share: 127.0.0.1 for each running member, as in Podman; a member that
// has exited is gone from the file at the next member's start.
func TestPodHostsNameMembers(t *testing.T) {
	e := pulled(t)
	e.roostOK("pod", "create", "--name", "hp", "--infra-name", "hpi")
	first := e.roostOK("run", "--pod", "hp", "--name", "m1", busybox, "cat", "/etc/hosts")
	if !strings.Contains(first, "\thp hpi\n") || !strings.Contains(first, "127.0.0.1\tm1\n") {
		t.Fatalf("the first member's /etc/hosts:\n%s", first)
	}
	e.roostOK("run", "-d", "--pod", "hp", "--name", "m2", busybox, "sleep", "300")
	out := e.roostOK("run", "--pod", "hp", "--name", "m3", busybox, "cat", "/etc/hosts")
	if !strings.Contains(out, "127.0.0.1\tm2\n") || !strings.Contains(out, "127.0.0.1\tm3\n") || strings.Contains(out, "m1") {
		t.Fatalf("with m2 running and m1 exited, m3's /etc/hosts:\n%s", out)
	}
	if n, m := strings.Count(out, "\n"), strings.Count(first, "\n"); n != m+1 {
		t.Fatalf("m3's /etc/hosts has %d lines, m1's had %d:\n%s", n, m, out)
	}
	// ping may not be allowed to send; its first line shows the resolution.
	if r := e.roost("exec", "m2", "ping", "-c1", "-W2", "m3"); !strings.Contains(r.Stdout, "PING m3 (127.0.0.1)") {
		t.Fatalf("m2 should resolve m3 to 127.0.0.1: %s", r)
	}
	e.roostOK("pod", "rm", "-f", "hp")
}

// containers.conf's [network] default_network puts a container given no
// --network on that network, default_subnet is the default network's range,
// and [engine] network_cmd_options are slirp4netns's options when
// --network slirp4netns has none; bad values fail with one line.
func TestContainersConfNetworkDefaults(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "--subnet", "10.95.0.0/24", "confnet")
	e.writeFile(userContainersConf, "[network]\ndefault_network = \"confnet\"\ndefault_subnet = \"10.87.0.0/24\"\n"+
		"[engine]\nnetwork_cmd_options = [\"cidr=10.96.5.0/24\"]\n")
	addr := func(args ...string) string {
		return e.roostOK(append(append([]string{"run", "--rm"}, args...), busybox, "ip", "-o", "-4", "addr", "show")...)
	}
	if out := addr(); !strings.Contains(out, "inet 10.95.0.") {
		t.Errorf("no --network should mean default_network confnet: %q", out)
	}
	if out := addr("--network", "podman"); !strings.Contains(out, "inet 10.87.0.") {
		t.Errorf("the default network should use default_subnet: %q", out)
	}
	if got := e.roostLine("network", "inspect", "podman", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}"); got != "10.87.0.0/24" {
		t.Errorf("network inspect podman with default_subnet: %q", got)
	}
	if out := addr("--network", "slirp4netns"); !strings.Contains(out, "inet 10.96.5.100/24") {
		t.Errorf("--network slirp4netns should take network_cmd_options: %q", out)
	}
	if out := addr("--network", "slirp4netns:mtu=1500"); !strings.Contains(out, "inet 10.0.2.100/24") {
		t.Errorf("options given on the command line replace network_cmd_options: %q", out)
	}
	for conf, want := range map[string]string{
		"[engine]\nnetwork_cmd_options = [\"bogus=1\"]\n": "network_cmd_options",
		"[network]\ndefault_subnet = \"nonsense\"\n":      "default_subnet",
	} {
		e.writeFile(userContainersConf, conf)
		if msg := e.roostFails(125, "run", "--rm", "--network", "slirp4netns", busybox, "true"); !strings.Contains(msg, want) {
			t.Errorf("bad %s: %q", want, msg)
		}
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("bad containers.conf left containers: %q", out)
	}
	e.roostOK("network", "rm", "confnet")
	assertNoNetworkLeftovers(t, e)
}

// network disconnect takes the address given up out of the running
// container's /etc/hosts, and connect puts the new one in; --network host
// with --dns gets its own resolv.conf, as in Podman, and the host's without.
func TestNetworkDisconnectRewritesHostsAndHostDNS(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "--subnet", "10.94.2.0/24", "dn")
	e.roostOK("run", "-d", "--name", "dc", "--network", "dn", busybox, "sleep", "300")
	ip := e.roostLine("inspect", "dc", "--format", `{{(index .NetworkSettings.Networks "dn").IPAddress}}`)
	if !strings.HasPrefix(ip, "10.94.2.") || !strings.Contains(e.roostOK("exec", "dc", "cat", "/etc/hosts"), ip+"\t") {
		t.Fatalf("hosts should name %q before disconnect", ip)
	}
	e.roostOK("network", "disconnect", "dn", "dc")
	if hosts := e.roostOK("exec", "dc", "cat", "/etc/hosts"); strings.Contains(hosts, ip) {
		t.Fatalf("after disconnect /etc/hosts still names %s:\n%s", ip, hosts)
	}
	e.roostOK("network", "connect", "dn", "dc")
	ip2 := e.roostLine("inspect", "dc", "--format", `{{(index .NetworkSettings.Networks "dn").IPAddress}}`)
	if hosts := e.roostOK("exec", "dc", "cat", "/etc/hosts"); !strings.Contains(hosts, ip2+"\t") {
		t.Fatalf("after connect /etc/hosts lacks %s:\n%s", ip2, hosts)
	}
	e.roostOK("rm", "-f", "-t0", "dc")
	e.roostOK("network", "rm", "dn")
	if out := e.roostOK("run", "--rm", "--network", "host", "--dns", "192.0.2.53", busybox, "cat", "/etc/resolv.conf"); !strings.Contains(out, "nameserver 192.0.2.53\n") {
		t.Fatalf("--network host --dns: %q", out)
	}
	host, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	if out := e.roostOK("run", "--rm", "--network", "host", busybox, "cat", "/etc/resolv.conf"); out != string(host) {
		t.Fatalf("--network host without --dns should see the host's resolv.conf: %q", out)
	}
}
