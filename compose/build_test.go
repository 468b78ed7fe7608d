package compose

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/engine"
)

func TestBuildRequest(t *testing.T) {
	c := load(t, `
secrets:
  tok: {environment: ROOST_UNIT_TOKEN}
services:
  short:
    build: .
  long:
    image: localhost/long:1
    build:
      context: .
      dockerfile: Other.dockerfile
      target: final
      args: {A: "1", B: "file"}
      labels: {k: v}
      cache_from: [reg/cache]
      network: host
      no_cache: true
      tags: [localhost/extra:2]
      extra_hosts: ["h:192.0.2.1"]
      secrets: [{source: tok, target: token}]
`)
	dir := c.Project.WorkingDir
	tok := c.Project.Secrets["tok"]
	tok.Content = "s3cret" // what compose-go reads from the environment
	c.Project.Secrets["tok"] = tok
	os.WriteFile(filepath.Join(dir, "Other.dockerfile"), []byte("FROM scratch\n"), 0o644)
	if got := ImageName(c.Project, c.Project.Services["short"]); got != "proj-short" {
		t.Errorf("default image name: got %q, want proj-short", got)
	}
	r, inline, err := buildRequest(c.Project, c.Project.Services["long"], BuildOptions{BuildArgs: map[string]string{"B": "flag"}, Pull: true})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.BuildRequest{
		ContextDir: dir, Containerfile: filepath.Join(dir, "Other.dockerfile"), Target: "final",
		Tags: []string{"localhost/long:1", "localhost/extra:2"}, BuildArgs: map[string]string{"A": "1", "B": "flag"},
		Labels: map[string]string{"k": "v", LabelProject: "proj", LabelService: "long", LabelVersion: "2"},
		Pull:   engine.PullAlways, NoCache: true, Layers: true, RemoveIntermediate: true, Network: "host",
		AddHosts: []string{"h:192.0.2.1"}, CacheFrom: []string{"reg/cache"}, Secrets: map[string]string{},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("request:\n got %+v\nwant %+v", r, want)
	}
	if string(inline["token"]) != "s3cret" {
		t.Errorf("an environment secret should be inline under its target: %v", inline)
	}
}

func TestBuildRequestRefusals(t *testing.T) {
	for yaml, want := range map[string]string{
		"services:\n  s:\n    build: ./nowhere\n":                                                      "service s: build.context ",
		"services:\n  s:\n    build:\n      context: .\n      ssh: [default]\n":                        "build.ssh is not supported",
		"services:\n  s:\n    build:\n      context: .\n      privileged: true\n":                      "build.privileged is not supported",
		"services:\n  s:\n    build:\n      context: https://example.com/x.git\n":                      "Roost builds only from a local directory",
		"services:\n  s:\n    build:\n      context: .\n      platforms: [linux/amd64, linux/arm64]\n": "one platform",
	} {
		c := load(t, yaml)
		_, _, err := buildRequest(c.Project, c.Project.Services["s"], BuildOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", yaml, err, want)
		}
	}
}

func TestImageNameCompatibility(t *testing.T) {
	c := load(t, "services:\n  Web:\n    build: .\n")
	c.Project.Environment["COMPOSE_COMPATIBILITY"] = "true"
	if got := ImageName(c.Project, c.Project.Services["Web"]); got != "proj_web" {
		t.Errorf("got %q, want proj_web", got)
	}
}
