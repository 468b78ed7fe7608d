package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestContainersConfFilesOrder(t *testing.T) {
	dir := t.TempDir()
	usr := writeFile(t, filepath.Join(dir, "usr/containers.conf"), "")
	etc := writeFile(t, filepath.Join(dir, "etc/containers.conf"), "")
	etcB := writeFile(t, filepath.Join(dir, "etc/containers.conf.d/b.conf"), "")
	etcA := writeFile(t, filepath.Join(dir, "etc/containers.conf.d/a.conf"), "")
	writeFile(t, filepath.Join(dir, "etc/containers.conf.d/skip.txt"), "")
	user := writeFile(t, filepath.Join(dir, "home/containers.conf"), "")
	userD := writeFile(t, filepath.Join(dir, "home/containers.conf.d/10.conf"), "")
	over := writeFile(t, filepath.Join(dir, "override.conf"), "")
	src := ContainersConfSources{
		System: []string{usr, etc}, User: user, Override: over,
	}
	got, err := ContainersConfFiles(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{usr, etc, etcA, etcB, user, userD, over}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("files\n got %q\nwant %q", got, want)
	}

	// CONTAINERS_CONF replaces every file but the override.
	env := writeFile(t, filepath.Join(dir, "only.conf"), "")
	src.Env = env
	if got, _ = ContainersConfFiles(src); !reflect.DeepEqual(got, []string{env, over}) {
		t.Fatalf("with CONTAINERS_CONF: %q", got)
	}
}

func TestContainersConfFilesMissingAreSkippedOrRefused(t *testing.T) {
	dir := t.TempDir()
	got, err := ContainersConfFiles(ContainersConfSources{
		System: []string{filepath.Join(dir, "none")}, User: filepath.Join(dir, "nouser"),
	})
	if err != nil || len(got) != 0 {
		t.Fatalf("absent files: %q %v", got, err)
	}
	for _, src := range []ContainersConfSources{
		{Env: filepath.Join(dir, "missing.conf")},
		{Override: filepath.Join(dir, "missing.conf")},
	} {
		if _, err := ContainersConfFiles(src); err == nil || !strings.Contains(err.Error(), "missing.conf") {
			t.Errorf("%+v: error %v, want one naming the file", src, err)
		}
	}
}

func TestReadContainersConfMergesKeyByKey(t *testing.T) {
	dir := t.TempDir()
	sys := writeFile(t, filepath.Join(dir, "a.conf"), `
[containers]
env = ["A=1"]
tz = "UTC"
dns_servers = ["1.1.1.1", "8.8.8.8"]
[engine]
runtime = "crun"
[engine.runtimes]
crun = ["/usr/bin/crun"]
[machine]
cpus = 4
`)
	user := writeFile(t, filepath.Join(dir, "b.conf"), `
[containers]
env = ["B=2"]
unknown_key_of_podman = true
[engine.runtimes]
mine = ["/opt/mine"]
`)
	c, err := ReadContainersConf([]string{sys, user})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Containers.Env, []string{"B=2"}) {
		t.Errorf("env %q: a later file replaces a list whole", c.Containers.Env)
	}
	if c.Containers.TZ != "UTC" || len(c.Containers.DNSServers) != 2 {
		t.Errorf("keys the later file does not set must stay: tz %q dns %q", c.Containers.TZ, c.Containers.DNSServers)
	}
	if len(c.Engine.Runtimes) != 2 || c.Engine.Runtime != "crun" {
		t.Errorf("runtimes %v runtime %q", c.Engine.Runtimes, c.Engine.Runtime)
	}
	if c.Containers.PidsLimit != 2048 || c.Engine.StopTimeout != 10 || c.Containers.LogDriver != "k8s-file" {
		t.Errorf("Podman's defaults lost: %+v", c)
	}
}

func TestReadContainersConfErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ text, line, key string }{
		{"[containers]\n\nenv = \"not a list\"\n", ":3:", "containers.env"},
		{"[containers]\npids_limit = \"many\"\n", ":2:", "containers.pids_limit"},
		{"[containers\nenv = []\n", ":2:", ""},
		{"[engine]\nstop_timeout = 10\nruntime = \"crun\n", ":3:", ""},
	} {
		f := writeFile(t, filepath.Join(dir, "bad.conf"), tc.text)
		_, err := ReadContainersConf([]string{f})
		var ce *ConfError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: error %v, want a ConfError", tc.text, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, f+tc.line) || strings.Contains(msg, "\n") || !strings.Contains(msg, tc.key) {
			t.Errorf("%q: message %q, want one line starting %s%s naming %q", tc.text, msg, f, tc.line, tc.key)
		}
	}
}

// Podman's own file, as Debian ships it, must read without error.
func TestReadContainersConfPodmanDefaultFile(t *testing.T) {
	const path = "/usr/share/containers/containers.conf"
	if _, err := os.Stat(path); err != nil {
		t.Skip("no " + path + " on this machine")
	}
	if _, err := ReadContainersConf([]string{path}); err != nil {
		t.Fatal(err)
	}
}

func TestRuntimeFromConf(t *testing.T) {
	dir := t.TempDir()
	bin := writeFile(t, filepath.Join(dir, "myruntime"), "")
	c := &Config{}
	e := EngineDefaults{Runtime: "odd", Runtimes: map[string][]string{"odd": {filepath.Join(dir, "absent"), bin}}}
	if got := c.runtimeFromConf(e); got != bin {
		t.Errorf("runtime %q, want the first path that exists, %q", got, bin)
	}
	e.Runtime = "other"
	if got := c.runtimeFromConf(e); got != "other" {
		t.Errorf("runtime %q, want the bare name", got)
	}
}

// FuzzReadContainersConf: any text either reads or fails with one line
// naming the file; it never panics.
func FuzzReadContainersConf(f *testing.F) {
	for _, s := range []string{
		"[containers]\nenv = [\"A=1\"]\n",
		"[containers]\npids_limit = 5\numask = \"0077\"\n",
		"[engine]\nruntime = \"crun\"\n[engine.runtimes]\ncrun = [\"/usr/bin/crun\"]\n",
		"[network]\ndefault_subnet = \"10.1.0.0/24\"\n",
		"[containers\n",
		"x = 1\n[containers]\nenv = 3\n",
		"",
	} {
		f.Add(s)
	}
	path := filepath.Join(f.TempDir(), "fuzz.conf")
	f.Fuzz(func(t *testing.T, text string) {
		c := DefaultContainersConf()
		err := c.decode(path, text)
		if err == nil {
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, path) || strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("error %q: want one line starting with the file", msg)
		}
	})
}
