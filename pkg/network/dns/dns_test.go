package dns

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The responder under test listens on 127.0.0.1 and 127.0.0.2 (two "gateways":
// all of 127/8 is loopback) on one free port, and forwards to a fake upstream
// the test runs.

func TestMain(m *testing.M) {
	// Ensure's child: serve as the responder would, on host sockets.
	if os.Getenv("ROOST_DNS_TEST_SERVE") != "" {
		port, _ := strconv.Atoi(os.Getenv("ROOST_DNS_TEST_PORT"))
		err := Serve(context.Background(), ServeOptions{
			RunDir: os.Getenv("ROOST_DNS_TEST_SERVE"), Port: port, Sockets: HostSockets{},
		}, ReadyReporter(3))
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// freeDNSPort finds a port free for UDP and TCP on both test gateways.
func freeDNSPort(t *testing.T) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ok := true
		var held []interface{ Close() error }
		held = append(held, ln)
		for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
			addr := net.JoinHostPort(ip, strconv.Itoa(port))
			if pc, err := net.ListenPacket("udp", addr); err == nil {
				held = append(held, pc)
			} else {
				ok = false
			}
			if ip != "127.0.0.1" {
				if l, err := net.Listen("tcp", addr); err == nil {
					held = append(held, l)
				} else {
					ok = false
				}
			}
		}
		for _, h := range held {
			h.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no free port on 127.0.0.1 and 127.0.0.2")
	return 0
}

// fakeUpstream answers example.test with 192.0.2.7 and NXDOMAIN for the rest,
// over UDP and TCP, and counts the questions it saw.
func fakeUpstream(t *testing.T) (addr string, asked chan string) {
	t.Helper()
	asked = make(chan string, 100)
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		asked <- req.Question[0].Name
		m := new(dns.Msg)
		m.SetReply(req)
		if req.Question[0].Name == "example.test." && req.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR("example.test. 60 IN A 192.0.2.7")
			m.Answer = append(m.Answer, rr)
		} else {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		pc.Close()
		t.Skipf("the fake upstream's TCP port was taken: %v", err)
	}
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go s.ActivateAndServe()
		<-started
		t.Cleanup(func() { s.Shutdown() })
	}
	return pc.LocalAddr().String(), asked
}

// startServer runs a responder over runDir's records until the test ends.
func startServer(t *testing.T, runDir string, port int, upstreams ...string) (done chan error) {
	t.Helper()
	srv := &Server{Dir: Dir(runDir), Port: port, Upstreams: upstreams, Sockets: HostSockets{}, Logf: t.Logf}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	done = make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(err error) { ready <- err }) }()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return done
}

func ask(t *testing.T, proto, gateway string, port int, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: proto, Timeout: 5 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	var r *dns.Msg
	var err error
	for try := 0; try < 3; try++ { // a listener may be (re)bound just now
		if r, _, err = c.Exchange(m, net.JoinHostPort(gateway, strconv.Itoa(port))); err == nil {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s query %s at %s: %v", proto, name, gateway, err)
	return nil
}

func addrsOf(r *dns.Msg) []string {
	var out []string
	for _, rr := range r.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, rr.A.String())
		case *dns.AAAA:
			out = append(out, rr.AAAA.String())
		}
	}
	return out
}

func TestAnswersMembersOfTheNetwork(t *testing.T) {
	runDir := t.TempDir()
	port := freeDNSPort(t)
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{
		"web": {"10.89.0.2"}, "web-alias": {"10.89.0.2"}, "Db": {"10.89.0.3", "10.89.0.4"}}}))
	startServer(t, runDir, port)

	for _, proto := range []string{"udp", "tcp"} {
		for name, want := range map[string]string{
			"web": "10.89.0.2", "web-alias": "10.89.0.2", "WEB.dns.roost": "10.89.0.2", "db": "10.89.0.3,10.89.0.4",
		} {
			r := ask(t, proto, "127.0.0.1", port, name, dns.TypeA)
			if got := strings.Join(addrsOf(r), ","); r.Rcode != dns.RcodeSuccess || got != want {
				t.Errorf("%s A %s: rcode %s, %q; want %q", proto, name, dns.RcodeToString[r.Rcode], got, want)
			}
		}
	}
	r := ask(t, "udp", "127.0.0.1", port, "web", dns.TypeAAAA)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("AAAA web: rcode %s, %d answers; want NOERROR and none", dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	r = ask(t, "udp", "127.0.0.1", port, "nosuch", dns.TypeA)
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("A nosuch: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

// TestIsolation: a question arriving on network A's gateway never learns
// network B's members.
func TestIsolation(t *testing.T) {
	runDir := t.TempDir()
	port := freeDNSPort(t)
	up, asked := fakeUpstream(t)
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.2"}}}))
	must(t, WriteRecords(runDir, "b", Records{Gateway: "127.0.0.2", Names: map[string][]string{"db": {"10.90.0.2"}, "my.db": {"10.90.0.2"}}}))
	startServer(t, runDir, port, up)

	for _, c := range []struct{ gw, name, want string }{
		{"127.0.0.1", "web", "10.89.0.2"},
		{"127.0.0.2", "db", "10.90.0.2"},
		{"127.0.0.1", "db", ""},
		{"127.0.0.1", "my.db", ""},
		{"127.0.0.2", "web", ""},
	} {
		r := ask(t, "udp", c.gw, port, c.name, dns.TypeA)
		got := strings.Join(addrsOf(r), ",")
		switch {
		case c.want != "" && (r.Rcode != dns.RcodeSuccess || got != c.want):
			t.Errorf("%s on %s: %s %q, want %q", c.name, c.gw, dns.RcodeToString[r.Rcode], got, c.want)
		case c.want == "" && (r.Rcode != dns.RcodeNameError || got != ""):
			t.Errorf("%s on %s: %s %q, want NXDOMAIN", c.name, c.gw, dns.RcodeToString[r.Rcode], got)
		}
	}
	select {
	case q := <-asked:
		t.Errorf("a member's name went upstream: %s", q)
	default:
	}
}

func TestForwardsUpstream(t *testing.T) {
	runDir := t.TempDir()
	port := freeDNSPort(t)
	up, asked := fakeUpstream(t)
	dead := deadUDPAddr(t)
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.2"}}}))
	startServer(t, runDir, port, dead, up)

	for _, proto := range []string{"udp", "tcp"} {
		r := ask(t, proto, "127.0.0.1", port, "example.test", dns.TypeA)
		if got := strings.Join(addrsOf(r), ","); r.Rcode != dns.RcodeSuccess || got != "192.0.2.7" {
			t.Errorf("%s forwarded A example.test: %s %q", proto, dns.RcodeToString[r.Rcode], got)
		}
		if q := <-asked; q != "example.test." {
			t.Errorf("upstream was asked %q", q)
		}
	}
	r := ask(t, "udp", "127.0.0.1", port, "nosuch.example", dns.TypeA)
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("upstream's NXDOMAIN came back as %s", dns.RcodeToString[r.Rcode])
	}
}

func TestServfailWithoutUpstream(t *testing.T) {
	runDir := t.TempDir()
	port := freeDNSPort(t)
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.2"}}}))
	startServer(t, runDir, port, deadUDPAddr(t))
	c := &dns.Client{Net: "tcp", Timeout: 15 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion("example.test.", dns.TypeA)
	r, _, err := c.Exchange(m, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeServerFailure {
		t.Fatalf("rcode %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
}

// deadUDPAddr is an address where nothing answers (TCP is refused too).
func deadUDPAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestReloadsAndExits: members come and go without a restart; with none
// left the server ends.
func TestReloadsAndExits(t *testing.T) {
	runDir := t.TempDir()
	port := freeDNSPort(t)
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.2"}}}))
	done := startServer(t, runDir, port)

	// A name written is answered at once, not after the change event: the
	// command that wrote it (compose up) may have returned already.
	for i, addr := range []string{"10.89.0.5", "10.89.0.6", "10.89.0.7"} {
		must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.2"}, "api": {addr}}}))
		if got := strings.Join(addrsOf(ask(t, "udp", "127.0.0.1", port, "api", dns.TypeA)), ","); got != addr {
			t.Fatalf("write %d: api is %q right after its record was written, want %s", i, got, addr)
		}
	}
	must(t, WriteRecords(runDir, "b", Records{Gateway: "127.0.0.2", Names: map[string][]string{"db": {"10.90.0.2"}}}))
	eventually(t, "the new network's gateway answers", func() bool {
		return strings.Join(addrsOf(ask(t, "udp", "127.0.0.2", port, "db", dns.TypeA)), ",") == "10.90.0.2"
	})
	must(t, RemoveRecords(runDir, "a"))
	must(t, WriteRecords(runDir, "b", Records{Gateway: "127.0.0.2"}))
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		done <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("the server still runs with no member left")
	}
	// Its sockets are closed: the port binds again.
	pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("the stopped server still holds its port: %v", err)
	}
	pc.Close()
}

// TestEnsure: starts one responder, is a no-op while it runs, and the
// responder removes its pid file and exits when the last member goes.
func TestEnsure(t *testing.T) {
	runDir := t.TempDir()
	port := freeDNSPort(t)
	exe, err := os.Executable()
	must(t, err)
	t.Setenv("ROOST_DNS_TEST_SERVE", runDir)
	t.Setenv("ROOST_DNS_TEST_PORT", strconv.Itoa(port))
	opts := Options{Command: []string{exe, "-test.run=^$"}}
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.2"}}}))

	must(t, EnsureWith(runDir, opts))
	pid1 := readPid(t, runDir)
	t.Cleanup(func() { killIfRunning(runDir) })
	if got := strings.Join(addrsOf(ask(t, "udp", "127.0.0.1", port, "web", dns.TypeA)), ","); got != "10.89.0.2" {
		t.Fatalf("web: %q", got)
	}
	must(t, EnsureWith(runDir, opts))
	if pid2 := readPid(t, runDir); pid2 != pid1 {
		t.Fatalf("Ensure started a second responder (%d, then %d)", pid1, pid2)
	}
	must(t, RemoveRecords(runDir, "a"))
	eventually(t, "the responder exits", func() bool {
		_, err := os.Stat(filepath.Join(runDir, "network", pidName))
		return os.IsNotExist(err) && !processAlive(pid1)
	})
	must(t, WriteRecords(runDir, "a", Records{Gateway: "127.0.0.1", Names: map[string][]string{"web": {"10.89.0.9"}}}))
	must(t, EnsureWith(runDir, opts))
	if pid3 := readPid(t, runDir); pid3 == pid1 {
		t.Fatal("no new responder after the first one stopped")
	}
	if got := strings.Join(addrsOf(ask(t, "udp", "127.0.0.1", port, "web", dns.TypeA)), ","); got != "10.89.0.9" {
		t.Fatalf("web after restart: %q", got)
	}
	must(t, RemoveRecords(runDir, "a"))
}

func readPid(t *testing.T, runDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runDir, "network", pidName))
	must(t, err)
	var pid int
	fmt.Sscanf(string(b), "%d", &pid)
	return pid
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(b), ") Z ")
}

func killIfRunning(runDir string) {
	b, err := os.ReadFile(filepath.Join(runDir, "network", pidName))
	if err != nil {
		return
	}
	var pid int
	if _, err := fmt.Sscanf(string(b), "%d", &pid); err == nil && pid > 0 && running(runDir) {
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	}
}

func TestUpstreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	must(t, os.WriteFile(path, []byte("# c\nsearch example\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nnameserver fe80::1%eth0\noptions edns0\n"), 0o600))
	got := strings.Join(Upstreams(path, "10.0.2.3"), " ")
	if want := "10.0.2.3:53 192.0.2.1:53 [fe80::1]:53"; got != want {
		t.Fatalf("upstreams %q, want %q", got, want)
	}
	if got := strings.Join(Upstreams(filepath.Join(t.TempDir(), "none"), "10.0.2.3"), " "); got != "10.0.2.3:53" {
		t.Fatalf("without resolv.conf: %q", got)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
