package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestBuildCacheThroughARegistry: --cache-to pushes every step's image to a
// registry repository, tagged with the step's key (skopeo lists the tags);
// after the local store is emptied, --cache-from gives every step from the
// registry, and the same image ID. A repository that cannot be reached is
// a warning and the build runs; a tagged one is refused with one line.
func TestBuildCacheThroughARegistry(t *testing.T) {
	e := pulled(t)
	ctx := buildContext(e, map[string]string{
		"Containerfile": "FROM " + busybox + "\nRUN echo built-at-$RANDOM > /stamp\nCOPY data.txt /data.txt\nCMD [\"cat\", \"/stamp\"]\n",
		"data.txt":      "some data\n",
	})
	repo := fmt.Sprintf("%s/buildcache/app%d", registry, time.Now().UnixNano())
	first := e.roostOK("build", "--cache-to", repo, "-t", "cached", ctx)
	id := lastLine(first)
	stamp := e.roostOK("run", "--rm", "cached")

	tags := e.run("skopeo", "list-tags", "--tls-verify=false", "docker://"+repo)
	if tags.Code != 0 || strings.Count(tags.Stdout, `"`) < 2*3 {
		t.Fatalf("skopeo list-tags of the cache repository (want a tag per step): %s", tags)
	}

	// Nothing local is left: the steps come from the registry.
	e.roostOK("rmi", "-a", "-f")
	if left := e.roostOK("images", "-a", "-q"); left != "" {
		t.Fatalf("rmi -a -f left images, so the local cache could serve: %q", left)
	}
	e.roostOK("pull", "-q", busybox)
	again := e.roostOK("build", "--cache-from", repo, "-t", "cached", ctx)
	if ran := stepsRun(again); len(ran) != 0 {
		t.Fatalf("with --cache-from these steps ran again: %q\n%s", ran, again)
	}
	if !strings.Contains(again, "Using cache") || lastLine(again) != id {
		t.Fatalf("with --cache-from: image %s, want %s:\n%s", lastLine(again), id, again)
	}
	if got := e.roostOK("run", "--rm", "cached"); got != stamp {
		t.Fatalf("the RUN's output differs: %q, want %q (the cached layer)", got, stamp)
	}
	if list := e.roostOK("images", "--format", "{{.Repository}}"); strings.Contains(list, "buildcache") {
		t.Fatalf("cache images are listed by name:\n%s", list)
	}

	// A repository nobody serves: a warning, and the build runs.
	e.roostOK("rmi", "-a", "-f")
	e.roostOK("pull", "-q", busybox)
	r := e.roost("build", "--cache-from", "127.0.0.1:9/nothing/here", "-t", "cached", ctx)
	if r.Code != 0 || !strings.Contains(r.Stdout+r.Stderr, "WARNING: --cache-from 127.0.0.1:9/nothing/here") || len(stepsRun(r.Stdout)) == 0 {
		t.Fatalf("build with an unreachable --cache-from: %s", r)
	}
	out := e.roostFails(125, "build", "--cache-to", repo+":tagged", ctx)
	if !strings.Contains(out, "--cache-to") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("a tagged --cache-to said %q", out)
	}
}
