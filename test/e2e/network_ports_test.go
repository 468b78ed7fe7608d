package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TCP published ports answer from the host: on the default network and on a
// user network, a range, through the monitor's forwarder; ps and port show
// them; after rm -f the ports are free and nothing is left.
func TestPublishedTCPPortsAnswerFromTheHost(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			e.roostOK("network", "create", "pubnet")
			p1 := freeHostPort(t)
			e.roostOK("--runtime", rt, "run", "-d", "--name", "web", "--hostname", "web", "-p", fmt.Sprintf("%d:8080", p1),
				busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
			hostGetEventually(t, p1, "/hostname", "web\n")
			if got := e.roostLine("port", "web", "8080/tcp"); got != fmt.Sprintf("0.0.0.0:%d", p1) {
				t.Fatalf("roost port web 8080/tcp: %q", got)
			}
			if got := e.roostLine("ps", "--format", "{{.Ports}}", "--filter", "name=web"); got != fmt.Sprintf("0.0.0.0:%d->8080/tcp", p1) {
				t.Fatalf("ps PORTS: %q", got)
			}
			// A range on a user network: two servers, two host ports.
			p2 := freeHostPort(t)
			for p2+1 == p1 || portFree(p2+1) != nil {
				p2 = freeHostPort(t)
			}
			e.roostOK("--runtime", rt, "run", "-d", "--name", "pair", "--hostname", "pair", "--network", "pubnet",
				"-p", fmt.Sprintf("127.0.0.1:%d-%d:9000-9001", p2, p2+1),
				busybox, "sh", "-c", "httpd -p 9000 -h /etc && exec httpd -f -p 9001 -h /etc")
			hostGetEventually(t, p2, "/hostname", "pair\n")
			hostGetEventually(t, p2+1, "/hostname", "pair\n")
			out := e.roostOK("port", "pair")
			for _, want := range []string{fmt.Sprintf("9000/tcp -> 127.0.0.1:%d", p2), fmt.Sprintf("9001/tcp -> 127.0.0.1:%d", p2+1)} {
				if !strings.Contains(out, want) {
					t.Fatalf("roost port pair should list %q: %q", want, out)
				}
			}
			// A big body goes through whole.
			e.roostOK("exec", "web", "sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x > /etc/big")
			if got, err := hostGet(p1, "/big"); err != nil || len(got) != 3000000 || strings.Trim(got, "x") != "" {
				t.Fatalf("3 MB through the published port: %d bytes, %v", len(got), err)
			}
			e.roostOK("rm", "-f", "web", "pair")
			for _, p := range []int{p1, p2, p2 + 1} {
				if err := portFree(p); err != nil {
					t.Fatal(err)
				}
			}
			e.roostOK("network", "rm", "pubnet")
			assertNoNetworkLeftovers(t, e)
		})
	}
}

// A UDP published port answers from the host (a perl echo server in Debian).
func TestPublishedUDPPortAnswers(t *testing.T) {
	e := pulled(t)
	e.roostOK("pull", "-q", debian)
	port := freeHostPort(t)
	e.roostOK(append([]string{"run", "-d", "--name", "echo", "-p", fmt.Sprintf("%d:5353/udp", port), debian}, perlUDPEcho(5353)...)...)
	eventually(t, secs(20), func() error {
		got, err := udpEcho(port, "ping")
		if err != nil || got != "echo:ping" {
			return fmt.Errorf("UDP echo through %d: %q, %v", port, got, err)
		}
		return nil
	})
	if got := e.roostLine("port", "echo"); got != fmt.Sprintf("5353/udp -> 0.0.0.0:%d", port) {
		t.Fatalf("roost port echo: %q", got)
	}
	e.roostOK("rm", "-f", "echo")
	assertNoNetworkLeftovers(t, e)
}

// -P publishes the image's EXPOSE (debian: 8080/tcp) on a free host port, and
// roost port names the port that answers.
func TestPublishAllPicksFreePorts(t *testing.T) {
	e := pulled(t)
	e.roostOK("pull", "-q", debian)
	// busybox from the host serves inside the Debian image.
	e.roostOK("run", "-d", "--name", "deb", "--hostname", "deb", "-P", "-v", "/bin/busybox:/busybox:ro",
		debian, "/busybox", "httpd", "-f", "-p", "8080", "-h", "/etc")
	addr := e.roostLine("port", "deb", "8080")
	var port int
	if _, err := fmt.Sscanf(addr, "0.0.0.0:%d", &port); err != nil || port == 0 {
		t.Fatalf("roost port deb 8080: %q", addr)
	}
	if out := e.roostOK("port", "deb"); strings.TrimSpace(out) != "8080/tcp -> "+addr {
		t.Fatalf("roost port deb: %q", out)
	}
	hostGetEventually(t, port, "/hostname", "deb\n")
	e.roostOK("rm", "-f", "deb")
	assertNoNetworkLeftovers(t, e)
}

// --network slirp4netns (the monitor forwards) and --network pasta (pasta
// forwards, keeping the client's address) publish too; --network host
// drops -p with Podman's warning.
func TestPublishedPortsOnOwnHelpersAndHost(t *testing.T) {
	e := pulled(t)
	for _, mode := range []string{"slirp4netns", "pasta"} {
		port := freeHostPort(t)
		e.roostOK("run", "-d", "--name", "h-"+mode, "--hostname", mode, "--network", mode, "-p", fmt.Sprintf("%d:8080", port),
			busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
		hostGetEventually(t, port, "/hostname", mode+"\n")
		e.roostOK("rm", "-f", "h-"+mode)
		if err := portFree(port); err != nil {
			t.Fatalf("--network %s: %v", mode, err)
		}
		assertNoNetworkLeftovers(t, e)
	}
	r := e.roost("run", "--rm", "--network", "host", "-p", "8080:80", busybox, "true")
	if r.Code != 0 || !strings.Contains(r.Stderr, "Port mappings have been discarded") {
		t.Fatalf("--network host with -p should warn and run: %s", r)
	}
	assertNoNetworkLeftovers(t, e)
}

// A busy port fails run's start, as in Podman (030-run "failed --rm"): exit
// 126 with one line; the container is kept, exited, or removed with --rm,
// and nothing of its network is left. A created container whose port was
// taken meanwhile fails its start (125) and does not run.
func TestPublishingABusyPortLeavesNothing(t *testing.T) {
	e := pulled(t)
	busy := hostServer(t, "busy")
	p := fmt.Sprintf("%d:80", busy)
	msg := e.roostFails(126, "run", "-d", "--name", "clash", "-p", p, busybox, "sleep", "30")
	if !strings.Contains(msg, fmt.Sprintf("port %d is already in use", busy)) {
		t.Fatalf("busy port: want one line naming it, got %q", msg)
	}
	e.roostFails(126, "run", "-d", "--rm", "--name", "clash_rm", "-p", p, busybox, "sleep", "30")
	if out := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}"); out != "clash exited\n" {
		t.Fatalf("after two failed runs, want only clash, exited; ps -a: %q", out)
	}
	e.roostOK("rm", "clash")
	assertNoNetworkLeftovers(t, e)
	port := freeHostPort(t)
	e.roostOK("create", "--name", "later", "-p", fmt.Sprintf("%d:80", port), busybox, "sleep", "30")
	taken := hostServerOn(t, port)
	defer taken()
	msg = e.roostFails(125, "start", "later")
	if !strings.Contains(msg, fmt.Sprintf("port %d is already in use", port)) {
		t.Fatalf("start with a port taken: %q", msg)
	}
	if out := e.roostOK("ps", "-q"); out != "" {
		t.Fatalf("a failed start left a container running: %q", out)
	}
	e.roostOK("rm", "-f", "later")
	assertNoNetworkLeftovers(t, e)
}

// TestPublishedPortFollowsNetworkConnection: a container disconnected from
// its last network is out of reach through its published port, and in
// reach again once connected (Podman's 500-networking "connect/disconnect
// with port forwarding"); on the default network as on a user one.
func TestPublishedPortFollowsNetworkConnection(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "portnet")
	for _, net := range []string{"portnet", "podman"} {
		p := freeHostPort(t)
		name := "web-" + net
		e.roostOK("run", "-d", "--name", name, "--hostname", name, "--network", net, "-p", fmt.Sprintf("%d:8080", p),
			busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
		hostGetEventually(t, p, "/hostname", name+"\n")
		addr := fmt.Sprintf("{{(index .NetworkSettings.Networks %q).IPAddress}}", net)
		before := e.roostLine("inspect", "--format", addr, name)
		e.roostOK("network", "disconnect", net, name)
		if got, err := hostGet(p, "/hostname"); err == nil {
			t.Fatalf("%s: the published port still answers %q after the container left its only network", net, got)
		}
		e.roostOK("network", "connect", net, name)
		hostGetEventually(t, p, "/hostname", name+"\n")
		// As Podman's IPAM, a reconnect gets the next free address.
		if after := e.roostLine("inspect", "--format", addr, name); after == before || after == "" {
			t.Fatalf("%s: address %q before the disconnect, %q after the connect: want a new one", net, before, after)
		}
		e.roostOK("rm", "-f", name)
	}
	e.roostOK("network", "rm", "portnet")
	assertNoNetworkLeftovers(t, e)
}
