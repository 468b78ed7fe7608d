package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAPIContainersDockerCLI: Docker's own CLI runs containers through the
// service (create, attach, start, wait, rm as `docker run` does them) and
// manages them; Roost's CLI sees the same containers.
func TestAPIContainersDockerCLI(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)

	// docker run: output, exit codes, piped stdin, --rm leaves nothing.
	if out := e.dockerOK(s, "run", "--rm", busybox, "echo", "hello from docker run"); out != "hello from docker run\n" {
		t.Fatalf("docker run printed %q", out)
	}
	if r := e.docker(s, "run", "--rm", busybox, "sh", "-c", "exit 3"); r.Code != 3 {
		t.Fatalf("docker run of exit 3: %s", r)
	}
	if r := e.dockerInput(s, bytes.NewBufferString("piped in\n"), "run", "--rm", "-i", busybox, "cat"); r.Code != 0 || r.Stdout != "piped in\n" {
		t.Fatalf("docker run -i with piped stdin: %s", r)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("docker run --rm left containers: %q", out)
	}

	// Ten at once, each with its own output.
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("run %d", i)
			if r := e.docker(s, "run", "--rm", busybox, "echo", want); r.Code != 0 || r.Stdout != want+"\n" {
				errs <- fmt.Errorf("concurrent docker run %d: %s", i, r)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// run -d with a published port: ps, logs, inspect, the port answers.
	port := freePort(t)
	id := strings.TrimSpace(e.dockerOK(s, "run", "-d", "--name", "web", "-p", fmt.Sprintf("%d:80", port), busybox,
		"sh", "-c", "echo started; exec httpd -f -p 80 -h /etc"))
	if want := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.ID}}", "web")); id != want {
		t.Fatalf("docker run -d printed %q, roost knows web as %q", id, want)
	}
	if rows := e.dockerOK(s, "ps", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.Ports}}"); !strings.Contains(rows, id+" web 0.0.0.0:"+strconv.Itoa(port)+"->80/tcp") {
		t.Fatalf("docker ps printed %q", rows)
	}
	eventually(t, secs(10), func() error {
		if out := e.dockerOK(s, "logs", "web"); out != "started\n" {
			return fmt.Errorf("docker logs web printed %q", out)
		}
		return nil
	})
	var insp []struct {
		ID    string `json:"Id"`
		Name  string
		State struct {
			Status  string
			Running bool
		}
		NetworkSettings struct {
			Ports map[string][]struct{ HostPort string }
		}
	}
	if err := json.Unmarshal([]byte(e.dockerOK(s, "inspect", "web")), &insp); err != nil || len(insp) != 1 {
		t.Fatalf("docker inspect web: %v", err)
	}
	if c := insp[0]; c.ID != id || c.Name != "/web" || c.State.Status != "running" || !c.State.Running ||
		len(c.NetworkSettings.Ports["80/tcp"]) != 1 || c.NetworkSettings.Ports["80/tcp"][0].HostPort != strconv.Itoa(port) {
		t.Fatalf("docker inspect web: %+v", c)
	}
	eventually(t, secs(10), func() error {
		r := e.run("curl", "-s", fmt.Sprintf("http://127.0.0.1:%d/hostname", port))
		if r.Code != 0 || strings.TrimSpace(r.Stdout) != id[:12] {
			return fmt.Errorf("curl of the published port: %s", r)
		}
		return nil
	})

	// exec: output, exit codes, stdin, detached, a missing command.
	if out := e.dockerOK(s, "exec", "web", "cat", "/etc/hostname"); strings.TrimSpace(out) != id[:12] {
		t.Fatalf("docker exec printed %q", out)
	}
	if r := e.docker(s, "exec", "web", "sh", "-c", "echo to-stderr >&2; exit 4"); r.Code != 4 || r.Stderr != "to-stderr\n" {
		t.Fatalf("docker exec exit 4: %s", r)
	}
	if r := e.dockerInput(s, bytes.NewBufferString("exec stdin\n"), "exec", "-i", "web", "cat"); r.Stdout != "exec stdin\n" {
		t.Fatalf("docker exec -i: %s", r)
	}
	e.dockerOK(s, "exec", "-d", "web", "sleep", "30")
	if r := e.docker(s, "exec", "web", "no-such-command"); r.Code != 127 {
		t.Fatalf("docker exec of a missing command: %s", r)
	}

	// stop, start, rm: Roost sees each.
	e.dockerOK(s, "stop", "-t", "0", "web")
	if st := e.roostLine("inspect", "--format", "{{.State.Status}}", "web"); st != "exited" {
		t.Fatalf("after docker stop roost says %s", st)
	}
	e.dockerOK(s, "start", "web")
	if st := e.roostLine("inspect", "--format", "{{.State.Status}}", "web"); st != "running" {
		t.Fatalf("after docker start roost says %s", st)
	}
	e.dockerOK(s, "rm", "-f", "web")
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("docker rm -f left %q", out)
	}

	// wait gives the exit code; a missing container is Docker's words.
	e.dockerOK(s, "run", "-d", "--name", "waiter", busybox, "sh", "-c", "sleep 1; exit 7")
	if out := strings.TrimSpace(e.dockerOK(s, "wait", "waiter")); out != "7" {
		t.Fatalf("docker wait printed %q, want 7", out)
	}
	e.dockerOK(s, "rm", "waiter")
	if r := e.docker(s, "inspect", "nosuch"); r.Code == 0 || !strings.Contains(r.Stderr, "No such") {
		t.Fatalf("docker inspect of a missing container: %s", r)
	}
	_ = time.Second
}

// TestAPIDockerCompose: Debian's docker-compose 1.29 (Docker's Python
// client) brings an application up through the service: a web server with
// a published port and a named volume, and a client that reaches it by
// name on the project's network; down -v leaves nothing.
func TestAPIDockerCompose(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)
	port := freePort(t)
	dir := filepath.Dir(e.writeFile("app/docker-compose.yml", fmt.Sprintf(`version: "3.8"
services:
  web:
    image: %[1]s
    command: ["sh", "-c", "hostname > /www/index.html; exec httpd -f -p 80 -h /www"]
    ports: ["%[2]d:80"]
    volumes: ["site:/www"]
  client:
    image: %[1]s
    command: ["sh", "-c", "sleep 2; wget -qO- http://web/ && sleep 300"]
    depends_on: [web]
volumes:
  site: {}
`, busybox, port)))
	compose := func(args ...string) result {
		e.t.Helper()
		old := e.Extra
		e.Extra = append(append([]string{}, old...), "DOCKER_HOST="+s.Host, "COMPOSE_HTTP_TIMEOUT=120")
		defer func() { e.Extra = old }()
		return e.run("sh", append([]string{"-c", `cd "$0" && exec docker-compose -p demo "$@"`, dir}, args...)...)
	}
	if r := compose("up", "-d"); r.Code != 0 {
		t.Fatalf("docker-compose up -d: %s", r)
	}
	var webHost string
	eventually(t, secs(20), func() error {
		r := e.run("curl", "-s", fmt.Sprintf("http://127.0.0.1:%d/", port))
		if webHost = strings.TrimSpace(r.Stdout); r.Code != 0 || webHost == "" {
			return fmt.Errorf("curl of web's published port: %s", r)
		}
		return nil
	})
	// The client fetched the same page from web by its service name.
	eventually(t, secs(20), func() error {
		r := compose("logs", "--no-color", "client")
		if r.Code != 0 || !strings.Contains(r.Stdout, "| "+webHost) {
			return fmt.Errorf("client's logs lack web's page %q: %s", webHost, r)
		}
		return nil
	})
	if names := e.roostOK("ps", "--format", "{{.Names}}"); !strings.Contains(names, "demo_web_1") || !strings.Contains(names, "demo_client_1") {
		t.Fatalf("roost ps after docker-compose up: %q", names)
	}
	if vols := e.roostOK("volume", "ls", "-q"); !strings.Contains(vols, "demo_site") {
		t.Fatalf("roost volume ls after docker-compose up: %q", vols)
	}
	if r := compose("down", "-v"); r.Code != 0 {
		t.Fatalf("docker-compose down -v: %s", r)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("containers left after docker-compose down: %q", out)
	}
	if out := e.roostOK("volume", "ls", "-q"); out != "" {
		t.Fatalf("volumes left after docker-compose down -v: %q", out)
	}
	if out := e.roostOK("network", "ls", "--format", "{{.Name}}"); strings.Contains(out, "demo") {
		t.Fatalf("networks left after docker-compose down: %q", out)
	}
}

// TestAPITestcontainers: testcontainers-go (test/testcontainers, a module
// of its own so that Roost's go.mod stays lean) starts a container through
// the service, waits for its log line and its listening port, fetches from
// the mapped port and terminates it. Its reaper container is disabled, as
// with Podman (TESTCONTAINERS_RYUK_DISABLED).
func TestAPITestcontainers(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)
	// Built as root, into the directory of binaries every user can read.
	bin := filepath.Join(binDir, "testcontainers.test")
	src, err := filepath.Abs("../testcontainers")
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the testcontainers test: %v\n%s", err, out)
	}
	defer os.Remove(bin)
	old := e.Extra
	// This machine has a /.dockerenv, so testcontainers believes it runs in
	// a container and would look for the host at the default bridge's
	// gateway; the published ports are on this host's loopback.
	e.Extra = append(append([]string{}, old...), "DOCKER_HOST="+s.Host, "TESTCONTAINERS_RYUK_DISABLED=true",
		"TESTCONTAINERS_HOST_OVERRIDE=localhost", "ROOST_TC_IMAGE="+busybox)
	defer func() { e.Extra = old }()
	r := e.run(bin, "-test.v", "-test.count=1", "-test.timeout=3m")
	if r.Code != 0 || !strings.Contains(r.Stdout, "--- PASS: TestGenericContainerWithWaitStrategies") {
		t.Fatalf("testcontainers-go against the service: %s\nservice log:\n%s", r, s.Log.String())
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("containers left after Terminate: %q", out)
	}
}

// TestAPICopyDockerCLI: docker cp both ways through the archive endpoints,
// and Roost's CLI sees the files.
func TestAPICopyDockerCLI(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)
	e.dockerOK(s, "run", "-d", "--name", "box", busybox, "sleep", "300")
	src := e.writeFile("in/hello.txt", "hello through the API\n")
	e.dockerOK(s, "cp", src, "box:/tmp/")
	if out := e.roostOK("exec", "box", "cat", "/tmp/hello.txt"); out != "hello through the API\n" {
		t.Fatalf("after docker cp into box, /tmp/hello.txt holds %q", out)
	}
	e.dockerOK(s, "cp", filepath.Dir(src), "box:/tmp/dir")
	if out := e.roostOK("exec", "box", "cat", "/tmp/dir/hello.txt"); out != "hello through the API\n" {
		t.Fatalf("after docker cp of a directory, /tmp/dir/hello.txt holds %q", out)
	}
	e.roostOK("exec", "box", "sh", "-c", "echo from the container > /tmp/out.txt")
	dst := filepath.Join(e.Home, "out")
	e.run("mkdir", "-p", dst)
	e.dockerOK(s, "cp", "box:/tmp/out.txt", dst+"/")
	if b, err := os.ReadFile(filepath.Join(dst, "out.txt")); err != nil || string(b) != "from the container\n" {
		t.Fatalf("docker cp out of box wrote %q (%v)", b, err)
	}
	if r := e.docker(s, "cp", "box:/no/such/file", dst); r.Code == 0 || !strings.Contains(r.Stderr, "no such file") && !strings.Contains(r.Stderr, "No such") && !strings.Contains(r.Stderr, "Could not find") {
		t.Fatalf("docker cp of a missing path: %s", r)
	}
	// HEAD: curl -I, which expects no body.
	head := e.run("curl", "-sS", "-I", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", s.Socket, "http://d/v1.41/containers/box/archive?path=/no/such")
	if code := strings.TrimSpace(head.Stdout); code != "404" {
		t.Fatalf("HEAD archive of a missing path answered %s, want 404", code)
	}
}
