package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAPISystemVersionInfoDF: docker version, info and system df through
// the service report what Roost's own CLI reports.
func TestAPISystemVersionInfoDF(t *testing.T) {
	e := newEnv(t)
	s := e.startAPI(t)
	e.roostOK("pull", "-q", busyboxRef)

	out := e.dockerOK(s, "version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}")
	roostVersion := strings.TrimSpace(e.roostOK("version", "--format", "{{.Client.Version}}"))
	if want := roostVersion + " 1.51 1.24 linux"; strings.TrimSpace(out) != want {
		t.Fatalf("docker version printed %q, want %q", out, want)
	}
	if out := e.dockerOK(s, "version"); !strings.Contains(out, "Roost Engine") {
		t.Fatalf("docker version does not name the engine:\n%s", out)
	}

	var info map[string]any
	if err := json.Unmarshal([]byte(e.dockerOK(s, "info", "--format", "{{json .}}")), &info); err != nil {
		t.Fatal(err)
	}
	driver := strings.TrimSpace(e.roostOK("info", "--format", "{{.Store.GraphDriverName}}"))
	root := strings.TrimSpace(e.roostOK("info", "--format", "{{.Store.GraphRoot}}"))
	if info["Driver"] != driver || info["DockerRootDir"] != root || info["Images"] != float64(1) || info["OSType"] != "linux" {
		t.Fatalf("docker info: Driver %v DockerRootDir %v Images %v OSType %v; roost says %s %s and 1 image",
			info["Driver"], info["DockerRootDir"], info["Images"], info["OSType"], driver, root)
	}
	if out := e.dockerOK(s, "info"); !strings.Contains(out, "Server Version: "+roostVersion) {
		t.Fatalf("docker info (text) lacks the server version:\n%s", out)
	}

	e.roostOK("create", "--name", "dfbox", busyboxRef, "true")
	e.roostOK("volume", "create", "dfvol")
	df := e.dockerOK(s, "system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}")
	for _, want := range []string{"Images 1 1", "Containers 1 0", "Local Volumes 1 0"} {
		if !strings.Contains(df, want) {
			t.Fatalf("docker system df printed %q, want a line %q", df, want)
		}
	}
	// -v lists the objects by name.
	if v := e.dockerOK(s, "system", "df", "-v"); !strings.Contains(v, "dfvol") || !strings.Contains(v, busyboxRef[:strings.LastIndex(busyboxRef, ":")]) {
		t.Fatalf("docker system df -v lacks the volume or the image:\n%s", v)
	}
}

// TestAPIEventsWhileContainerRuns: `docker events` streams the events of a
// container run by Roost's CLI as it runs, in Docker's words (start, die
// with its exit code), and --since/--until replays them and ends.
func TestAPIEventsWhileContainerRuns(t *testing.T) {
	e := newEnv(t)
	s := e.startAPI(t)
	e.roostOK("pull", "-q", busyboxRef)
	before := time.Now().Add(-time.Second).Unix()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.Extra = append(e.Extra, "DOCKER_HOST="+s.Host, "DOCKER_CONFIG="+filepath.Join(e.Home, ".docker"))
	cmd := e.command(ctx, dockerCLI(t), "events", "--filter", "type=container", "--filter", "container=evbox",
		"--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes \"exitCode\"}}")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer killGroup(cmd)
	// The stream is open once the service answered its headers, which
	// nothing shows: run the container until its start is seen.
	evbox := func() {
		if r := e.roost("run", "--rm", "--name", "evbox", busyboxRef, "sh", "-c", "exit 3"); r.Code != 3 {
			t.Fatalf("roost run evbox: %s", r)
		}
	}
	eventually(t, 20*time.Second, func() error {
		evbox()
		if strings.Contains(out.String(), "container start evbox") {
			return nil
		}
		return fmt.Errorf("no start event yet: %q", out.String())
	})
	// Another container's events come first in the log; once evbox's die
	// after them is seen, they would have been too had the filter passed them.
	e.roostOK("run", "--rm", "--name", "other", busyboxRef, "true")
	out.mu.Lock()
	out.b.Reset()
	out.mu.Unlock()
	evbox()
	eventually(t, 20*time.Second, func() error {
		if o := out.String(); !strings.Contains(o, "container die evbox 3") {
			return fmt.Errorf("no die event with exit code 3: %q", o)
		}
		return nil
	})
	if o := out.String(); strings.Contains(o, "other") {
		t.Fatalf("the container filter let another container's events through: %q", o)
	}

	// Past events with since and until: printed, then the CLI exits.
	until := strconv.FormatInt(time.Now().Unix()+1, 10)
	past := e.dockerOK(s, "events", "--since", strconv.FormatInt(before, 10), "--until", until,
		"--filter", "event=die", "--format", "{{.Action}} {{.Actor.Attributes.name}}")
	for _, l := range lines(past) {
		if !strings.HasPrefix(l, "die ") {
			t.Fatalf("docker events --filter event=die printed %q", past)
		}
	}
	if !strings.Contains(past, "die evbox") || !strings.Contains(past, "die other") {
		t.Fatalf("docker events --since --until printed %q, want the dies of evbox and other", past)
	}
	if code := apiStatus(e, s, "GET", "/v1.41/events?since=yesterday-ish"); code != "400" {
		t.Fatalf("events with a bad since answered %s, want 400", code)
	}
}

// TestAPIBuildClassicBuilder: `docker build` with the classic builder API
// builds a Containerfile through the engine; Roost's CLI sees the image
// under its tag with the ID the build reported.
func TestAPIBuildClassicBuilder(t *testing.T) {
	e := newEnv(t)
	s := e.startAPI(t)
	ctx := buildContext(e, map[string]string{
		"Dockerfile": "FROM " + busyboxRef + "\nARG GREETING=none\nCOPY data.txt /data.txt\nRUN echo \"$GREETING\" > /greeting\nLABEL built.by=api\nCMD [\"cat\", \"/data.txt\"]\n",
		"data.txt":   "from the context\n",
	})
	e.Extra = append(e.Extra, "DOCKER_BUILDKIT=0")
	iid := filepath.Join(e.Home, "iid")
	out := e.dockerOK(s, "build", "-t", "built:1", "--build-arg", "GREETING=hello", "--label", "extra=yes", "--iidfile", iid, ctx)
	if !strings.Contains(out, "Successfully built") || !strings.Contains(out, "Successfully tagged built:1") {
		t.Fatalf("docker build printed:\n%s", out)
	}
	id := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.ID}}", "built:1"))
	if !fullID.MatchString(id) {
		t.Fatalf("roost does not see built:1: %q", id)
	}
	if got := strings.TrimSpace(e.dockerOK(s, "image", "inspect", "--format", "{{.Id}}", "built:1")); got != "sha256:"+id {
		t.Fatalf("docker sees built:1 as %q, roost as %s", got, id)
	}
	if rows := e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", "--no-trunc"); !strings.Contains(rows, "built:1 "+id) && !strings.Contains(rows, "built:1 sha256:"+id) {
		t.Fatalf("roost images does not list built:1 with id %s:\n%s", id, rows)
	}
	labels := e.roostOK("image", "inspect", "--format", "{{index .Labels \"built.by\"}} {{index .Labels \"extra\"}}", "built:1")
	if strings.TrimSpace(labels) != "api yes" {
		t.Fatalf("labels of built:1: %q, want \"api yes\"", labels)
	}
	if got := e.roostOK("run", "--rm", "built:1", "cat", "/greeting", "/data.txt"); got != "hello\nfrom the context\n" {
		t.Fatalf("built image holds %q", got)
	}
	// A failing RUN is an error the CLI reports, and no image is named.
	bad := buildContext(e, map[string]string{"Dockerfile": "FROM " + busyboxRef + "\nRUN exit 7\n"})
	if r := e.docker(s, "build", "-t", "broken:1", bad); r.Code == 0 || !strings.Contains(r.Stderr+r.Stdout, "exit") {
		t.Fatalf("docker build of a failing RUN: %s", r)
	}
	if r := e.roost("image", "exists", "broken:1"); r.Code != 1 {
		t.Fatalf("a failed build left broken:1: %s", r)
	}
}
