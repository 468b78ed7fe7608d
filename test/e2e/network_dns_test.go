package e2e

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Containers on a user network find each other by name, --network-alias and
// short id through Roost's DNS responder; a container on another network
// cannot; disconnect removes the name; the default network has DNS off, as
// Podman's; after rm -f no responder or records file is left.
func TestUserNetworkDNS(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "--subnet", "10.93.0.0/24", "front")
	e.roostOK("network", "create", "--subnet", "10.93.1.0/24", "back")
	id := e.roostLine("run", "-d", "--name", "web", "--hostname", "web", "--network", "front", "--network-alias", "www",
		busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
	e.roostOK("run", "-d", "--name", "client", "--network", "front", busybox, "sleep", "300")
	if ns := e.roostLine("exec", "client", "grep", "nameserver", "/etc/resolv.conf"); ns != "nameserver 10.93.0.1" {
		t.Fatalf("a container on a DNS network should ask its gateway: %q", ns)
	}
	for _, name := range []string{"web", "www", "WEB", id[:12], "web.dns.podman", "web.dns.roost"} {
		if out := e.roostOK("exec", "client", "timeout", "10", "wget", "-qO-", "http://"+name+":8080/hostname"); out != "web\n" {
			t.Fatalf("client should reach web as %s: %q", name, out)
		}
	}
	// Another network does not know web.
	r := e.roost("run", "--rm", "--network", "back", busybox, "sh", "-c", "nslookup web; timeout 5 wget -qO- http://web:8080/hostname")
	if strings.Contains(r.Stdout, "Address: 10.93.") || strings.Contains(r.Stdout, "web\n") {
		t.Fatalf("a container on another network resolved or reached web: %s", r)
	}
	// Connected to back, web is known there; disconnected, it is not.
	e.roostOK("network", "connect", "--alias", "api", "back", "web")
	lookup := func(name string) result {
		return e.roost("run", "--rm", "--network", "back", busybox, "nslookup", name)
	}
	for _, name := range []string{"web", "api"} {
		if r := lookup(name); r.Code != 0 || !strings.Contains(r.Stdout, "Address: 10.93.1.") {
			t.Fatalf("after connect, back should resolve %s: %s", name, r)
		}
	}
	e.roostOK("network", "disconnect", "back", "web")
	if r := lookup("web"); r.Code == 0 || strings.Contains(r.Stdout, "Address: 10.93.") {
		t.Fatalf("after disconnect, back still resolves web: %s", r)
	}
	// The default network: DNS off, resolv.conf names the egress resolver.
	if ns := e.roostLine("run", "--rm", busybox, "grep", "nameserver", "/etc/resolv.conf"); ns != "nameserver 10.0.2.3" {
		t.Fatalf("the default network should use slirp4netns's resolver: %q", ns)
	}
	e.roostOK("rm", "-f", "web", "client")
	assertNoNetworkLeftovers(t, e)
	e.roostOK("network", "rm", "front", "back")
}

// A name that is no member's is forwarded upstream: the container gets what
// the host's own resolver answers. Offline, the check needs a name the
// host's resolver knows; without one it is skipped, not passed.
func TestUserNetworkDNSForwardsUpstream(t *testing.T) {
	name, want := hostResolvable(t)
	e := pulled(t)
	e.roostOK("network", "create", "up")
	out := e.roostOK("run", "--rm", "--network", "up", busybox, "nslookup", name)
	if !strings.Contains(out, "Server:\t\t10.89.0.1") || !strings.Contains(out, want) {
		t.Fatalf("nslookup %s through the responder: want %s from 10.89.0.1, got %q", name, want, out)
	}
	// A single-label name that is no member's is not sent upstream.
	if r := e.roost("run", "--rm", "--network", "up", busybox, "nslookup", "nosuchmember"); r.Code == 0 {
		t.Fatalf("an unknown single-label name resolved: %s", r)
	}
	assertNoNetworkLeftovers(t, e)
}

// hostResolvable finds a name the host's first nameserver answers, and the
// address it gives, asking it directly (not /etc/hosts).
func hostResolvable(t *testing.T) (string, string) {
	t.Helper()
	conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(conf.Servers) == 0 {
		t.Skip("no nameserver in /etc/resolv.conf: upstream forwarding cannot be shown here")
	}
	for _, name := range []string{"deb.debian.org", "proxy.golang.org", "example.com"} {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		in, err := dns.Exchange(m, net.JoinHostPort(conf.Servers[0], "53"))
		if err != nil || in.Rcode != dns.RcodeSuccess {
			continue
		}
		for _, rr := range in.Answer {
			if a, ok := rr.(*dns.A); ok {
				return name, a.A.String()
			}
		}
	}
	t.Skip("the host's resolver answers none of the probe names: upstream forwarding cannot be shown offline")
	return "", ""
}
