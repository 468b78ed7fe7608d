package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeHostPort asks the kernel for a free TCP and UDP port on the host.
func freeHostPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if u, err := net.ListenPacket("udp", fmt.Sprintf("0.0.0.0:%d", port)); err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// hostGet fetches path from 127.0.0.1:port with Go's HTTP client, as a
// client on the host would.
func hostGet(port int, path string) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return string(b), err
}

// hostGetEventually waits (the server in the container may not listen yet)
// until 127.0.0.1:port answers path with want.
func hostGetEventually(t *testing.T, port int, path, want string) {
	t.Helper()
	eventually(t, secs(20), func() error {
		got, err := hostGet(port, path)
		if err != nil {
			return fmt.Errorf("GET 127.0.0.1:%d%s: %v", port, path, err)
		}
		if got != want {
			return fmt.Errorf("GET 127.0.0.1:%d%s: got %q, want %q", port, path, got, want)
		}
		return nil
	})
}

// udpEcho sends msg to 127.0.0.1:port and returns the answer.
func udpEcho(port int, msg string) (string, error) {
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	return string(buf[:n]), err
}

// perlUDPEcho is a UDP echo server on port for the debian image (perl-base
// is in every Debian).
func perlUDPEcho(port int) []string {
	return []string{"perl", "-MIO::Socket::INET", "-e",
		fmt.Sprintf(`$s = IO::Socket::INET->new(LocalPort => %d, Proto => "udp") or die "$!"; while ($s->recv($m, 2048)) { $s->send("echo:" . $m) }`, port)}
}

// portFree says nothing listens on the host's TCP port any more.
func portFree(port int) error {
	l, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		return fmt.Errorf("port %d still bound: %v", port, err)
	}
	return l.Close()
}

// dnsLeftovers: no records file and no live responder pid file.
func (e *env) dnsLeftovers() error {
	dir := filepath.Join(e.RuntimeDir, "roost", "network")
	if ents, _ := os.ReadDir(filepath.Join(dir, "dns")); len(ents) != 0 {
		var names []string
		for _, ent := range ents {
			names = append(names, ent.Name())
		}
		return fmt.Errorf("DNS records files left: %s", strings.Join(names, " "))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dns.pid")); err == nil {
		return fmt.Errorf("the DNS responder's pid file is left: %q", b)
	}
	return nil
}

// hostServerOn holds TCP port on all addresses until the returned func runs.
func hostServerOn(t *testing.T, port int) func() {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	return func() { l.Close() }
}
