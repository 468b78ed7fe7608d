package e2e

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// composeProjectFiles writes a project directory under HOME and returns
// the path of its compose.yaml.
func composeProjectFiles(e *env, dir string, files map[string]string) string {
	e.t.Helper()
	for name, content := range files {
		e.writeFile(filepath.Join(dir, name), content)
	}
	return filepath.Join(e.Home, dir, "compose.yaml")
}

// runningImage is the id of the image a container runs, and the id of the
// image a name resolves to.
func runningImage(e *env, ctr, img string) (string, string) {
	e.t.Helper()
	ran := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.Image}}", ctr))
	built := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Id}}", img))
	return ran, built
}

const composeBuildFile = `services:
  web:
    build:
      context: ./web
      args:
        GREETING: hello-from-compose
      labels:
        org.example.built-by: compose
    depends_on: [db]
  db:
    image: ` + busybox + `
    command: ["sleep", "1000"]
`

const composeWebDockerfile = `FROM ` + busybox + `
ARG GREETING=unset
RUN echo "$GREETING" > /greeting
COPY msg.txt /msg.txt
CMD ["sleep", "1000"]
`

// up --build of a two-service app whose web is built from the project:
// the container runs the image just built (ids compared), named
// PROJECT-SERVICE, with the file's args and labels; a change rebuilds and
// recreates, an unchanged up keeps everything.
func TestComposeUpBuildTwoServices(t *testing.T) {
	e := newEnv(t)
	file := composeProjectFiles(e, "shop", map[string]string{
		"compose.yaml":   composeBuildFile,
		"web/Dockerfile": composeWebDockerfile,
		"web/msg.txt":    "one\n",
	})
	r := e.compose(file, "up", "-d", "--build")
	if r.Code != 0 {
		t.Fatalf("up --build: %s", r)
	}
	if !strings.Contains(r.Stderr, "STEP 2/5: ARG GREETING=unset") || !strings.Contains(r.Stderr, "Image shop-web  Built") {
		t.Errorf("up --build should show the build's steps and say it built shop-web:\n%s", r.Stderr)
	}
	ran, built := runningImage(e, "shop-web-1", "shop-web")
	if ran != built {
		t.Fatalf("shop-web-1 runs %s, the built shop-web is %s", ran, built)
	}
	if got := e.roostOK("exec", "shop-web-1", "cat", "/greeting", "/msg.txt"); got != "hello-from-compose\none\n" {
		t.Errorf("built files: got %q", got)
	}
	labels := e.roostOK("image", "inspect", "--format", `{{index .Labels "org.example.built-by"}} {{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.service"}}`, "shop-web")
	if labels != "compose shop web\n" {
		t.Errorf("image labels: got %q", labels)
	}
	if got := e.roostOK("ps", "--format", "{{.Names}}"); !reflect.DeepEqual(names(got), []string{"shop-db-1", "shop-web-1"}) {
		t.Fatalf("running: %q", got)
	}
	before := containerIDs(t, e)

	// Unchanged: up neither builds nor recreates.
	r = e.compose(file, "up", "-d")
	if r.Code != 0 || strings.Contains(r.Stderr, "STEP ") {
		t.Fatalf("unchanged up should not build: %s", r)
	}
	if after := containerIDs(t, e); !reflect.DeepEqual(after, before) {
		t.Fatalf("unchanged up recreated containers: %v -> %v", before, after)
	}

	// One copied file changed: --build rebuilds from its COPY and
	// recreates web only.
	e.writeFile("shop/web/msg.txt", "two\n")
	r = e.compose(file, "up", "-d", "--build")
	if r.Code != 0 {
		t.Fatalf("up --build after a change: %s", r)
	}
	if ran := stepsRun(r.Stderr); !reflect.DeepEqual(ran, []string{"COPY msg.txt /msg.txt", `CMD ["sleep", "1000"]`}) {
		t.Errorf("rebuild ran %q, want the steps from the changed COPY on", ran)
	}
	ran2, built2 := runningImage(e, "shop-web-1", "shop-web")
	if ran2 != built2 || built2 == built {
		t.Fatalf("after the change shop-web-1 runs %s, shop-web is %s (was %s)", ran2, built2, built)
	}
	after := containerIDs(t, e)
	if after["shop-web-1"] == before["shop-web-1"] || after["shop-db-1"] != before["shop-db-1"] {
		t.Errorf("only web should be recreated: %v -> %v", before, after)
	}
	if got := e.roostOK("exec", "shop-web-1", "cat", "/msg.txt"); got != "two\n" {
		t.Errorf("rebuilt file: got %q", got)
	}
	e.composeOK(file, "down", "--rmi", "local")
	if r := e.roost("image", "exists", "shop-web"); r.Code == 0 {
		t.Errorf("down --rmi local should remove the built shop-web")
	}
	if r := e.roost("image", "exists", busybox); r.Code != 0 {
		t.Errorf("down --rmi local should keep db's pulled image")
	}
}

const composeBuildFormsFile = `services:
  short:
    build: ./short
    command: ["sleep", "1000"]
  named:
    image: localhost/named-by-compose:1
    build:
      context: .
      dockerfile: files/Custom.dockerfile
      target: second
      tags: ["localhost/named-extra:2"]
    command: ["sleep", "1000"]
  inline:
    build:
      context: ./short
      dockerfile_inline: |
        FROM ` + busybox + `
        COPY a.txt /inline.txt
    command: ["sleep", "1000"]
  pulled:
    image: ` + busybox + `
    command: ["sleep", "1000"]
`

// compose build then up --no-build: the short form, image: naming the
// result with dockerfile/target/tags, dockerfile_inline; up --no-build
// before the build fails in one line; pull leaves building services alone.
func TestComposeBuildThenUpNoBuild(t *testing.T) {
	e := newEnv(t)
	file := composeProjectFiles(e, "forms", map[string]string{
		"compose.yaml":            composeBuildFormsFile,
		"short/Dockerfile":        "FROM " + busybox + "\nCOPY a.txt /short.txt\n",
		"short/a.txt":             "a\n",
		"files/Custom.dockerfile": "FROM " + busybox + " AS first\nRUN echo first > /stage\nFROM first AS second\nRUN echo second > /stage\nFROM second\nRUN echo last > /stage\n",
	})
	line := e.roostFails(125, "compose", "-f", file, "up", "-d", "--no-build")
	if !strings.Contains(line, "image forms-") || !strings.Contains(line, "is not built") || !strings.Contains(line, "roost compose build") {
		t.Errorf("up --no-build before a build: %q", line)
	}
	if out := e.roostOK("ps", "-a", "-q"); out != "" {
		t.Fatalf("a failed up --no-build created containers: %q", out)
	}

	e.composeOK(file, "pull")
	if r := e.roost("image", "exists", busybox); r.Code != 0 {
		t.Errorf("pull should pull the pulled service's image: %s", r)
	}
	if r := e.roost("image", "exists", "localhost/named-by-compose:1"); r.Code == 0 {
		t.Errorf("pull should leave a building service's image to build")
	}

	r := e.compose(file, "build", "-q")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("build -q should build silently: %s", r)
	}
	ids := map[string]string{}
	for svc, img := range map[string]string{"short": "forms-short", "named": "localhost/named-by-compose:1", "inline": "forms-inline"} {
		ids[svc] = strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Id}}", img))
	}
	if extra := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Id}}", "localhost/named-extra:2")); extra != ids["named"] {
		t.Errorf("build.tags: named-extra:2 is %s, want %s", extra, ids["named"])
	}

	r = e.compose(file, "up", "-d", "--no-build")
	if r.Code != 0 || strings.Contains(r.Stderr, "STEP ") {
		t.Fatalf("up --no-build after build should only start: %s", r)
	}
	for svc, id := range ids {
		ran := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.Image}}", "forms-"+svc+"-1"))
		if ran != id {
			t.Errorf("forms-%s-1 runs %s, compose build made %s", svc, ran, id)
		}
	}
	if got := e.roostOK("exec", "forms-named-1", "cat", "/stage"); got != "second\n" {
		t.Errorf("target: second should stop at that stage, /stage is %q", got)
	}
	if got := e.roostOK("exec", "forms-inline-1", "cat", "/inline.txt"); got != "a\n" {
		t.Errorf("dockerfile_inline: /inline.txt is %q", got)
	}
	if got := e.roostOK("exec", "forms-short-1", "cat", "/short.txt"); got != "a\n" {
		t.Errorf("short form: /short.txt is %q", got)
	}

	// build --no-cache --build-arg runs every step again.
	e.writeFile("forms/short/Dockerfile", "FROM "+busybox+"\nARG V=file\nRUN echo $V > /v\n")
	r = e.compose(file, "build", "--no-cache", "--build-arg", "V=flag", "short")
	if r.Code != 0 || strings.Contains(r.Stderr, "Using cache") || !strings.Contains(r.Stderr, "STEP 3/3: RUN echo $V > /v") {
		t.Fatalf("build --no-cache short: %s", r)
	}
	if got := e.roostOK("run", "--rm", "forms-short", "cat", "/v"); got != "flag\n" {
		t.Errorf("--build-arg V=flag: /v is %q", got)
	}
	e.composeOK(file, "down")
}

// Bad build: input fails in one line that names the service and what is
// wrong, exits non-zero (a RUN's own code), and creates nothing.
func TestComposeBuildBadInput(t *testing.T) {
	e := pulled(t)
	cases := []struct {
		name, compose, dockerfile, want string
		code                            int
	}{
		{"missing-context", "services:\n  web:\n    build: ./nowhere\n", "", "service web: build.context ", 125},
		{"unknown-instruction", "services:\n  web:\n    build: .\n", "FROM " + busybox + "\nFOO bar\n", "service web: build: Dockerfile:2: unknown instruction: FOO", 125},
		{"failing-run", "services:\n  web:\n    build: .\n", "FROM " + busybox + "\nRUN exit 7\n", "service web: build: Dockerfile:2: RUN exit 7: the command exited with status 7", 7},
		{"missing-dockerfile", "services:\n  web:\n    build:\n      context: .\n      dockerfile: Nope\n", "", "service web: build.dockerfile ", 125},
		{"unsupported-key", "services:\n  web:\n    build:\n      context: .\n      additional_contexts:\n        x: ./x\n", "", "service web: build.additional_contexts is not supported", 125},
	}
	images := e.roostOK("images", "-a", "-q")
	for _, c := range cases {
		files := map[string]string{"compose.yaml": c.compose + "  db:\n    image: " + busybox + "\n    command: [\"sleep\", \"1000\"]\n"}
		if c.dockerfile != "" {
			files["Dockerfile"] = c.dockerfile
		}
		file := composeProjectFiles(e, c.name, files)
		for _, cmd := range [][]string{{"up", "-d"}, {"build"}} {
			var line string
			if c.code == 125 {
				line = e.roostFails(c.code, append([]string{"compose", "-f", file}, cmd...)...)
			} else {
				// a RUN that fails has run: its steps and output come first
				r := e.compose(file, cmd...)
				if line = lastLine(r.Stderr); r.Code != c.code || !strings.HasPrefix(line, "Error: ") {
					t.Errorf("%s %v: want exit %d and an error last, got %s", c.name, cmd, c.code, r)
				}
			}
			if !strings.Contains(line, c.want) {
				t.Errorf("%s %v: got %q, want it to say %q", c.name, cmd, line, c.want)
			}
		}
		if ps := e.roostOK("ps", "-a", "--external", "-q"); ps != "" {
			t.Errorf("%s: containers left: %q", c.name, ps)
		}
		if got := names(e.roostOK("network", "ls", "--format", "{{.Name}}")); !reflect.DeepEqual(got, []string{"podman"}) {
			t.Errorf("%s: networks made: %q", c.name, got)
		}
		if after := e.roostOK("images", "-a", "-q"); after != images {
			t.Errorf("%s: images left:\n%s\nbefore:\n%s", c.name, after, images)
		}
	}
}
