package e2e

import (
	"os"
	"strings"
	"testing"
)

// TestAPIPingAndSocketMode: the service answers Docker's first request and
// its socket is the user's alone.
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
	out := succeeded(t, "curl _ping", e.run("curl", "-sS", "--unix-socket", s.Socket, "http://d/v1.41/_ping"))
	if out != "OK" {
		t.Fatalf("_ping answered %q, want OK", out)
	}
	r := e.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", s.Socket, "http://d/no/such/route")
	if strings.TrimSpace(r.Stdout) != "404" {
		t.Fatalf("unknown route answered %s, want 404", r)
	}
}
