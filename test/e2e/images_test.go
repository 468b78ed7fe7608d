package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// Images the registry at 127.0.0.1:5000 serves (test/host/README.md).
const (
	busyboxRef   = registry + "/busybox:latest"
	busybox135   = registry + "/busybox:1.35"
	debianRef    = registry + "/debian:bookworm"
	multiarchRef = registry + "/multiarch:latest"
	fixtureTime  = 1704067200 // 2024-01-01T00:00:00Z, every fixture's creation time
)

var (
	fullID  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	shortID = regexp.MustCompile(`^[0-9a-f]{12}$`)
	// Podman's size column: three significant digits, a space, a decimal unit.
	humanSize = regexp.MustCompile(`^[0-9]+(\.[0-9]+)? (B|kB|MB|GB)$`)
)

// imgPull pulls quietly and returns the image ID it printed.
func imgPull(t *testing.T, e *env, args ...string) string {
	t.Helper()
	out := strings.TrimSpace(e.roostOK(append([]string{"pull", "-q"}, args...)...))
	if !fullID.MatchString(out) {
		t.Fatalf("pull -q %v printed %q, want a 64-hex image ID", args, out)
	}
	return out
}

// imgInspect returns one image's `image inspect` JSON, decoded.
func imgInspect(t *testing.T, e *env, ref string) map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(e.roostOK("image", "inspect", ref)), &out); err != nil || len(out) != 1 {
		t.Fatalf("image inspect %s: %v (%d elements)", ref, err, len(out))
	}
	return out[0]
}

// imgRows returns the rows of `images` (no header) split into fields on runs
// of two or more spaces, so "2 years ago" stays one field.
func imgRows(t *testing.T, e *env, args ...string) [][]string {
	t.Helper()
	out := e.roostOK(append([]string{"images", "--noheading"}, args...)...)
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			rows = append(rows, regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1))
		}
	}
	return rows
}

func lines(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestPullBusyboxAndDebian(t *testing.T) {
	e := newEnv(t)
	r := e.roost("pull", "busybox")
	if r.Code != 0 {
		t.Fatalf("pull busybox: %s", r)
	}
	id := strings.TrimSpace(r.Stdout)
	if !fullID.MatchString(id) {
		t.Fatalf("pull printed %q on stdout, want only the image ID", r.Stdout)
	}
	for _, want := range []string{"Trying to pull " + busyboxRef + "...", "Copying blob sha256:", "Writing manifest to image destination"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("pull progress lacks %q:\n%s", want, r.Stderr)
		}
	}
	debian := imgPull(t, e, debianRef)
	if debian == id {
		t.Fatal("busybox and debian have the same ID")
	}
	info := imgInspect(t, e, debianRef)
	if got := info["RootFS"].(map[string]any)["Layers"].([]any); len(got) < 3 {
		t.Errorf("debian has %d layers, want at least 3", len(got))
	}
	if info["Id"] != debian || info["Architecture"] != "amd64" || info["Os"] != "linux" {
		t.Errorf("inspect: Id %v Architecture %v Os %v", info["Id"], info["Architecture"], info["Os"])
	}
}

func TestPullSecondTimeCopiesNothing(t *testing.T) {
	e := newEnv(t)
	first := imgPull(t, e, busyboxRef)
	r := e.roost("pull", busyboxRef)
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != first {
		t.Fatalf("second pull: want the same ID %s, got %s", first, r)
	}
	if strings.Contains(r.Stderr, "Copying blob") || strings.Contains(r.Stderr, "Copying config") {
		t.Errorf("second pull copied again:\n%s", r.Stderr)
	}
	// Another tag of the same manifest is a new name, not a new copy.
	r = e.roost("pull", busybox135)
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != first || strings.Contains(r.Stderr, "Copying blob") {
		t.Fatalf("pull of busybox:1.35 (same image): %s", r)
	}
	tags := e.roostOK("image", "inspect", "--format", "{{range .RepoTags}}{{.}} {{end}}", first)
	if !strings.Contains(tags, busyboxRef) || !strings.Contains(tags, busybox135) {
		t.Errorf("RepoTags after both pulls: %q", tags)
	}
	if n := len(lines(e.roostOK("images", "-q"))); n != 1 {
		t.Errorf("images -q lists %d images, want 1", n)
	}
}

// indexDigests reads the multiarch index from the registry with skopeo (not
// Roost) and returns the manifest digest of each architecture.
func indexDigests(t *testing.T, e *env) map[string]string {
	t.Helper()
	r := e.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://"+multiarchRef)
	if r.Code != 0 {
		t.Fatalf("skopeo inspect --raw: %s", r)
	}
	var index struct {
		Manifests []struct {
			Digest   string
			Platform struct{ Architecture string }
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &index); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range index.Manifests {
		out[m.Platform.Architecture] = m.Digest
	}
	if out["amd64"] == "" || out["arm64"] == "" {
		t.Fatalf("multiarch index lacks amd64 or arm64: %s", r.Stdout)
	}
	return out
}

func TestPullPlatformChoosesFromIndex(t *testing.T) {
	for _, flags := range [][]string{{"--platform", "linux/arm64"}, {"--arch", "arm64"}} {
		t.Run(flags[0], func(t *testing.T) {
			e := newEnv(t)
			want := indexDigests(t, e)
			arm := imgPull(t, e, append(flags, multiarchRef)...)
			if got := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Architecture}}", arm)); got != "arm64" {
				t.Fatalf("Architecture after %v: %q", flags, got)
			}
			armDigests := e.roostOK("image", "inspect", "--format", "{{json .RepoDigests}}", arm)
			amd := imgPull(t, e, multiarchRef)
			if amd == arm {
				t.Fatal("the amd64 and arm64 pulls gave one image")
			}
			amdDigests := e.roostOK("image", "inspect", "--format", "{{json .RepoDigests}}", amd)
			if got := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Architecture}}", amd)); got != "amd64" {
				t.Errorf("default pull chose %q, want amd64", got)
			}
			if !strings.Contains(armDigests, want["arm64"]) || strings.Contains(armDigests, want["amd64"]) {
				t.Errorf("arm64 image RepoDigests %s, want the arm64 manifest %s", armDigests, want["arm64"])
			}
			if !strings.Contains(amdDigests, want["amd64"]) || strings.Contains(amdDigests, want["arm64"]) {
				t.Errorf("amd64 image RepoDigests %s, want the amd64 manifest %s", amdDigests, want["amd64"])
			}
			// The name moved to the newer pull; the arm64 image is now dangling.
			dangling := lines(e.roostOK("images", "-q", "--no-trunc", "--filter", "dangling=true"))
			if len(dangling) != 1 || dangling[0] != "sha256:"+arm {
				t.Errorf("dangling images %v, want the arm64 one", dangling)
			}
		})
	}
}

func TestImagesColumnsAndFormats(t *testing.T) {
	e := newEnv(t)
	bb := imgPull(t, e, busyboxRef)
	deb := imgPull(t, e, debianRef)
	out := e.roostOK("images")
	head := strings.Fields(lines(out)[0])
	if strings.Join(head, " ") != "REPOSITORY TAG IMAGE ID CREATED SIZE" {
		t.Errorf("header %q", lines(out)[0])
	}
	rows := imgRows(t, e)
	if len(rows) != 2 {
		t.Fatalf("images rows %v, want 2", rows)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r) != 5 || !shortID.MatchString(r[2]) || !strings.HasSuffix(r[3], " ago") || !humanSize.MatchString(r[4]) {
			t.Errorf("row %q: want REPOSITORY TAG 12-hex-ID '... ago' SIZE", r)
		}
		seen[r[0]+":"+r[1]+" "+r[2]] = true
	}
	if !seen[registry+"/busybox:latest "+bb[:12]] || !seen[registry+"/debian:bookworm "+deb[:12]] {
		t.Errorf("rows %v lack busybox %s or debian %s", rows, bb[:12], deb[:12])
	}

	// JSON: Podman's field names and values.
	var list []map[string]any
	if err := json.Unmarshal([]byte(e.roostOK("images", "--format", "json")), &list); err != nil || len(list) != 2 {
		t.Fatalf("images --format json: %v, %d entries", err, len(list))
	}
	for _, field := range []string{"Id", "ParentId", "RepoTags", "RepoDigests", "Size", "SharedSize", "VirtualSize", "Labels", "Containers", "Names", "Digest", "History", "Created", "CreatedAt"} {
		if _, ok := list[0][field]; !ok {
			t.Errorf("images json lacks %s: %v", field, list[0])
		}
	}
	for _, img := range list {
		if img["Id"] != bb {
			continue
		}
		if img["Created"].(float64) != fixtureTime || img["CreatedAt"] != "2024-01-01T00:00:00Z" {
			t.Errorf("Created %v CreatedAt %v", img["Created"], img["CreatedAt"])
		}
		if img["Labels"].(map[string]any)["org.roost.fixture"] != "busybox" || img["Size"].(float64) <= 0 {
			t.Errorf("Labels %v Size %v", img["Labels"], img["Size"])
		}
		digests := fmt.Sprint(img["RepoDigests"])
		if !strings.Contains(digests, registry+"/busybox@"+img["Digest"].(string)) {
			t.Errorf("RepoDigests %s lack repo@Digest (%s)", digests, img["Digest"])
		}
	}

	// Go templates, table templates, --digests, --no-trunc, -q.
	if got := strings.TrimSpace(e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", "--sort", "repository")); got != registry+"/busybox:latest "+bb[:12]+"\n"+registry+"/debian:bookworm "+deb[:12] {
		t.Errorf("template output:\n%s", got)
	}
	if got := lines(e.roostOK("images", "--format", "table {{.ID}}\t{{.Size}}")); len(got) != 3 || strings.Join(strings.Fields(got[0]), " ") != "IMAGE ID SIZE" {
		t.Errorf("table template output:\n%s", strings.Join(got, "\n"))
	}
	if got := e.roostOK("images", "--digests"); !strings.Contains(lines(got)[0], "DIGEST") || !strings.Contains(got, "sha256:") {
		t.Errorf("--digests:\n%s", got)
	}
	if got := lines(e.roostOK("images", "-q", "--no-trunc")); len(got) != 2 || !strings.HasPrefix(got[0], "sha256:") || len(got[0]) != 71 {
		t.Errorf("-q --no-trunc: %q", got)
	}
	e.roostOK("tag", busyboxRef, "second:name")
	if rows := imgRows(t, e); len(rows) != 3 {
		t.Errorf("an image with two names shows %d rows in all, want 3 (one per name)", len(rows))
	}
	if got := lines(e.roostOK("images", "-q")); len(got) != 2 {
		t.Errorf("-q shows each image once, got %q", got)
	}
}

func TestImagesFilters(t *testing.T) {
	e := newEnv(t)
	bb := imgPull(t, e, busyboxRef)
	deb := imgPull(t, e, debianRef)
	cases := []struct {
		filters []string
		want    []string
	}{
		{[]string{"reference=busybox"}, []string{bb}},
		{[]string{"reference=*/deb*"}, []string{deb}},
		{[]string{"reference=busybox", "reference=debian"}, []string{bb, deb}},
		{[]string{"label=org.roost.fixture=debian"}, []string{deb}},
		{[]string{"label=org.roost.fixture", "reference=busybox"}, []string{bb}},
		{[]string{"label=org.roost.fixture=busybox", "label=org.roost.fixture=debian"}, nil},
		{[]string{"dangling=false"}, []string{bb, deb}},
		{[]string{"dangling=true"}, nil},
		{[]string{"before=" + debianRef}, nil},
		{[]string{"since=" + debianRef}, nil},
	}
	for _, c := range cases {
		args := []string{"images", "-q", "--no-trunc", "--sort", "id"}
		for _, f := range c.filters {
			args = append(args, "--filter", f)
		}
		got := strings.Join(lines(e.roostOK(args...)), " ")
		var want []string
		for _, id := range c.want {
			want = append(want, "sha256:"+id)
		}
		sort.Strings(want)
		if w := strings.Join(want, " "); got != w {
			t.Errorf("filters %v: got %q, want %q", c.filters, got, w)
		}
	}
	if line := e.roostFails(125, "images", "--filter", "colour=red"); !strings.Contains(line, "colour=red") {
		t.Errorf("bad filter: %s", line)
	}
	// The positional IMAGE is a reference filter.
	if got := lines(e.roostOK("images", "-q", "debian")); len(got) != 1 || got[0] != deb[:12] {
		t.Errorf("images debian: %q", got)
	}
}

func TestImageInspectDebianConfig(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, debianRef)
	info := imgInspect(t, e, "debian:bookworm") // a short name finds the pulled image
	cfg := info["Config"].(map[string]any)
	if env := fmt.Sprint(cfg["Env"]); !strings.Contains(env, "ROOST_FIXTURE=debian") || !strings.Contains(env, "PATH=/usr/local/sbin") {
		t.Errorf("Config.Env %s", env)
	}
	if cfg["WorkingDir"] != "/srv" || fmt.Sprint(cfg["Cmd"]) != "[bash]" {
		t.Errorf("Config.WorkingDir %v Cmd %v", cfg["WorkingDir"], cfg["Cmd"])
	}
	if _, ok := cfg["ExposedPorts"].(map[string]any)["8080/tcp"]; !ok {
		t.Errorf("Config.ExposedPorts %v", cfg["ExposedPorts"])
	}
	if _, ok := cfg["Volumes"].(map[string]any)["/data"]; !ok {
		t.Errorf("Config.Volumes %v", cfg["Volumes"])
	}
	for _, field := range []string{"Id", "Digest", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Config", "Version", "Author", "Architecture", "Os", "Size", "VirtualSize", "GraphDriver", "RootFS", "Labels", "Annotations", "ManifestType", "User", "History", "NamesHistory"} {
		if _, ok := info[field]; !ok {
			t.Errorf("inspect lacks %s", field)
		}
	}
	if info["Id"] != id || fmt.Sprint(info["RepoTags"]) != "["+debianRef+"]" || info["Created"] != "2024-01-01T00:00:00Z" {
		t.Errorf("Id %v RepoTags %v Created %v", info["Id"], info["RepoTags"], info["Created"])
	}
	if info["GraphDriver"].(map[string]any)["Name"] != "overlay" || info["RootFS"].(map[string]any)["Type"] != "layers" {
		t.Errorf("GraphDriver %v RootFS %v", info["GraphDriver"], info["RootFS"])
	}
	if len(info["History"].([]any)) != 3 || info["Labels"].(map[string]any)["org.roost.fixture"] != "debian" {
		t.Errorf("History %v Labels %v", info["History"], info["Labels"])
	}
	// Templates see Podman's field names, and Docker's {{.Id}} too.
	got := e.roostOK("image", "inspect", "--format", "{{.ID}} {{.Id}} {{.Config.WorkingDir}} {{.User}}", debianRef)
	if strings.TrimSpace(got) != id+" "+id+" /srv" {
		t.Errorf("inspect template: %q", got)
	}
	user := imgPull(t, e, registry+"/debian-user:bookworm")
	if got := e.roostOK("image", "inspect", "--format", "{{.User}} {{.Config.User}}", user); strings.TrimSpace(got) != "app app" {
		t.Errorf("debian-user User: %q", got)
	}
	if line := e.roostFails(125, "image", "inspect", "nope"); !strings.Contains(line, "nope: image not known") {
		t.Errorf("inspect nope: %s", line)
	}
}

func TestTagUntagAndRmi(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	// RepoTags, sorted: storage keeps the newest names first.
	repoTags := func() string {
		return strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{range .RepoTags}}{{println .}}{{end}}", id))
	}
	sorted := func(names ...string) string {
		sort.Strings(names)
		return strings.Join(names, "\n")
	}
	e.roostOK("tag", "busybox", "mybox", registry+"/copy:v2")
	if got := repoTags(); sorted(lines(got)...) != sorted(busyboxRef, "localhost/mybox:latest", registry+"/copy:v2") {
		t.Errorf("RepoTags after tag: %s", got)
	}
	e.roostOK("untag", id, "mybox")
	if got := repoTags(); strings.Contains(got, "mybox") || !strings.Contains(got, "copy:v2") {
		t.Errorf("RepoTags after untag mybox: %s", got)
	}
	if line := e.roostFails(125, "tag", "busybox", "Bad::Name"); !strings.Contains(line, "Bad::Name") {
		t.Errorf("bad tag: %s", line)
	}

	// rmi of one name of several only untags it.
	r := e.roost("rmi", registry+"/copy:v2")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "Untagged: "+registry+"/copy:v2" {
		t.Fatalf("rmi copy:v2: %s", r)
	}
	if got := repoTags(); got != busyboxRef {
		t.Errorf("RepoTags after rmi of one name: %s", got)
	}
	// untag with no name leaves the image without names: <none> <none>.
	e.roostOK("untag", "busybox")
	rows := imgRows(t, e)
	if len(rows) != 1 || rows[0][0] != "<none>" || rows[0][1] != "<none>" || rows[0][2] != id[:12] {
		t.Errorf("untagged image rows %v", rows)
	}
	e.roostOK("tag", id, busyboxRef)

	// The last name: untag and delete, by ID prefix too.
	r = e.roost("rmi", "busybox")
	if r.Code != 0 || r.Stdout != "Untagged: "+busyboxRef+"\nDeleted: "+id+"\n" {
		t.Fatalf("rmi busybox: %s", r)
	}
	if e.roost("image", "exists", id).Code != 1 {
		t.Error("image exists after rmi")
	}
	id = imgPull(t, e, busyboxRef)
	if r := e.roost("rmi", id[:8]); r.Code != 0 || !strings.Contains(r.Stdout, "Deleted: "+id) {
		t.Fatalf("rmi by ID prefix: %s", r)
	}
	id = imgPull(t, e, busyboxRef)
	digest := strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Digest}}", id))
	if r := e.roost("rmi", registry+"/busybox@"+digest); r.Code != 0 || !strings.Contains(r.Stdout, "Deleted: "+id) {
		t.Fatalf("rmi by digest: %s", r)
	}

	// Unknown images: Podman's exit code 1 and one line.
	if line := e.roostFails(1, "rmi", "nope"); line != "Error: nope: image not known" {
		t.Errorf("rmi nope: %q", line)
	}
	if r := e.roost("rmi", "--ignore", "nope"); r.Code != 0 {
		t.Errorf("rmi --ignore nope: %s", r)
	}
	imgPull(t, e, busyboxRef)
	imgPull(t, e, debianRef)
	if r := e.roost("rmi", "-a"); r.Code != 0 || strings.Count(r.Stdout, "Deleted: ") != 2 {
		t.Fatalf("rmi -a: %s", r)
	}
	if got := e.roostOK("images", "-q"); got != "" {
		t.Errorf("images after rmi -a: %q", got)
	}
}

func TestImageExists(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	for _, name := range []string{"busybox", busyboxRef, id, id[:12], "sha256:" + id} {
		if r := e.roost("image", "exists", name); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
			t.Errorf("image exists %s: %s", name, r)
		}
	}
	if r := e.roost("image", "exists", "debian"); r.Code != 1 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("image exists debian (absent): %s", r)
	}
}

func TestImagePrune(t *testing.T) {
	e := newEnv(t)
	bb := imgPull(t, e, busyboxRef)
	deb := imgPull(t, e, debianRef)
	e.roostOK("untag", deb) // debian is now dangling

	// Without --force it asks, reading standard input as Podman does.
	r := e.runInput(strings.NewReader(""), binDir+"/roost", "image", "prune")
	if r.Code != 125 || !strings.Contains(r.Stdout, "WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ") || len(lines(r.Stderr)) != 1 {
		t.Fatalf("prune with no answer: %s", r)
	}
	r = e.runInput(strings.NewReader("n\n"), binDir+"/roost", "image", "prune")
	if r.Code != 0 || strings.Contains(r.Stdout, deb) {
		t.Fatalf("prune answered no: %s", r)
	}
	if e.roost("image", "exists", deb).Code != 0 {
		t.Fatal("prune removed an image although the answer was no")
	}
	r = e.runInput(strings.NewReader("y\n"), binDir+"/roost", "image", "prune")
	if r.Code != 0 || !strings.HasSuffix(r.Stdout, deb+"\n") {
		t.Fatalf("prune answered yes: %s", r)
	}
	if e.roost("image", "exists", deb).Code != 1 || e.roost("image", "exists", bb).Code != 0 {
		t.Fatal("prune should remove only the dangling debian image")
	}
	if out := e.roostOK("image", "prune", "-f"); out != "" {
		t.Errorf("prune with nothing dangling printed %q", out)
	}
	if out := e.roostOK("image", "prune", "-a", "-f", "--filter", "label=org.roost.fixture=debian"); out != "" {
		t.Errorf("prune -a with a filter matching nothing printed %q", out)
	}
	if out := e.roostOK("image", "prune", "-a", "-f"); strings.TrimSpace(out) != bb {
		t.Errorf("prune -a printed %q, want %s", out, bb)
	}
	if out := e.roostOK("images", "-a", "-q"); out != "" {
		t.Errorf("images after prune -a: %q", out)
	}
}

func TestPullBadReferencesFailClearly(t *testing.T) {
	e := newEnv(t)
	cases := map[string]string{
		"Bad::Ref":                        `invalid image reference "Bad::Ref"`,
		registry + "/nope:latest":         `initializing source docker://` + registry + `/nope:latest: the registry has no such image`,
		"127.0.0.1:1/x":                   `initializing source docker://127.0.0.1:1/x:latest: cannot reach the registry`,
		"nope":                            `initializing source docker://` + registry + `/nope:latest`,
		registry + "/busybox:no-such-tag": "check the name and tag",
	}
	for ref, want := range cases {
		if line := e.roostFails(125, "pull", ref); !strings.Contains(line, want) {
			t.Errorf("pull %s: %q, want it to say %q", ref, line, want)
		}
	}
	// A plain-HTTP registry with TLS demanded says how to get on.
	if line := e.roostFails(125, "pull", "--tls-verify=true", busyboxRef); !strings.Contains(line, "--tls-verify=false") {
		t.Errorf("pull --tls-verify=true from plain HTTP: %q", line)
	}
	if line := e.roostFails(125, "pull", "--platform", "linux", busyboxRef); !strings.Contains(line, "OS/ARCH") {
		t.Errorf("bad --platform: %q", line)
	}
	if out := e.roostOK("images", "-a", "-q"); out != "" {
		t.Errorf("failed pulls left images: %q", out)
	}
}

func TestPullShortNameWithoutSearchRegistries(t *testing.T) {
	e := newEnv(t)
	conf := e.writeFile(".config/containers/registries.conf", "[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n")
	line := e.roostFails(125, "pull", "busybox")
	want := `short-name "busybox" did not resolve to an alias and no unqualified-search registries are defined in "` + conf + `"`
	if !strings.Contains(line, want) {
		t.Errorf("got %q, want it to contain %q", line, want)
	}
	// A fully qualified name needs no search.
	imgPull(t, e, busyboxRef)
}

func TestPullHonoursPolicy(t *testing.T) {
	e := newEnv(t)
	e.writeFile(".config/containers/policy.json", `{"default": [{"type": "reject"}]}`)
	if line := e.roostFails(125, "pull", busyboxRef); !strings.Contains(line, "rejected") {
		t.Errorf("pull under a reject-all policy: %q", line)
	}
	e.writeFile(".config/containers/policy.json", `{"default": [{"type": "insecureAcceptAnything"}]}`)
	imgPull(t, e, busyboxRef)
}

func TestConcurrentPullsOfOneImage(t *testing.T) {
	e := newEnv(t)
	a, outA := e.start("pull", "-q", debianRef)
	b, outB := e.start("pull", "-q", debianRef)
	errA, errB := a.Wait(), b.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("concurrent pulls: %v %v\n%s\n%s", errA, errB, outA, outB)
	}
	idA, idB := strings.TrimSpace(outA.String()), strings.TrimSpace(outB.String())
	if idA != idB || !fullID.MatchString(idA) {
		t.Fatalf("concurrent pulls printed %q and %q", idA, idB)
	}
	rows := imgRows(t, e, "-a")
	if len(rows) != 1 || rows[0][0] != registry+"/debian" || rows[0][2] != idA[:12] {
		t.Errorf("images after concurrent pulls: %v", rows)
	}
	imgInspect(t, e, debianRef)
}

func TestPullKilledMidwayRecovers(t *testing.T) {
	e := newEnv(t)
	e.roostOK("images") // the namespace and storage exist before the timed part
	cmd, out := e.start("pull", debianRef)
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) && !strings.Contains(out.String(), "Copying blob") {
		time.Sleep(10 * time.Millisecond)
	}
	killGroup(cmd)
	t.Logf("killed the pull after:\n%s", out)

	id := imgPull(t, e, debianRef)
	rows := imgRows(t, e, "-a")
	if len(rows) != 1 || rows[0][2] != id[:12] {
		t.Errorf("images after a killed pull and a new one: %v", rows)
	}
	info := imgInspect(t, e, debianRef)
	if info["Id"] != id || len(info["RootFS"].(map[string]any)["Layers"].([]any)) < 3 {
		t.Errorf("inspect after recovery: Id %v RootFS %v", info["Id"], info["RootFS"])
	}
	// A third pull is a no-op again: storage is consistent.
	if r := e.roost("pull", debianRef); r.Code != 0 || strings.Contains(r.Stderr, "Copying blob") {
		t.Errorf("pull after recovery: %s", r)
	}
}

func TestPullWithOtherStorageDrivers(t *testing.T) {
	for name, global := range map[string][]string{
		"vfs":            {"--storage-driver", "vfs"},
		"fuse-overlayfs": {"--storage-opt", "overlay.mount_program=/usr/bin/fuse-overlayfs"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			with := func(args ...string) []string { return append(append([]string{}, global...), args...) }
			id := imgPull(t, e, with(busyboxRef)...)
			ref := busyboxRef
			if name == "fuse-overlayfs" {
				id = imgPull(t, e, with(debianRef)...)
				ref = debianRef
			}
			rows := strings.TrimSpace(e.roostOK(with("images", "--noheading", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", ref)...))
			if rows != ref+" "+id[:12] {
				t.Errorf("images: %q", rows)
			}
			got := strings.TrimSpace(e.roostOK(with("image", "inspect", "--format", "{{.ID}} {{.GraphDriver.Name}} {{.Os}}", ref)...))
			driver := "overlay"
			if name == "vfs" {
				driver = "vfs"
			}
			if got != id+" "+driver+" linux" {
				t.Errorf("inspect: %q, want %s %s linux", got, id, driver)
			}
			// The storage really ran with the option asked for.
			// info shows the options as Podman's map: "KEY": "VALUE".
			shown := global[1]
			if k, v, ok := strings.Cut(global[1], "="); ok {
				shown = fmt.Sprintf("%q: %q", k, v)
			}
			if info := e.roostOK(with("info", "--format", "json")...); !strings.Contains(info, shown) {
				t.Errorf("info does not show %s in force:\n%s", shown, info)
			}
		})
	}
}

// TestPullProgressOnATerminal: on a terminal with a width, a pull draws a
// bar per layer with its bytes and speed; on a terminal that reports no
// width (bars of no width show nothing) it prints a line per blob, as it
// does on a pipe.
func TestPullProgressOnATerminal(t *testing.T) {
	e := newEnv(t)
	p := e.startInPty(40, 120, "pull", registry+"/debian:bookworm")
	if code := p.wait(); code != 0 {
		t.Fatalf("pull on a terminal exited %d:\n%s", code, p.output())
	}
	out := p.output()
	// A bar: "Copying blob f565ae386250 [====>----] 5.8MiB / 46.3MiB | 709.5 MiB/s".
	bar := regexp.MustCompile(`Copying blob [0-9a-f]{12} \[[=>-]+\] [0-9.]+[KMG]?i?[bB] / [0-9.]+[KMG]?i?[bB]`)
	if !bar.MatchString(out) || !strings.Contains(out, "done") {
		t.Fatalf("pull on a 120-column terminal drew no progress bar:\n%q", out)
	}
	e.roostOK("rmi", registry+"/debian:bookworm")

	p = e.startInPty(0, 0, "pull", registry+"/debian:bookworm")
	if code := p.wait(); code != 0 {
		t.Fatalf("pull on an unsized terminal exited %d:\n%s", code, p.output())
	}
	if out := p.output(); strings.Count(out, "Copying blob sha256:") < 2 || !strings.Contains(out, "Writing manifest") {
		t.Fatalf("pull on a terminal without a width printed no line per blob:\n%q", out)
	}
}
