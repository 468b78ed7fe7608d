package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hostServer serves body over HTTP on the host's loopback (127.0.0.1, a
// free port) for the test's duration and returns the port.
func hostServer(t *testing.T, body string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, body)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// fetchHost is the container command that prints what the host's server
// says through host.containers.internal. (busybox wget crashes with -T, so
// timeout bounds it.)
func fetchHost(port int) []string {
	return []string{"timeout", "10", "wget", "-qO-", fmt.Sprintf("http://host.containers.internal:%d/", port)}
}

// httpGet is a container command that asks ip:port for /hostname over
// plain TCP with nc and prints the answer's last line.
func httpGet(ip string, port int) []string {
	return []string{"sh", "-c", fmt.Sprintf(`printf 'GET /hostname HTTP/1.0\r\n\r\n' | timeout 5 nc %s %d | tail -n 1`, ip, port)}
}

// userNSProcs lists the processes of the env's user namespace by pid, with
// their command name.
func (e *env) userNSProcs() map[int]string {
	out := map[int]string{}
	pid := e.holderPid()
	if pid == 0 {
		return out
	}
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
	if err != nil {
		return out
	}
	for _, p := range processesInUserNS(ns) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		out[p] = strings.TrimSpace(string(comm))
	}
	return out
}

// netnsFiles lists the network namespace files Roost keeps for the env.
func (e *env) netnsFiles() []string {
	ents, _ := os.ReadDir(filepath.Join(e.RuntimeDir, "roost", "netns"))
	var out []string
	for _, ent := range ents {
		out = append(out, ent.Name())
	}
	return out
}

// helperPid is the pid of the shared namespace's egress helper, per info.
func (e *env) helperPid(t *testing.T) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(e.roostOK("info", "--format", "{{.Host.Network.HelperPid}}")))
	if err != nil || pid <= 0 {
		t.Fatalf("info shows no egress helper pid: %v", err)
	}
	return pid
}

func kill9(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// roostLine runs roost, expects success and returns stdout without the
// trailing newline.
func (e *env) roostLine(args ...string) string {
	e.t.Helper()
	return strings.TrimSpace(e.roostOK(args...))
}

// dnsState is what the DNS responder works from, for failure messages: the
// records files, its pid file and the end of its log, and the containers.
func (e *env) dnsState() string {
	dir := filepath.Join(e.RuntimeDir, "roost", "network")
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "dns", "*.json"))
	for _, f := range files {
		c, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "%s: %s\n", filepath.Base(f), c)
	}
	pid, _ := os.ReadFile(filepath.Join(dir, "dns.pid"))
	log, _ := os.ReadFile(filepath.Join(dir, "dns.log"))
	if len(log) > 2000 {
		log = log[len(log)-2000:]
	}
	fmt.Fprintf(&b, "dns.pid: %s\ndns.log (end):\n%s\n", pid, log)
	b.WriteString(e.roost("ps", "-a", "--format", "{{.Names}} {{.Status}}").Stdout)
	return b.String()
}
