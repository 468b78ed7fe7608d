package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const privateRef = authRegistry + "/private/busybox:latest"

func TestLoginPullLogout(t *testing.T) {
	e := newEnv(t)
	authFile := filepath.Join(e.RuntimeDir, "containers", "auth.json")

	// Without credentials the registry refuses, and says what to do.
	if line := e.roostFails(125, "pull", privateRef); !strings.Contains(line, "authentication required") || !strings.Contains(line, "roost login "+authRegistry) {
		t.Errorf("pull without login: %q", line)
	}
	// A wrong password is refused and nothing is stored.
	if line := e.roostFails(125, "login", "-u", authUser, "-p", "wrong", authRegistry); line != `Error: logging into "`+authRegistry+`": invalid username/password` {
		t.Errorf("bad password: %q", line)
	}
	if _, err := os.Stat(authFile); err == nil {
		t.Error("a failed login wrote the auth file")
	}

	if out := e.roostOK("login", "-u", authUser, "-p", authPass, authRegistry); out != "Login Succeeded!\n" {
		t.Errorf("login printed %q", out)
	}
	checkMode(t, authFile, 0o600)
	checkMode(t, filepath.Dir(authFile), 0o700)
	if b, _ := os.ReadFile(authFile); !strings.Contains(string(b), `"`+authRegistry+`"`) {
		t.Errorf("auth file lacks the registry:\n%s", b)
	}
	if got := e.roostOK("login", "--get-login", authRegistry); got != authUser+"\n" {
		t.Errorf("--get-login printed %q", got)
	}
	// A bare login with valid stored credentials is a no-op.
	if out := e.roostOK("login", authRegistry); !strings.Contains(out, "Already logged in to "+authRegistry) {
		t.Errorf("login with stored credentials: %q", out)
	}

	id := imgPull(t, e, privateRef)
	if got := strings.TrimSpace(e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")); got != privateRef+" "+id[:12] {
		t.Errorf("images after the private pull: %q", got)
	}

	if out := e.roostOK("logout", authRegistry); out != "Removed login credentials for "+authRegistry+"\n" {
		t.Errorf("logout printed %q", out)
	}
	e.roostOK("rmi", privateRef)
	if line := e.roostFails(125, "pull", privateRef); !strings.Contains(line, `initializing source docker://`+privateRef+`: authentication required`) {
		t.Errorf("pull after logout: %q", line)
	}
	if line := e.roostFails(125, "logout", authRegistry); line != "Error: not logged into "+authRegistry {
		t.Errorf("second logout: %q", line)
	}
	if line := e.roostFails(125, "login", "--get-login", authRegistry); line != "Error: not logged into "+authRegistry {
		t.Errorf("--get-login after logout: %q", line)
	}
}

func TestLoginPasswordStdinAndAuthfile(t *testing.T) {
	e := newEnv(t)
	custom := filepath.Join(e.Home, "creds", "auth.json")
	r := e.runInput(strings.NewReader(authPass+"\n"), binDir+"/roost", "login", "--authfile", custom, "-u", authUser, "--password-stdin", authRegistry)
	if r.Code != 0 || r.Stdout != "Login Succeeded!\n" {
		t.Fatalf("login --password-stdin: %s", r)
	}
	checkMode(t, custom, 0o600)
	if e.holderPid() != 0 {
		t.Error("login started the user namespace; it needs none")
	}
	if _, err := os.Stat(filepath.Join(e.RuntimeDir, "containers", "auth.json")); err == nil {
		t.Error("--authfile was ignored: the default auth file was written")
	}
	// Pulls read the same file when told to, and not otherwise.
	e.roostFails(125, "pull", privateRef)
	imgPull(t, e, "--authfile", custom, privateRef)
	if out := e.roostOK("logout", "--authfile", custom, "-a"); out != "Removed login credentials for all registries\n" {
		t.Errorf("logout -a printed %q", out)
	}
	// No terminal and no password: one clear line, not a hang.
	if line := e.roostFails(125, "login", "-u", authUser, authRegistry); !strings.Contains(line, "--password-stdin") {
		t.Errorf("login without a password: %q", line)
	}
}

func TestPullWithCreds(t *testing.T) {
	e := newEnv(t)
	if line := e.roostFails(125, "pull", "--creds", authUser+":wrong", privateRef); !strings.Contains(line, "invalid username/password") {
		t.Errorf("pull --creds with a wrong password: %q", line)
	}
	imgPull(t, e, "--creds", authUser+":"+authPass, privateRef)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s has mode %o, want %o", path, st.Mode().Perm(), want)
	}
}
