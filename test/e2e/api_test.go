package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAPIPingAndSocketMode: the service answers Docker's first request, its
// socket is the user's alone, and what it does not serve is Docker's 404.
func TestAPIPingAndSocketMode(t *testing.T) {
	e := newEnv(t)
	s := e.startAPI(t)
	fi, err := os.Stat(s.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Fatalf("socket mode %o, want 600", m)
	}
	for _, path := range []string{"/_ping", "/v1.41/_ping", "/v1.51/_ping"} {
		out := succeeded(t, "curl "+path, e.run("curl", "-sS", "--unix-socket", s.Socket, "http://d"+path))
		if out != "OK" {
			t.Fatalf("%s answered %q, want OK", path, out)
		}
	}
	head := succeeded(t, "curl -I _ping", e.run("curl", "-sS", "-I", "--unix-socket", s.Socket, "http://d/_ping"))
	if !strings.Contains(head, "Api-Version: 1.51") {
		t.Fatalf("HEAD /_ping headers lack Api-Version:\n%s", head)
	}
	for path, want := range map[string]string{
		"/no/such/route": `{"message":"page not found: GET /no/such/route"}` + "\n404",
		"/v1.10/_ping":   `{"message":"client version 1.10 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"}` + "\n400",
	} {
		got := succeeded(t, "curl "+path, e.run("curl", "-sS", "-w", "%{http_code}", "--unix-socket", s.Socket, "http://d"+path))
		if got != want {
			t.Fatalf("%s answered %q, want %q", path, got, want)
		}
	}
}

// TestAPIServiceExitsWhenIdle: with --time the service ends after that many
// idle seconds and takes its socket with it; a request in between resets
// the clock.
func TestAPIServiceExitsWhenIdle(t *testing.T) {
	e := newEnv(t)
	sock := filepath.Join(e.RuntimeDir, "roost", "idle.sock")
	start := time.Now()
	done := make(chan result, 1)
	go func() { done <- e.roost("system", "service", "--time", "2", "unix://"+sock) }()
	eventually(t, 20*time.Second, func() error {
		_, err := os.Stat(sock)
		return err
	})
	succeeded(t, "curl _ping", e.run("curl", "-sS", "--unix-socket", sock, "http://d/_ping"))
	select {
	case r := <-done:
		if r.Code != 0 {
			t.Fatalf("service: %s", r)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("service still running 60 s after its last request with --time 2")
	}
	if time.Since(start) < 2*time.Second {
		t.Fatalf("service exited before its idle time")
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket %s left behind after the service exited: %v", sock, err)
	}
}

// TestAPIServiceBadURI: a URI Roost does not serve is one line and exit 125,
// and a second service on a live socket is refused without touching it.
func TestAPIServiceBadURI(t *testing.T) {
	e := newEnv(t)
	out := e.roostFails(125, "system", "service", "tcp://127.0.0.1:2375")
	if !strings.Contains(out, "only on a unix socket") {
		t.Fatalf("tcp URI: %q", out)
	}
	s := e.startAPI(t)
	out = e.roostFails(125, "system", "service", "--time", "1", "unix://"+s.Socket)
	if !strings.Contains(out, "a service already listens there") {
		t.Fatalf("second service on a live socket: %q", out)
	}
	succeeded(t, "curl _ping after the refused second service", e.run("curl", "-sS", "--unix-socket", s.Socket, "http://d/_ping"))
}

// TestAPIBadRequestsAndOtherUsers: a malformed body, an oversized body and
// a bad query each get Docker's error body with the right status, nothing
// is made, and the service answers on; another user cannot reach it.
func TestAPIBadRequestsAndOtherUsers(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)
	post := func(path, bodyFile string) string {
		t.Helper()
		r := e.run("curl", "-sS", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
			"--data-binary", "@"+bodyFile, "--unix-socket", s.Socket, "http://d"+path)
		return strings.TrimSpace(r.Stdout)
	}
	bad := filepath.Join(e.Home, "bad.json")
	e.writeFile("bad.json", `{"Image": "busybox", "Cmd": [`)
	if got := post("/v1.41/containers/create", bad); !strings.HasSuffix(got, "400") || !strings.Contains(got, `"message":"invalid JSON body`) {
		t.Fatalf("a malformed create body answered %q", got)
	}
	huge := filepath.Join(e.Home, "huge.json")
	e.writeFile("huge.json", `{"Image":"busybox","Labels":{"x":"`+strings.Repeat("a", 9<<20)+`"}}`)
	if got := post("/v1.41/containers/create", huge); !strings.HasSuffix(got, "400") || !strings.Contains(got, "larger than") {
		t.Fatalf("a 9 MiB create body answered %q", got[max(0, len(got)-200):])
	}
	if got := post("/v1.41/networks/create", bad); !strings.HasSuffix(got, "400") {
		t.Fatalf("a malformed network body answered %q", got)
	}
	if code := apiStatus(e, s, "GET", "/v1.41/containers/json?all=maybe"); code != "400" {
		t.Fatalf("containers/json?all=maybe answered %s, want 400", code)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("bad requests made containers: %q", out)
	}
	if out := succeeded(t, "curl _ping", e.run("curl", "-sS", "--unix-socket", s.Socket, "http://d/_ping")); out != "OK" {
		t.Fatalf("the service no longer answers after bad requests: %q", out)
	}
	// Another user: the socket is the test user's alone.
	cmd := exec.Command("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
		"curl", "-sS", "--unix-socket", s.Socket, "http://d/_ping")
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Contains(string(out), "OK") {
		t.Fatalf("user nobody reached the service: %q (%v)", out, err)
	}
}
