package e2e

import (
	"sort"
	"strings"
	"testing"
)

// sortedFields is output's words in order, for lists whose order the test
// does not care about.
func sortedFields(out string) string {
	f := strings.Fields(out)
	sort.Strings(f)
	return strings.Join(f, " ")
}

// listed runs a list command with each filter and returns the sorted words
// it printed.
func listed(e *env, cmd []string, filters ...string) string {
	e.t.Helper()
	args := append([]string{}, cmd...)
	for _, f := range filters {
		args = append(args, "--filter", f)
	}
	return sortedFields(e.roostOK(args...))
}

// ps --filter as Podman's: one key repeated is any, label repeated is all,
// different keys all, label!= excludes; a bad key or value is one line and
// exit 125.
func TestPsFilterSemantics(t *testing.T) {
	e := pulled(t)
	e.roostOK("create", "--name", "a", "--label", "app=web", "--label", "tier=front", busybox, "true")
	e.roostOK("create", "--name", "b", "--label", "app=db", busybox, "true")
	e.roostOK("run", "--name", "c", busybox, "true")
	if r := e.roost("run", "--name", "d", busybox, "sh", "-c", "exit 3"); r.Code != 3 {
		t.Fatalf("run d: %s", r)
	}
	for _, c := range []struct {
		filters []string
		want    string
	}{
		{[]string{"label!=app"}, "c d"},
		{[]string{"label!=app=web"}, "b c d"},
		{[]string{"name=^a$", "name=^c$"}, "a c"},        // one key: any
		{[]string{"label=app", "label=tier"}, "a"},       // label: every one
		{[]string{"label=app", "status=created"}, "a b"}, // keys: all
		{[]string{"label=app=db", "status=exited"}, ""},  // keys: all
		{[]string{"status=exited", "status=created"}, "a b c d"},
		{[]string{"exited=3"}, "d"},
		{[]string{"ancestor=busybox", "label!=app"}, "c d"},
		{[]string{"since=b"}, "c d"},
		{[]string{"before=b"}, "a"},
	} {
		if got := listed(e, []string{"ps", "-a", "--format", "{{.Names}}"}, c.filters...); got != c.want {
			t.Errorf("ps -a %q: got %q, want %q", c.filters, got, c.want)
		}
	}
	// status= looks at stopped containers without -a, as Podman's does.
	if got := sortedFields(e.roostOK("ps", "--format", "{{.Names}}", "--filter", "status=exited")); got != "c d" {
		t.Errorf("ps --filter status=exited: %q", got)
	}
	// --latest and --last take the newest of what the filters keep.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-l"}, "d"},
		{[]string{"-n", "2"}, "c d"},
		{[]string{"-l", "--filter", "label=app"}, "b"},
		{[]string{"-n", "3", "--filter", "label!=app=db"}, "a c d"},
	} {
		if got := sortedFields(e.roostOK(append([]string{"ps", "--format", "{{.Names}}"}, c.args...)...)); got != c.want {
			t.Errorf("ps %q: got %q, want %q", c.args, got, c.want)
		}
	}
	line := e.roostFails(125, "ps", "--filter", "colour=red")
	for _, want := range []string{"colour is an invalid filter", `"colour=red"`, "ancestor", "label", "volume"} {
		if !strings.Contains(line, want) {
			t.Errorf("bad key: %q lacks %q", line, want)
		}
	}
	for _, bad := range []string{"status=asleep", "exited=three", "name=(", "label", "id!=abc", "before=nosuch"} {
		e.roostFails(125, "ps", "-a", "--filter", bad)
	}
	e.roostOK("rm", "a", "b", "c", "d")
}

// volume ls/prune and network ls/prune share the same rules and errors.
func TestVolumeAndNetworkFilterSemantics(t *testing.T) {
	e := newEnv(t)
	e.roostOK("volume", "create", "--label", "app=web", "v1")
	e.roostOK("volume", "create", "--label", "app=db", "v2")
	e.roostOK("volume", "create", "v3")
	vols := []string{"volume", "ls", "--format", "{{.Name}}"}
	for _, c := range []struct {
		filters []string
		want    string
	}{
		{[]string{"label!=app"}, "v3"},
		{[]string{"label!=app=db"}, "v1 v3"},
		{[]string{"name=1$", "name=3$"}, "v1 v3"},
		{[]string{"label=app", "name=2"}, "v2"},
	} {
		if got := listed(e, vols, c.filters...); got != c.want {
			t.Errorf("volume ls %q: got %q, want %q", c.filters, got, c.want)
		}
	}
	line := e.roostFails(125, "volume", "ls", "--filter", "colour=red")
	if !strings.Contains(line, `"colour" is an invalid volume filter`) || !strings.Contains(line, "dangling") {
		t.Errorf("volume ls bad key: %q", line)
	}
	// prune takes label and until only: name= is refused before anything goes.
	line = e.roostFails(125, "volume", "prune", "-f", "--filter", "name=v1")
	if !strings.Contains(line, "label, until") {
		t.Errorf("volume prune bad key: %q", line)
	}
	if got := listed(e, vols); got != "v1 v2 v3" {
		t.Fatalf("a refused prune removed volumes: %q", got)
	}
	if out := e.roostOK("volume", "prune", "-f", "--filter", "label!=app"); out != "v3\n" {
		t.Errorf("volume prune label!=app: %q", out)
	}

	e.roostOK("network", "create", "--label", "team=a", "n1")
	e.roostOK("network", "create", "n2")
	nets := []string{"network", "ls", "--format", "{{.Name}}"}
	for _, c := range []struct {
		filters []string
		want    string
	}{
		{[]string{"name=^n", "label!=team"}, "n2"},
		{[]string{"name=^n1$", "name=^n2$"}, "n1 n2"},
		{[]string{"label=team=a"}, "n1"},
	} {
		if got := listed(e, nets, c.filters...); got != c.want {
			t.Errorf("network ls %q: got %q, want %q", c.filters, got, c.want)
		}
	}
	line = e.roostFails(125, "network", "ls", "--filter", "colour=red")
	if !strings.Contains(line, "colour is an invalid filter") || !strings.Contains(line, "driver") {
		t.Errorf("network ls bad key: %q", line)
	}
	if out := e.roostOK("network", "prune", "-f", "--filter", "label=team"); out != "n1\n" {
		t.Errorf("network prune label=team: %q", out)
	}
	e.roostOK("network", "rm", "n2")
	e.roostOK("volume", "rm", "v1", "v2")
}
