package e2e

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// storedLayer is a layer as storage's layers.json records it.
type storedLayer struct {
	ID         string `json:"id"`
	Parent     string `json:"parent"`
	Compressed string `json:"compressed-diff-digest"`
	Diff       string `json:"diff-digest"`
}

// storedLayers reads the layers of the test user's storage.
func storedLayers(t *testing.T, e *env) []storedLayer {
	t.Helper()
	root := strings.TrimSpace(e.roostOK("info", "--format", "{{.Store.GraphRoot}}"))
	b, err := os.ReadFile(filepath.Join(root, "overlay-layers", "layers.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var layers []storedLayer
	if err := json.Unmarshal(b, &layers); err != nil {
		t.Fatal(err)
	}
	return layers
}

// pushEditedConfig pushes a copy of src to dst with its config changed by
// edit: the layers stay the registry's blobs.
func pushEditedConfig(t *testing.T, src, dst string, edit func(cfg map[string]any)) {
	t.Helper()
	layout := filepath.Join(t.TempDir(), "oci")
	skopeo(t, "copy", "-q", "--src-tls-verify=false", "docker://"+src, "oci:"+layout+":img")
	var index struct {
		Manifests []map[string]any `json:"manifests"`
	}
	readJSON(t, filepath.Join(layout, "index.json"), &index)
	var man map[string]any
	readJSON(t, blobPath(layout, index.Manifests[0]["digest"].(string)), &man)
	cfgDesc := man["config"].(map[string]any)
	var cfg map[string]any
	readJSON(t, blobPath(layout, cfgDesc["digest"].(string)), &cfg)
	edit(cfg)
	cfgDesc["digest"], cfgDesc["size"] = writeBlob(t, layout, cfg)
	index.Manifests[0]["digest"], index.Manifests[0]["size"] = writeBlob(t, layout, man)
	b, _ := json.Marshal(index)
	if err := os.WriteFile(filepath.Join(layout, "index.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	pushAs(t, "oci:"+layout+":img", dst)
}

func blobPath(layout, d string) string {
	return filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func writeBlob(t *testing.T, layout string, v any) (string, int) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := fmt.Sprintf("sha256:%x", sha256.Sum256(b))
	if err := os.WriteFile(blobPath(layout, d), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return d, len(b)
}

// TestPullStoresEachLayerOnce: a pull streams each layer into storage once
// (the layers copy.Image then finds are reused, not stored again), the
// image runs, and an image that shares the layers reuses them.
func TestPullStoresEachLayerOnce(t *testing.T) {
	e := newEnv(t)
	r := e.roost("pull", debianRef)
	if r.Code != 0 {
		t.Fatalf("pull: %s", r)
	}
	if strings.Contains(r.Stderr, "skipped") || strings.Count(r.Stderr, "Copying blob sha256:") != 3 || !strings.Contains(r.Stderr, "Writing manifest") {
		t.Errorf("pull into empty storage should say each blob once, and copied:\n%s", r.Stderr)
	}
	diffIDs := strings.Fields(strings.Trim(e.roostOK("image", "inspect", "--format", "{{.RootFS.Layers}}", debianRef), "[]\n"))
	layers := storedLayers(t, e)
	if len(diffIDs) != 3 || len(layers) != len(diffIDs) {
		t.Fatalf("%d diff_ids %v, %d layers in storage %+v", len(diffIDs), diffIDs, len(layers), layers)
	}
	for i, l := range layers {
		if l.Diff != diffIDs[i] || !strings.HasPrefix(l.Compressed, "sha256:") || l.Compressed == l.Diff {
			t.Errorf("layer %d: %+v, want the gzip blob's digest and diff_id %s", i, l, diffIDs[i])
		}
	}
	if out := e.roostOK("run", "--rm", debianRef, "cat", "/etc/debian_version"); !strings.HasPrefix(out, "12") {
		t.Errorf("run printed %q", out)
	}

	// The same layers under another config: nothing fetched, nothing added.
	relabeled := uniqueRepo(t, registry) + ":v1"
	pushEditedConfig(t, debianRef, relabeled, func(cfg map[string]any) {
		cfg["config"].(map[string]any)["Labels"] = map[string]any{"roost.test": "relabeled"}
	})
	r = e.roost("pull", relabeled)
	if r.Code != 0 || strings.Count(r.Stderr, "Copying blob sha256:") != 3 || !strings.Contains(r.Stderr, "Copying config") {
		t.Fatalf("pull of the relabeled image: %s", r)
	}
	if n := len(storedLayers(t, e)); n != 3 {
		t.Errorf("%d layers after the relabeled image, want the same 3", n)
	}
	if got := e.roostOK("image", "inspect", "--format", "{{.Labels}}", relabeled); !strings.Contains(got, "relabeled") {
		t.Errorf("relabeled image's labels: %q", got)
	}
}

// TestPullRefusesLayerNotMatchingDiffID: a layer whose content is not the
// config's diff_id is refused with the blob named, and not kept.
func TestPullRefusesLayerNotMatchingDiffID(t *testing.T) {
	e := newEnv(t)
	tampered := uniqueRepo(t, registry) + ":v1"
	pushEditedConfig(t, busyboxRef, tampered, func(cfg map[string]any) {
		cfg["rootfs"].(map[string]any)["diff_ids"] = []string{fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("not busybox")))}
	})
	line := e.roostFails(125, "pull", "-q", tampered)
	if !strings.Contains(line, "blob sha256:") || !strings.Contains(line, "diff_id") {
		t.Errorf("pull of a tampered image: %q, want the blob and its diff_id named", line)
	}
	if layers := storedLayers(t, e); len(layers) != 0 {
		t.Errorf("the refused layer stays in storage: %+v", layers)
	}
	if out := e.roostOK("images", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("images after a refused pull: %q", out)
	}
}

// TestAPIPullReportsEachLayerPulled: the Docker API's pull stream ends
// each layer on "Pull complete", never on "Already exists" for a layer
// the pull itself just stored.
func TestAPIPullReportsEachLayerPulled(t *testing.T) {
	e := newEnv(t)
	s := e.startAPI(t)
	r := e.run("curl", "-gsS", "-X", "POST", "--unix-socket", s.Socket, "http://d/v1.41/images/create?fromImage="+registry+"/debian&tag=bookworm")
	if r.Code != 0 {
		t.Fatalf("POST /images/create: %s", r)
	}
	last := map[string]string{}
	for _, l := range lines(r.Stdout) {
		var m struct{ ID, Status string }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %q", err, l)
		}
		if m.ID != "" && m.Status != "" {
			last[m.ID] = m.Status
		}
	}
	complete := 0
	for id, status := range last {
		if status == "Already exists" {
			t.Errorf("layer %s ends on %q:\n%s", id, status, r.Stdout)
		}
		if status == "Pull complete" {
			complete++
		}
	}
	if complete < 3 || !strings.Contains(r.Stdout, "Downloaded newer image") {
		t.Errorf("want three layers pulled and a newer image:\n%s", r.Stdout)
	}
}

// TestPullRefusesALayerFetchedAhead: the layers after the first are
// downloaded while the first is applied; one of those that is not its
// diff_id is refused on its turn, the verified layers before it stay (a
// later pull reuses them), and nothing else is left: no image, no layer
// of the refused blob, no temporary file.
func TestPullRefusesALayerFetchedAhead(t *testing.T) {
	e := newEnv(t)
	tmp := filepath.Join(e.Home, "tmp")
	mustDir(t, tmp, e.UID, e.GID)
	e.Extra = append(e.Extra, "TMPDIR="+tmp)
	tampered := uniqueRepo(t, registry) + ":v1"
	pushEditedConfig(t, debianRef, tampered, func(cfg map[string]any) {
		ids := cfg["rootfs"].(map[string]any)["diff_ids"].([]any)
		ids[len(ids)-1] = fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("not debian")))
	})
	line := e.roostFails(125, "pull", "-q", tampered)
	if !strings.Contains(line, "blob sha256:") || !strings.Contains(line, "diff_id") {
		t.Errorf("pull with a tampered last layer: %q, want the blob and its diff_id named", line)
	}
	if layers := storedLayers(t, e); len(layers) != 2 {
		t.Errorf("after the refused last layer storage holds %d layers %+v, want the 2 verified before it", len(layers), layers)
	}
	if out := e.roostOK("images", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("images after a refused pull: %q", out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left in TMPDIR: %v", left)
	}
	// The real image reuses the two kept layers and fetches the third.
	r := e.roost("pull", debianRef)
	if r.Code != 0 || strings.Count(r.Stderr, "Copying blob sha256:") != 3 {
		t.Fatalf("pull of the real image after the refused one: %s", r)
	}
	if n := len(storedLayers(t, e)); n != 3 {
		t.Errorf("%d layers after the real image, want 3", n)
	}
	if out := e.roostOK("run", "--rm", debianRef, "cat", "/etc/debian_version"); !strings.HasPrefix(out, "12") {
		t.Errorf("run printed %q", out)
	}
}
