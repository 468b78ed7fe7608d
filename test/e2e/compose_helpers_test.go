package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// composeDir copies testdata/compose/<file> to HOME/<dir>/compose.yaml (and,
// for the app, writes its CGI scripts) and returns the file's path.
func composeDir(t *testing.T, e *env, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "compose", file))
	if err != nil {
		t.Fatal(err)
	}
	path := e.writeFile(filepath.Join(dir, "compose.yaml"), string(b))
	os.Chmod(filepath.Dir(path), 0o755)
	return path
}

// writeAppScripts gives api and web their CGI scripts: api fetches db by
// service name, web fetches api.
func writeAppScripts(t *testing.T, e *env, dir string) {
	t.Helper()
	for svc, target := range map[string]string{"api": "http://db/", "web": "http://api/cgi-bin/x"} {
		p := e.writeFile(filepath.Join(dir, svc, "cgi-bin", "x"),
			"#!/bin/sh\necho 'Content-Type: text/plain'\necho\ntimeout 10 wget -q -O- "+target+"\n")
		for _, q := range []string{p, filepath.Dir(p), filepath.Dir(filepath.Dir(p))} {
			os.Chmod(q, 0o755)
		}
	}
}

// compose runs `roost compose -f FILE args...`.
func (e *env) compose(file string, args ...string) result {
	e.t.Helper()
	return e.roost(append([]string{"compose", "-f", file}, args...)...)
}

func (e *env) composeOK(file string, args ...string) string {
	e.t.Helper()
	return e.roostOK(append([]string{"compose", "-f", file}, args...)...)
}

// containerIDs maps container names to ids for the containers roost lists.
func containerIDs(t *testing.T, e *env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(e.roostOK("ps", "-a", "--format", "{{.Names}} {{.ID}}")), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			out[f[0]] = f[1]
		}
	}
	return out
}

// names lists the non-empty lines of out, sorted.
func names(out string) []string {
	var list []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			list = append(list, l)
		}
	}
	sort.Strings(list)
	return list
}

// dnsNames reads the DNS records Roost writes for a network.
func dnsNames(t *testing.T, e *env, network string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.RuntimeDir, "roost", "network", "dns", network+".json"))
	if err != nil {
		t.Fatalf("DNS records of %s: %v", network, err)
	}
	var rec struct {
		Names map[string][]string `json:"names"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.Names
}
