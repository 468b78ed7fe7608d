package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAPIImagesDockerCLI: Docker's own CLI pulls, lists, inspects, tags,
// removes, saves and loads images through the service, and Roost's CLI
// sees the same images with the same IDs.
func TestAPIImagesDockerCLI(t *testing.T) {
	e := newEnv(t)
	s := e.startAPI(t)

	out := e.dockerOK(s, "pull", busyboxRef)
	if !strings.Contains(out, "Downloaded newer image for "+busyboxRef) {
		t.Fatalf("docker pull printed %q, want the Docker status line", out)
	}
	id := strings.TrimSpace(e.roostOK("images", "-q", "--no-trunc", busyboxRef))
	if !fullID.MatchString(strings.TrimPrefix(id, "sha256:")) {
		t.Fatalf("roost images -q printed %q after docker pull", id)
	}
	id = strings.TrimPrefix(id, "sha256:")
	// A second pull names the image it already has.
	if out := e.dockerOK(s, "pull", busyboxRef); !strings.Contains(out, "Image is up to date for "+busyboxRef) {
		t.Fatalf("second docker pull printed %q", out)
	}

	// images: Docker's names (no localhost/, no docker.io/), Roost's IDs.
	rows := e.dockerOK(s, "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
	if want := busyboxRef + " sha256:" + id; !strings.Contains(rows, want) {
		t.Fatalf("docker images printed %q, want a row %q", rows, want)
	}

	// inspect: Docker's shape.
	var insp []map[string]any
	if err := json.Unmarshal([]byte(e.dockerOK(s, "image", "inspect", busyboxRef)), &insp); err != nil || len(insp) != 1 {
		t.Fatalf("docker image inspect: %v", err)
	}
	if insp[0]["Id"] != "sha256:"+id || insp[0]["Os"] != "linux" {
		t.Fatalf("docker image inspect: Id %v Os %v, want sha256:%s linux", insp[0]["Id"], insp[0]["Os"], id)
	}
	if tags, _ := insp[0]["RepoTags"].([]any); len(tags) != 1 || tags[0] != busyboxRef {
		t.Fatalf("docker image inspect RepoTags %v, want [%s]", insp[0]["RepoTags"], busyboxRef)
	}
	if cfg, _ := insp[0]["Config"].(map[string]any); cfg == nil {
		t.Fatalf("docker image inspect has no Config: %v", insp[0])
	}
	if out := e.dockerOK(s, "history", "-q", busyboxRef); !strings.Contains(out, "sha256:"+id[:12]) && !strings.Contains(out, id[:12]) {
		t.Fatalf("docker history -q printed %q, want the image's id first", out)
	}

	// tag: a name without a registry is shown as Docker names it.
	e.dockerOK(s, "tag", busyboxRef, "mybox:v1")
	if got := strings.TrimSpace(e.dockerOK(s, "images", "-q", "--no-trunc", "mybox:v1")); got != "sha256:"+id {
		t.Fatalf("docker images mybox:v1 printed %q, want sha256:%s", got, id)
	}
	if rows := e.dockerOK(s, "images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(rows, "mybox:v1") || strings.Contains(rows, "localhost/") {
		t.Fatalf("docker images after tag printed %q, want mybox:v1 without localhost/", rows)
	}
	if out := e.roostOK("image", "inspect", "--format", "{{.ID}}", "mybox:v1"); strings.TrimSpace(out) != id {
		t.Fatalf("roost sees mybox:v1 as %q, want %s", out, id)
	}

	// rmi of one of two names only untags.
	if out := e.dockerOK(s, "rmi", "mybox:v1"); !strings.Contains(out, "Untagged: mybox:v1") || strings.Contains(out, "Deleted") {
		t.Fatalf("docker rmi mybox:v1 printed %q, want only an untag", out)
	}
	if r := e.roost("image", "exists", "mybox:v1"); r.Code != 1 {
		t.Fatalf("roost image exists mybox:v1 after docker rmi: %s", r)
	}
	// A missing image is Docker's "No such image" (404), exit 1.
	if r := e.docker(s, "rmi", "no-such-image:1"); r.Code == 0 || !strings.Contains(r.Stderr, "No such image") {
		t.Fatalf("docker rmi of a missing image: %s", r)
	}
	// An image in use is a conflict without force.
	e.roostOK("create", "--name", "user1", busyboxRef, "true")
	if r := e.docker(s, "rmi", busyboxRef); r.Code == 0 || !strings.Contains(r.Stderr, "Error response from daemon") {
		t.Fatalf("docker rmi of an image in use: %s", r)
	}
	if code := apiStatus(e, s, "DELETE", "/v1.41/images/"+busyboxRef); code != "409" {
		t.Fatalf("DELETE of an image in use answered %s, want 409", code)
	}
	if code := apiStatus(e, s, "GET", "/v1.41/images/json?filters=notjson"); code != "400" {
		t.Fatalf("images/json with malformed filters answered %s, want 400", code)
	}
	e.roostOK("rm", "user1")

	// push: the registry holds the image (skopeo reads it back), and search
	// finds it there.
	pushed := fmt.Sprintf("%s/apitest/pushed:%d", registry, time.Now().UnixNano())
	e.dockerOK(s, "tag", busyboxRef, pushed)
	if out := e.dockerOK(s, "push", pushed); !strings.Contains(out, "digest: sha256:") {
		t.Fatalf("docker push printed %q, want its digest line", out)
	}
	raw := e.run("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://"+pushed)
	if raw.Code != 0 || !strings.HasPrefix(raw.Stdout, "sha256:") {
		t.Fatalf("skopeo inspect of the pushed image: %s", raw)
	}
	if out := e.dockerOK(s, "search", registry+"/apitest"); !strings.Contains(out, "apitest/pushed") {
		t.Fatalf("docker search printed %q, want apitest/pushed", out)
	}
	e.dockerOK(s, "rmi", pushed)

	// save | load: the archive of the service reloads into a fresh store
	// with the same ID and name.
	tar := filepath.Join(e.Home, "bb.tar")
	e.dockerOK(s, "save", "-o", tar, busyboxRef)
	if fi, err := os.Stat(tar); err != nil || fi.Size() < 1024 {
		t.Fatalf("docker save wrote %v (%v)", fi, err)
	}
	if out := e.dockerOK(s, "rmi", busyboxRef); !strings.Contains(out, "Deleted: sha256:"+id) {
		t.Fatalf("docker rmi printed %q, want Deleted: sha256:%s", out, id)
	}
	if r := e.roost("image", "exists", busyboxRef); r.Code != 1 {
		t.Fatalf("image still exists after docker rmi: %s", r)
	}
	if out := e.dockerOK(s, "load", "-i", tar); !strings.Contains(out, "Loaded image: "+busyboxRef) {
		t.Fatalf("docker load printed %q", out)
	}
	if out := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.ID}}", busyboxRef)); out != id {
		t.Fatalf("after docker load roost sees %s as %q, want %s", busyboxRef, out, id)
	}
}

// apiStatus is the HTTP status the service answers a bodiless request with.
func apiStatus(e *env, s *apiService, method, path string) string {
	e.t.Helper()
	r := e.run("curl", "-gsS", "-o", "/dev/null", "-w", "%{http_code}", "-X", method, "--unix-socket", s.Socket, "http://d"+path)
	return strings.TrimSpace(r.Stdout)
}
