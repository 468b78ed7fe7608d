package e2e

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// installV1Database puts the state database written by the release before
// schema versions (pkg/state/testdata/README.md) into the user's fresh
// graph root and returns its path.
func installV1Database(t *testing.T, e *env) string {
	t.Helper()
	f, err := os.Open("../../pkg/state/testdata/v1-roost-state.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := io.Copy(&b, z); err != nil {
		t.Fatal(err)
	}
	return e.writeFile(".local/share/roost/storage/roost-state.db", b.String())
}

// The real binary opens the previous release's database: it migrates it,
// lists every container, pod, network and volume, and its Reconcile removes
// the container the old release's killed create left half-made.
func TestPreviousReleaseStateOpens(t *testing.T) {
	e := newEnv(t)
	installV1Database(t, e)
	ps := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}} {{index .Labels \"role\"}}")
	want := map[string]bool{"fix-created created created": true, "fix-exited exited exited": true, "fixpod-member created member": true, "eb1a44360ec4-infra created": true}
	lines := strings.Split(strings.TrimSpace(ps), "\n")
	for _, l := range lines {
		if !want[strings.TrimSpace(l)] {
			t.Fatalf("ps -a after migration: unexpected %q in\n%s", l, ps)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("ps -a after migration:\n%s", ps)
	}
	if got := e.roostLine("inspect", "--format", "{{.ImageName}} {{.State.ExitCode}} {{.Config.Labels.fixture}}", "fix-exited"); got != "127.0.0.1:5000/busybox:latest 3 v1" {
		t.Fatalf("inspect fix-exited: %q", got)
	}
	if got := e.roostLine("pod", "ps", "--format", "{{.Name}} {{.NumberOfContainers}} {{.Labels}}"); got != "fixpod 2 map[fixture:v1]" {
		t.Fatalf("pod ps: %q", got)
	}
	if got := e.roostLine("network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}} {{.Gateway}}{{end}} {{index .Labels \"fixture\"}}", "fixnet"); got != "10.89.42.0/24 10.89.42.1 v1" {
		t.Fatalf("network inspect fixnet: %q", got)
	}
	if got := e.roostLine("volume", "ls", "--format", "{{.Name}} {{.Labels}}"); got != "fixvol map[fixture:v1 keep:yes]" {
		t.Fatalf("volume ls: %q", got)
	}
	// The records are live ones: they can be removed as any other.
	e.roostOK("rm", "fix-exited")
	e.roostOK("pod", "rm", "-f", "fixpod")
	if got := e.roostLine("ps", "-a", "--format", "{{.Names}}"); got != "fix-created" {
		t.Fatalf("ps -a after rm: %q", got)
	}
}

// A database of a newer schema is refused with one line and left alone.
func TestNewerStateDatabaseIsRefused(t *testing.T) {
	e := newEnv(t)
	path := installV1Database(t, e)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		return meta.Put([]byte("schema"), []byte("99"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	for _, args := range [][]string{{"ps", "-a"}, {"volume", "create", "late"}} {
		line := e.roostFails(125, args...)
		if !strings.Contains(line, "schema version 99") || !strings.Contains(line, "upgrade roost") {
			t.Fatalf("roost %s on a schema 99 database: %q", strings.Join(args, " "), line)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a refused database was changed")
	}
	if _, err := os.Stat(filepath.Join(e.Home, ".local/share/roost/volumes/late")); !os.IsNotExist(err) {
		t.Fatalf("a refused volume create left its directory: %v", err)
	}
}
