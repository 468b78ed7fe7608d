package e2e

import (
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
