package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var secretID = regexp.MustCompile(`^[0-9a-f]{25}$`)

// secretCreate makes a secret from a file of the test user's and returns its id.
func secretCreate(t *testing.T, e *env, name, data string, flags ...string) string {
	t.Helper()
	file := e.writeFile("secret-src/"+name, data)
	out := strings.TrimSpace(e.roostOK(append(append([]string{"secret", "create"}, flags...), name, file)...))
	if !secretID.MatchString(out) {
		t.Fatalf("secret create printed %q, want a 25-digit id", out)
	}
	return out
}

// TestSecretCommands: create (file, stdin, --env), ls with filters, format
// and -q, inspect (never the data), exists, rm and rm --all, and the data
// kept 0600 in a 0700 directory under the graph root.
func TestSecretCommands(t *testing.T) {
	e := newEnv(t)
	id := secretCreate(t, e, "dbpw", "s3cret-file", "--label", "app=db")
	r := e.runInput(strings.NewReader("s3cret-stdin"), filepath.Join(binDir, "roost"), "secret", "create", "fromstdin", "-")
	if r.Code != 0 || !secretID.MatchString(strings.TrimSpace(r.Stdout)) {
		t.Fatalf("secret create from stdin: %s", r)
	}
	e.Extra = append(e.Extra, "MYTOKEN=s3cret-env")
	e.roostOK("secret", "create", "--env", "fromenv", "MYTOKEN")

	dir := filepath.Join(e.Home, ".local/share/roost/storage/secrets/filedriver")
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("secret directory %s: %v %v, want mode 0700", dir, st, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, id))
	if err != nil || string(b) != "s3cret-file" {
		t.Fatalf("secret data file: %q %v", b, err)
	}
	if st, _ := os.Stat(filepath.Join(dir, id)); st.Mode().Perm() != 0o600 {
		t.Fatalf("secret data file mode %v, want 0600", st.Mode())
	}

	ls := e.roostOK("secret", "ls")
	lines := strings.Split(strings.TrimSpace(ls), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^ID\s+NAME\s+DRIVER\s+CREATED\s+UPDATED$`).MatchString(lines[0]) ||
		!regexp.MustCompile(id+`\s+dbpw\s+file\s+.* ago\s+.* ago`).MatchString(ls) {
		t.Fatalf("secret ls:\n%s", ls)
	}
	if out := e.roostOK("secret", "ls", "--filter", "name=^from", "--format", "{{.Name}}"); out != "fromstdin\nfromenv\n" && out != "fromenv\nfromstdin\n" {
		t.Fatalf("ls --filter name=^from: %q", out)
	}
	if out := e.roostOK("secret", "ls", "-q", "--filter", "id="+id[:10]); out != id+"\n" {
		t.Fatalf("ls -q --filter id=: %q", out)
	}
	if out := e.roostOK("secret", "ls", "--noheading", "--filter", "name=dbpw"); strings.Contains(out, "NAME") || !strings.Contains(out, "dbpw") {
		t.Fatalf("ls --noheading: %q", out)
	}
	if msg := e.roostFails(125, "secret", "ls", "--filter", "label=x"); !strings.Contains(msg, "label is an invalid filter") {
		t.Fatalf("ls --filter label=: %s", msg)
	}

	var info []struct {
		ID   string
		Spec struct {
			Name   string
			Driver struct{ Name string }
			Labels map[string]string
		}
	}
	raw := e.roostOK("secret", "inspect", "dbpw")
	if err := json.Unmarshal([]byte(raw), &info); err != nil || len(info) != 1 || info[0].ID != id ||
		info[0].Spec.Name != "dbpw" || info[0].Spec.Driver.Name != "file" || info[0].Spec.Labels["app"] != "db" {
		t.Fatalf("secret inspect: %v\n%s", err, raw)
	}
	if strings.Contains(raw, "s3cret") {
		t.Fatalf("secret inspect shows the data:\n%s", raw)
	}
	if out := e.roostOK("secret", "inspect", "--format", "{{.Spec.Name}} {{.ID}}", id[:8]); out != "dbpw "+id+"\n" {
		t.Fatalf("inspect --format by id prefix: %q", out)
	}
	if out := e.roostOK("secret", "inspect", "--pretty", "dbpw"); !strings.Contains(out, "Name:              dbpw") || !strings.Contains(out, " - app=db") {
		t.Fatalf("inspect --pretty:\n%s", out)
	}
	if msg := e.roostFails(125, "secret", "inspect", "nosuch"); msg != `Error: inspecting secret: no secret with name or id "nosuch": no such secret` {
		t.Fatalf("inspect nosuch: %s", msg)
	}

	if r := e.roost("secret", "exists", "dbpw"); r.Code != 0 {
		t.Fatalf("exists dbpw: %s", r)
	}
	if r := e.roost("secret", "exists", "nosuch"); r.Code != 1 || r.Stderr != "" {
		t.Fatalf("exists nosuch: %s", r)
	}

	// Bad input: one line, exit 125, nothing made.
	file := e.writeFile("secret-src/other", "x")
	for args, want := range map[string][]string{
		"Error: dbpw: secret name in use":                            {"secret", "create", "dbpw", file},
		"invalid secret name":                                        {"secret", "create", "bad/name", file},
		"invalid driver":                                             {"secret", "create", "--driver", "pass", "newone", file},
		"the file driver takes path=DIR only":                        {"secret", "create", "--driver-opts", "key=v", "newone", file},
		"environment variable NOPE is not set":                       {"secret", "create", "--env", "newone", "NOPE"},
		"secret data must be larger than 0":                          {"secret", "create", "newone", e.writeFile("secret-src/empty", "")},
		"`roost secret rm` requires one argument, or the --all flag": {"secret", "rm"},
	} {
		if msg := e.roostFails(125, want...); !strings.Contains(msg, args) {
			t.Fatalf("roost %v: %s, want %q", want, msg, args)
		}
	}
	if out := e.roostOK("secret", "ls", "-q"); len(strings.Fields(out)) != 3 {
		t.Fatalf("refused creates left secrets: %q", out)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Fatalf("refused creates left data files: %v", ents)
	}

	if out := e.roostOK("secret", "rm", "dbpw"); out != id+"\n" {
		t.Fatalf("rm dbpw: %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, id)); !os.IsNotExist(err) {
		t.Fatalf("rm left the data file: %v", err)
	}
	if msg := e.roostFails(125, "secret", "rm", "dbpw"); msg != `Error: no secret with name or id "dbpw": no such secret` {
		t.Fatalf("rm again: %s", msg)
	}
	e.roostOK("secret", "rm", "--ignore", "dbpw")
	if out := e.roostOK("secret", "rm", "--all"); len(strings.Fields(out)) != 2 {
		t.Fatalf("rm --all: %q", out)
	}
	if out := e.roostOK("secret", "ls", "--noheading"); out != "" {
		t.Fatalf("secrets left after rm --all: %q", out)
	}
}

// TestSecretInContainer: a mount secret is readable at /run/secrets/NAME
// (0444, root), a custom target, uid, gid and mode are honoured, an env
// secret sets its variable; none of it shows in inspect, logs, commit or
// export, and the container's copies go when it exits.
func TestSecretInContainer(t *testing.T) {
	e := pulled(t)
	id := secretCreate(t, e, "pw", "hunter2-mount")
	secretCreate(t, e, "tok", "hunter2-env")

	out := e.roostOK("run", "--rm", "--secret", "pw", busybox, "sh", "-c",
		"cat /run/secrets/pw; echo; stat -c '%a %u %g' /run/secrets/pw; echo x > /run/secrets/pw 2>/dev/null || echo readonly")
	if out != "hunter2-mount\n444 0 0\nreadonly\n" {
		t.Fatalf("default mount secret: %q", out)
	}
	out = e.roostOK("run", "--rm", "--secret", "pw,target=conf/db,uid=1000,gid=100,mode=0400",
		"--secret", "source=pw,target=/etc/app/pw", busybox, "sh", "-c",
		"stat -c '%a %u %g' /run/secrets/conf/db; cat /etc/app/pw; echo; ls /run/secrets")
	if out != "400 1000 100\nhunter2-mount\nconf\n" {
		t.Fatalf("custom target, uid, gid, mode: %q", out)
	}
	// keep-id: the container's ids map to other ids of Roost's namespace;
	// a secret named by an id prefix is still the file /run/secrets/NAME.
	out = e.roostOK("run", "--rm", "--userns", "keep-id", "--secret", fmt.Sprintf("%s,uid=%d,mode=0400", id[:6], e.UID), busybox,
		"sh", "-c", "stat -c '%a %u' /run/secrets/pw; cat /run/secrets/pw")
	if out != fmt.Sprintf("400 %d\nhunter2-mount", e.UID) {
		t.Fatalf("keep-id mount secret: %q", out)
	}
	if out := e.roostOK("run", "--rm", "--secret", "tok,type=env,target=TOKEN", busybox, "sh", "-c", "echo $TOKEN"); out != "hunter2-env\n" {
		t.Fatalf("env secret: %q", out)
	}

	// A container kept after exit: inspect, logs, commit and export.
	e.roostOK("run", "--name", "keeper", "--secret", "pw", "--secret", "tok,type=env", busybox,
		"sh", "-c", "cat /run/secrets/pw > /dev/null; echo logged $tok | wc -c")
	raw := e.roostOK("inspect", "keeper")
	if strings.Contains(raw, "hunter2") {
		t.Fatalf("inspect shows a secret's data:\n%s", raw)
	}
	var in []struct {
		Config struct {
			Env     []string
			Secrets []struct{ Name, ID string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil || len(in) != 1 || len(in[0].Config.Secrets) != 1 ||
		in[0].Config.Secrets[0].Name != "pw" || in[0].Config.Secrets[0].ID != id {
		t.Fatalf("inspect Config.Secrets: %v\n%s", err, raw)
	}
	if logs := e.roostOK("logs", "keeper"); strings.Contains(logs, "hunter2") {
		t.Fatalf("logs hold the data: %q", logs)
	}
	runDir := filepath.Join(e.RuntimeDir, "roost/containers")
	filepath.Walk(runDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.Contains(p, "/secrets") && !fi.IsDir() {
			t.Errorf("the exited container's secret copy %s is still in the run directory", p)
		}
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "hunter2") {
				t.Errorf("%s holds a secret's data after the container exited", p)
			}
		}
		return nil
	})
	e.roostOK("commit", "-q", "keeper", "committed")
	if out := e.roostOK("run", "--rm", "committed", "sh", "-c", "cat /run/secrets/pw 2>&1; echo; env | grep -c hunter2 || true"); strings.Contains(out, "hunter2-mount") || !strings.HasSuffix(out, "0\n") {
		t.Fatalf("the committed image holds the secret: %q", out)
	}
	tarPath := filepath.Join(e.Home, "keeper.tar")
	e.roostOK("export", "-o", tarPath, "keeper")
	if b, err := os.ReadFile(tarPath); err != nil || strings.Contains(string(b), "hunter2") {
		t.Fatalf("export holds the data (or failed: %v)", err)
	}

	// The container took its copy at create: it starts again after the
	// secret is gone, as in Podman.
	e.roostOK("create", "--name", "later", "--secret", "pw", busybox, "cat", "/run/secrets/pw")
	e.roostOK("secret", "rm", "pw")
	if out := e.roostOK("start", "-a", "later"); out != "hunter2-mount" {
		t.Fatalf("start after secret rm: %q", out)
	}
}

// TestSecretBadInput: unknown secrets and bad options fail create with one
// line and exit 125, leaving no container.
func TestSecretBadInput(t *testing.T) {
	e := pulled(t)
	secretCreate(t, e, "pw", "x")
	for want, args := range map[string][]string{
		`no secret with name or id "nosuch": no such secret`: {"--secret", "nosuch"},
		"type bogus is invalid":                              {"--secret", "pw,type=bogus"},
		"cannot be set with secret type env":                 {"--secret", "pw,type=env,mode=0400"},
		"option foo=1 invalid":                               {"--secret", "pw,foo=1"},
		"two secrets at /run/secrets/pw":                     {"--secret", "pw", "--secret", "pw"},
	} {
		msg := e.roostFails(125, append(append([]string{"run", "--name", "bad"}, args...), busybox, "true")...)
		if !strings.Contains(msg, want) {
			t.Fatalf("%v: %s, want %q", args, msg, want)
		}
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("a refused create left containers: %q", out)
	}
}

// TestSecretQuadlet: Secret= lines of a .container file become --secret
// flags of the generated unit, and a bad one is the file's error.
func TestSecretQuadlet(t *testing.T) {
	e := newEnv(t)
	e.writeFile(".config/roost/systemd/app.container", "[Container]\nImage="+busybox+"\nSecret=pw,target=conf\nSecret=tok,type=env,target=TOKEN\nExec=sleep 1000\n")
	out := e.roostOK("quadlet", "print", "app")
	if !strings.Contains(out, " --secret=pw,target=conf --secret=tok,type=env,target=TOKEN "+busybox+" sleep 1000\n") {
		t.Fatalf("quadlet print:\n%s", out)
	}
	e.writeFile(".config/roost/systemd/bad.container", "[Container]\nImage="+busybox+"\nSecret=pw,mode=abc\n")
	if r := e.roost("quadlet", "print", "bad"); r.Code != 125 || !strings.Contains(r.Stderr, "bad.container:3: Secret=pw,mode=abc: mode abc invalid") {
		t.Fatalf("quadlet print bad: %s", r)
	}
}

// TestSecretCompose: top-level file: and environment: secrets, short and
// long service syntax (target, uid, gid, mode), an external secret, and
// down removing what up made.
func TestSecretCompose(t *testing.T) {
	e := pulled(t)
	secretCreate(t, e, "shared", "from-roost")
	e.writeFile("proj/pw.txt", "from-file")
	e.Extra = append(e.Extra, "API_TOKEN=from-env")
	file := e.writeFile("proj/compose.yaml", `name: sec
services:
  app:
    image: `+busybox+`
    command: ["sh", "-c", "cat /run/secrets/pw /run/secrets/api/token /run/secrets/shared; stat -c '%a %u %g' /run/secrets/api/token; sleep 1000"]
    secrets:
      - pw
      - source: token
        target: api/token
        uid: "1000"
        gid: "1000"
        mode: 0400
      - shared
secrets:
  pw:
    file: ./pw.txt
  token:
    environment: API_TOKEN
  shared:
    external: true
`)
	e.composeOK(file, "up", "-d")
	eventually(t, 30*time.Second, func() error {
		if out := e.roostOK("logs", "sec-app-1"); out != "from-filefrom-envfrom-roost400 1000 1000\n" {
			return fmt.Errorf("service's secrets: %q", out)
		}
		return nil
	})
	if raw := e.roostOK("inspect", "sec-app-1"); strings.Contains(raw, "from-env") || strings.Contains(raw, "from-file") {
		t.Fatalf("inspect shows secret data:\n%s", raw)
	}
	if out := e.roostOK("secret", "ls", "--format", "{{.Name}}", "--filter", "name=^sec_"); out != "sec_pw\nsec_token\n" && out != "sec_token\nsec_pw\n" {
		t.Fatalf("secrets up made: %q", out)
	}
	e.composeOK(file, "down", "-t", "0")
	if out := e.roostOK("secret", "ls", "--format", "{{.Name}}"); out != "shared\n" {
		t.Fatalf("after down: %q, want only the external secret", out)
	}
	e.roostOK("secret", "rm", "shared")
	if r := e.compose(file, "up", "-d"); r.Code != 125 || !strings.Contains(r.Stderr, "secret shared declared as external, but could not be found") {
		t.Fatalf("up without the external secret: %s", r)
	}
}
