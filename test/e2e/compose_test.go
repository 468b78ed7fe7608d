package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The three-service app: order, healthcheck wait, ps, logs -f, idempotent
// up, recreation of only what changed, scale, exec, run --rm, and down -v
// removing exactly the project's objects.
func TestComposeAppLifecycle(t *testing.T) {
	e := pulled(t)
	// Unrelated objects that down -v must leave alone.
	e.roostOK("volume", "create", "keepvol")
	e.roostOK("network", "create", "keepnet")
	e.roostOK("run", "-d", "--name", "keepctr", busybox, "sleep", "1000")

	file := composeDir(t, e, "app", "app/compose.yaml")
	writeAppScripts(t, e, "app")
	e.composeOK(file, "up", "-d")

	ps := e.composeOK(file, "ps", "--format", "{{.Name}} {{.Service}} {{.State}}")
	if got := names(ps); !reflect.DeepEqual(got, []string{"app-api-1 api running", "app-db-1 db running", "app-web-1 web running"}) {
		t.Fatalf("compose ps: %q", got)
	}
	// api was created only once db was healthy: db's first successful check
	// ended before api's creation.
	var db, api []struct {
		Created time.Time
		State   struct {
			Health struct {
				Status string
				Log    []struct {
					End      time.Time
					ExitCode int
				}
			}
		}
	}
	json.Unmarshal([]byte(e.roostOK("inspect", "app-db-1")), &db)
	json.Unmarshal([]byte(e.roostOK("inspect", "app-api-1")), &api)
	if len(db) != 1 || len(api) != 1 || db[0].State.Health.Status != "healthy" {
		t.Fatalf("inspect: db %+v api %+v", db, api)
	}
	var healthyAt time.Time
	for _, l := range db[0].State.Health.Log {
		if l.ExitCode == 0 {
			healthyAt = l.End
			break
		}
	}
	if healthyAt.IsZero() || api[0].Created.Before(healthyAt) {
		t.Fatalf("api created at %v, db healthy at %v: service_healthy was not waited for", api[0].Created, healthyAt)
	}
	if !strings.Contains(e.roostOK("ps", "--filter", "name=app-db-1", "--format", "{{.Status}}"), "(healthy)") {
		t.Fatal("ps does not show db healthy")
	}
	if st := e.composeOK(file, "ps", "--format", "{{.Name}} {{.Status}}"); !strings.Contains(st, "app-db-1 Up") || !strings.Contains(st, "(healthy)") {
		t.Fatalf("compose ps status: %q", st)
	}
	// Labels as Docker Compose's.
	labels := e.roostOK("inspect", "--format", "{{json .Config.Labels}}", "app-api-1")
	for _, want := range []string{`"com.docker.compose.project":"app"`, `"com.docker.compose.service":"api"`, `"com.docker.compose.container-number":"1"`, `"com.docker.compose.config-hash":`} {
		if !strings.Contains(labels, want) {
			t.Fatalf("labels %s lack %s", labels, want)
		}
	}
	// Service names are DNS names on the project network.
	recs := dnsNames(t, e, "app_default")
	for _, n := range []string{"db", "api", "web", "app-db-1"} {
		if len(recs[n]) == 0 {
			t.Fatalf("DNS records of app_default lack %s: %v", n, recs)
		}
	}

	// logs shows the past and -f streams what comes.
	if out := e.composeOK(file, "logs", "db"); !strings.Contains(out, "app-db-1") || !strings.Contains(out, "| db-ready") {
		t.Fatalf("compose logs db: %q", out)
	}
	follower, fout := e.start("compose", "-f", file, "logs", "-f", "--no-log-prefix", "db")
	e.composeOK(file, "exec", "-T", "db", "sh", "-c", "echo streamed-line > /proc/1/fd/1")
	eventually(t, 10*time.Second, func() error {
		if !strings.Contains(fout.String(), "streamed-line") {
			return fmt.Errorf("logs -f did not stream: %q", fout.String())
		}
		return nil
	})
	killGroup(follower)

	// A second up with the same file recreates nothing.
	before := containerIDs(t, e)
	e.composeOK(file, "up", "-d")
	if after := containerIDs(t, e); !reflect.DeepEqual(before, after) {
		t.Fatalf("second up changed containers: %v -> %v", before, after)
	}
	// A changed environment recreates only that service.
	e.Extra = append(e.Extra, "DB_GREETING=changed")
	e.composeOK(file, "up", "-d")
	after := containerIDs(t, e)
	if after["app-db-1"] == before["app-db-1"] || after["app-api-1"] != before["app-api-1"] || after["app-web-1"] != before["app-web-1"] {
		t.Fatalf("env change of db: before %v after %v", before, after)
	}
	if out := e.composeOK(file, "exec", "-T", "db", "cat", "/www/index.html"); out != "db-says-changed\n" {
		t.Fatalf("exec in db: %q", out)
	}

	// --scale api=3: three replicas under the service's name.
	e.composeOK(file, "up", "-d", "--scale", "api=3")
	ps = e.composeOK(file, "ps", "--format", "{{.Name}}", "api")
	if got := names(ps); !reflect.DeepEqual(got, []string{"app-api-1", "app-api-2", "app-api-3"}) {
		t.Fatalf("scale api=3: %q", got)
	}
	if ips := dnsNames(t, e, "app_default")["api"]; len(ips) != 3 {
		t.Fatalf("the name api should have 3 addresses, got %v", ips)
	}
	e.composeOK(file, "up", "-d", "--scale", "api=1")
	if got := names(e.composeOK(file, "ps", "-a", "--format", "{{.Name}}", "api")); !reflect.DeepEqual(got, []string{"app-api-1"}) {
		t.Fatalf("scale back to 1: %q", got)
	}

	// run --rm: a one-off container with the exit code passed through.
	if out := e.composeOK(file, "run", "--rm", "--no-deps", "-T", "db", "echo", "one-off"); out != "one-off\n" {
		t.Fatalf("run --rm: %q", out)
	}
	if r := e.compose(file, "run", "--rm", "--no-deps", "-T", "db", "sh", "-c", "exit 3"); r.Code != 3 {
		t.Fatalf("run --rm exit code: %s", r)
	}
	if out := e.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.Contains(out, "-run-") {
		t.Fatalf("run --rm left its container: %q", out)
	}

	// down -v removes the project's containers, network and volume only.
	e.composeOK(file, "down", "-v")
	if got := names(e.roostOK("ps", "-a", "--format", "{{.Names}}")); !reflect.DeepEqual(got, []string{"keepctr"}) {
		t.Fatalf("containers after down: %q", got)
	}
	if got := names(e.roostOK("volume", "ls", "-q")); !reflect.DeepEqual(got, []string{"keepvol"}) {
		t.Fatalf("volumes after down -v: %q", got)
	}
	if got := names(e.roostOK("network", "ls", "--format", "{{.Name}}")); !reflect.DeepEqual(got, []string{"keepnet", "podman"}) {
		t.Fatalf("networks after down: %q", got)
	}
}

// Name resolution between services and the published port need the DNS
// responder and the port forwarder.
func TestComposeServiceNamesAndPorts(t *testing.T) {
	e := pulled(t)
	file := composeDir(t, e, "app", "app/compose.yaml")
	writeAppScripts(t, e, "app")
	e.Extra = append(e.Extra, "WEB_PORT=18481")
	e.composeOK(file, "up", "-d")
	defer e.composeOK(file, "down", "-v")
	if out := e.composeOK(file, "exec", "-T", "web", "wget", "-q", "-O-", "http://127.0.0.1/cgi-bin/x"); !strings.Contains(out, "db-says-hello") {
		t.Fatalf("web -> api -> db by service name: %q", out)
	}
	resp, err := http.Get("http://127.0.0.1:18481/cgi-bin/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "db-says-hello") {
		t.Fatalf("published port: %q", body)
	}
	e.composeOK(file, "up", "-d", "--scale", "api=3")
	for i := 0; i < 6; i++ {
		r := e.compose(file, "exec", "-T", "web", "wget", "-q", "-O-", "http://api/cgi-bin/x")
		if r.Code != 0 || !strings.Contains(r.Stdout, "db-says-hello") {
			t.Fatalf("request %d to api by name with 3 replicas: %s\n%s", i, r, e.dnsState())
		}
	}
}

// Two projects from the same file in two folders do not collide, and down
// of one leaves the other.
func TestComposeTwoProjects(t *testing.T) {
	e := pulled(t)
	one := composeDir(t, e, "one", "single.yaml")
	two := composeDir(t, e, "two", "single.yaml")
	e.composeOK(one, "up", "-d")
	e.composeOK(two, "up", "-d")
	if got := names(e.roostOK("ps", "--format", "{{.Names}}")); !reflect.DeepEqual(got, []string{"one-sleeper-1", "two-sleeper-1"}) {
		t.Fatalf("two projects: %q", got)
	}
	if got := names(e.roostOK("volume", "ls", "-q")); !reflect.DeepEqual(got, []string{"one_data", "two_data"}) {
		t.Fatalf("volumes: %q", got)
	}
	if got := names(e.roostOK("compose", "ls", "--format", "{{.Name}}")); !reflect.DeepEqual(got, []string{"one", "two"}) {
		t.Fatalf("compose ls: %q", got)
	}
	e.composeOK(one, "down", "-v")
	if got := names(e.roostOK("ps", "-a", "--format", "{{.Names}}")); !reflect.DeepEqual(got, []string{"two-sleeper-1"}) {
		t.Fatalf("after down of one: %q", got)
	}
	if got := names(e.roostOK("network", "ls", "--format", "{{.Name}}")); !reflect.DeepEqual(got, []string{"podman", "two_default"}) {
		t.Fatalf("networks after down of one: %q", got)
	}
	e.composeOK(two, "down", "-v")
}

// Invalid files fail with the file, the place in it and the problem, exit
// 125, and nothing is created.
func TestComposeInvalidFiles(t *testing.T) {
	e := newEnv(t)
	cases := map[string][]string{
		"bad-yaml.yaml":     {"bad-yaml", "line 3"},
		"unknown-key.yaml":  {"unknown-key", "services.web.no_such_key", "unknown key"},
		"cycle.yaml":        {"cycle", "depends_on", "a -> b -> a"},
		"required-var.yaml": {"required-var", "services.web.environment.TOKEN", "ROOST_TEST_TOKEN"},
	}
	for file, wants := range cases {
		path := composeDir(t, e, strings.TrimSuffix(file, ".yaml"), file)
		for _, cmd := range [][]string{{"up", "-d"}, {"config"}} {
			line := e.roostFails(125, append([]string{"compose", "-f", path}, cmd...)...)
			for _, w := range wants {
				if !strings.Contains(line, w) {
					t.Errorf("%s %v: %q does not say %q", file, cmd, line, w)
				}
			}
		}
	}
	if out := e.roostOK("ps", "-a", "-q"); out != "" {
		t.Fatalf("invalid files created containers: %q", out)
	}
	if got := names(e.roostOK("network", "ls", "--format", "{{.Name}}")); !reflect.DeepEqual(got, []string{"podman"}) {
		t.Fatalf("invalid files created networks: %q", got)
	}
	if out := e.roostOK("volume", "ls", "-q"); out != "" {
		t.Fatalf("invalid files created volumes: %q", out)
	}
}

// Foreground up streams prefixed logs; Ctrl-C stops the project.
func TestComposeForegroundUp(t *testing.T) {
	e := pulled(t)
	file := composeDir(t, e, "fg", "single.yaml")
	e.writeFile("fg/compose.override.yaml", "services:\n  sleeper:\n    command: [\"sh\", \"-c\", \"echo hello-fg; exec sleep 1000\"]\n")
	over := e.Home + "/fg/compose.override.yaml"
	cmd, out := e.start("compose", "-f", file, "-f", over, "up")
	defer killGroup(cmd)
	eventually(t, 30*time.Second, func() error {
		if !strings.Contains(out.String(), "fg-sleeper-1 | hello-fg") {
			return fmt.Errorf("no prefixed log line: %q", out.String())
		}
		return nil
	})
	syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	cmd.Wait()
	if st := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}"); strings.TrimSpace(st) != "fg-sleeper-1 exited" {
		t.Fatalf("after Ctrl-C: %q", st)
	}
	e.composeOK(file, "-f", over, "down", "-v")
}

// Healthchecks of plain containers: the monitor's checks, ps, inspect and
// `healthcheck run`.
func TestHealthcheck(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "hc", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s", "--health-retries", "2", busybox, "sleep", "1000")
	eventually(t, 20*time.Second, func() error {
		if st := e.roostOK("ps", "--format", "{{.Status}}"); !strings.Contains(st, "(unhealthy)") {
			return fmt.Errorf("want unhealthy, ps says %q", st)
		}
		return nil
	})
	if r := e.roost("healthcheck", "run", "hc"); r.Code != 1 || strings.TrimSpace(r.Stdout) != "unhealthy" {
		t.Fatalf("healthcheck run of a failing check: %s", r)
	}
	e.roostOK("exec", "hc", "touch", "/tmp/ok")
	if out := e.roostOK("healthcheck", "run", "hc"); strings.TrimSpace(out) != "" {
		t.Fatalf("healthcheck run: %q", out)
	}
	var h struct {
		Status        string
		FailingStreak int
		Log           []struct{ ExitCode int }
	}
	if err := json.Unmarshal([]byte(e.roostOK("inspect", "--format", "{{json .State.Health}}", "hc")), &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "healthy" || h.FailingStreak != 0 || len(h.Log) == 0 || h.Log[len(h.Log)-1].ExitCode != 0 {
		t.Fatalf("inspect health: %+v", h)
	}
	if !strings.Contains(e.roostOK("ps", "--format", "{{.Status}}"), "(healthy)") {
		t.Fatal("ps does not show healthy")
	}
	e.roostFails(125, "run", "--rm", "--health-cmd", "true", "--health-retries", "0", busybox, "true")
	e.roostOK("rm", "-f", "hc")
}

// TestComposeWithoutThePluginSaysWhere: a roost installed without
// roost-compose beside it says where it looked, in one line, exit 125.
func TestComposeWithoutThePluginSaysWhere(t *testing.T) {
	e := newEnv(t)
	// Not t.TempDir: its parent is root's alone, and the test user runs this.
	dir, err := os.MkdirTemp("", "roost-lone-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	b, err := os.ReadFile(filepath.Join(binDir, "roost"))
	if err != nil {
		t.Fatal(err)
	}
	lone := filepath.Join(dir, "roost")
	if err := os.WriteFile(lone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	r := e.run(lone, "compose", "ps")
	want := "roost compose and kube need roost-compose next to roost (" + filepath.Join(dir, "roost-compose") + ")"
	if r.Code != 125 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || !strings.Contains(r.Stderr, want) {
		t.Fatalf("want one line with %q and exit 125, got %s", want, r)
	}
}

// Foreground up with --exit-code-from: prefixed output of every service,
// the project stopped once the named service's container exits, and its
// exit code passed through.
func TestComposeForegroundExitCodeFrom(t *testing.T) {
	e := pulled(t)
	file := e.writeFile("xc/compose.yaml", `services:
  job:
    image: busybox
    command: ["sh", "-c", "echo job-done; exit 4"]
    depends_on: [srv]
  srv:
    image: busybox
    command: ["sh", "-c", "echo srv-up; exec sleep 1000"]
`)
	os.Chmod(filepath.Dir(file), 0o755)
	r := e.compose(file, "up", "--exit-code-from", "job")
	if r.Code != 4 || !strings.Contains(r.Stdout, "xc-job-1 | job-done\n") || !strings.Contains(r.Stderr, "xc-job-1 exited: aborting\n") {
		t.Fatalf("up --exit-code-from job: %s", r)
	}
	if st := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}"); !reflect.DeepEqual(names(st), []string{"xc-job-1 exited", "xc-srv-1 exited"}) {
		t.Fatalf("after the job exited the project should be stopped: %q", st)
	}
	e.composeOK(file, "down")
}
