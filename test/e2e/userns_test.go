package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// subIDStart reads the user's first range from /etc/subuid, as the kernel map
// should show it.
func subIDStart(t *testing.T, file, name string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), ":")
		if len(p) == 3 && p[0] == name {
			return p[1] + " " + p[2]
		}
	}
	t.Fatalf("no %s entry for %s", file, name)
	return ""
}

func mapLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return out
}

func TestUnshareMapsUserAndSubordinateRange(t *testing.T) {
	e := newEnv(t)
	if got := strings.TrimSpace(e.roostOK("unshare", "id", "-u")); got != "0" {
		t.Fatalf("uid inside the namespace: want 0, got %q", got)
	}
	uidmap := mapLines(e.roostOK("unshare", "cat", "/proc/self/uid_map"))
	want := []string{fmt.Sprintf("0 %d 1", e.UID), "1 " + subIDStart(t, "/etc/subuid", e.User)}
	if strings.Join(uidmap, "|") != strings.Join(want, "|") {
		t.Fatalf("uid_map: want %q, got %q", want, uidmap)
	}
	gidmap := mapLines(e.roostOK("unshare", "cat", "/proc/self/gid_map"))
	wantG := []string{fmt.Sprintf("0 %d 1", e.GID), "1 " + subIDStart(t, "/etc/subgid", e.User)}
	if strings.Join(gidmap, "|") != strings.Join(wantG, "|") {
		t.Fatalf("gid_map: want %q, got %q", wantG, gidmap)
	}
	// The exit code of the command passes through; a missing command is 127.
	if r := e.roost("unshare", "sh", "-c", "exit 7"); r.Code != 7 {
		t.Fatalf("want exit 7, got %s", r)
	}
	e.roostFails(127, "unshare", "no-such-command-here")
}

func TestNamespaceKeepsMountsBetweenCommands(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Home, "mnt")
	mustDir(t, dir, e.UID, e.GID)
	e.roostOK("unshare", "sh", "-c", "mount -t tmpfs none "+dir+" && echo hello > "+dir+"/f")
	if got := e.roostOK("unshare", "cat", dir+"/f"); got != "hello\n" {
		t.Fatalf("a later command should see the tmpfs made by an earlier one, got %q", got)
	}
	// The mount stays inside the namespace: the host sees an empty directory.
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("the namespace's mount leaked to the host: %v", ents)
	}
}

func TestHolderKilledIsRecreated(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", registry+"/busybox:latest")
	// A mount marks the old namespace. (Namespace inode numbers are no mark:
	// the kernel gives a freed one to the next namespace made.)
	dir := filepath.Join(e.Home, "mark")
	mustDir(t, dir, e.UID, e.GID)
	e.roostOK("unshare", "sh", "-c", "mount -t tmpfs none "+dir+" && touch "+dir+"/old-namespace")
	old := e.holderPid()
	if old == 0 {
		t.Fatal("no holder pid file after the first command")
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, secs(5), func() error {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/ns", old)); err == nil {
			return fmt.Errorf("holder %d still alive", old)
		}
		return nil
	})
	if out := e.roostOK("unshare", "ls", dir); out != "" {
		t.Fatalf("after kill -9 of the holder the namespace should be new, but the old one's mount is there: %q", out)
	}
	if pid := e.holderPid(); pid == old || pid == 0 {
		t.Fatalf("holder pid not renewed: %d (old %d)", pid, old)
	}
	// Storage works in the new namespace: images are all there, and a
	// container mounts and runs.
	if out := e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}}"); out != registry+"/busybox:latest\n" {
		t.Fatalf("images after the holder was killed: %q", out)
	}
	if out := e.roostOK("run", "--rm", registry+"/busybox:latest", "echo", "ok"); out != "ok\n" {
		t.Fatalf("run after the holder was killed: %q", out)
	}
}

func TestConcurrentFirstCommandsShareOneHolder(t *testing.T) {
	e := newEnv(t)
	const n = 6
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.roost("unshare", "readlink", "/proc/self/ns/user")
			outs[i] = fmt.Sprintf("%d:%s", r.Code, strings.TrimSpace(r.Stdout))
		}(i)
	}
	wg.Wait()
	for _, o := range outs[1:] {
		if o != outs[0] || !strings.HasPrefix(o, "0:user:[") {
			t.Fatalf("concurrent first commands disagree on the namespace: %q", outs)
		}
	}
	ns := strings.TrimPrefix(outs[0], "0:")
	if got := len(processesInUserNS(ns)); got != 1 {
		t.Fatalf("want exactly one holder process in the namespace, got %d", got)
	}
}

func TestUserWithoutSubordinateRangeWarnsAndWorks(t *testing.T) {
	e := newEnvFor(t, noSubIDUser)
	r := e.roost("unshare", "cat", "/proc/self/uid_map")
	if r.Code != 0 {
		t.Fatalf("single-uid fallback failed: %s", r)
	}
	if got := mapLines(r.Stdout); len(got) != 1 || got[0] != fmt.Sprintf("0 %d 1", e.UID) {
		t.Fatalf("want a single mapping of the user, got %q", got)
	}
	warn := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(warn) != 1 || !strings.HasPrefix(warn[0], "WARNING: ") || !strings.Contains(warn[0], "usermod --add-subuids") {
		t.Fatalf("want one warning line saying how to add a range, got %q", r.Stderr)
	}
	// The warning comes when the namespace is made, not on every command.
	if r := e.roost("unshare", "true"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("second command: %s", r)
	}
}

type infoJSON struct {
	Host struct {
		Security struct {
			Rootless bool
			UID      int
		}
		IDMappings struct {
			UIDMap []struct{ ContainerID, HostID, Size int } `json:"uidmap"`
		} `json:"idMappings"`
		Cgroups struct {
			Version string
			Limits  bool `json:"limitsAvailable"`
			Note    string
		}
		OCIRuntime *struct{ Name, Path string }      `json:"ociRuntime"`
		Tools      map[string]*struct{ Path string } `json:"tools"`
	}
	Store struct {
		GraphRoot    string            `json:"graphRoot"`
		RunRoot      string            `json:"runRoot"`
		GraphDriver  string            `json:"graphDriverName"`
		GraphOptions map[string]string `json:"graphOptions"`
		Reason       string            `json:"graphDriverReason"`
	}
}

func parseInfo(t *testing.T, out string) infoJSON {
	t.Helper()
	var in infoJSON
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatalf("info json: %v\n%s", err, out)
	}
	return in
}

func TestInfoReportsRootlessHost(t *testing.T) {
	e := newEnv(t)
	in := parseInfo(t, e.roostOK("info", "--format", "json"))
	h := in.Host
	if !h.Security.Rootless || h.Security.UID != e.UID {
		t.Fatalf("want rootless uid %d, got %+v", e.UID, h.Security)
	}
	if len(h.IDMappings.UIDMap) != 2 || h.IDMappings.UIDMap[0].HostID != e.UID || h.IDMappings.UIDMap[1].Size < 1 {
		t.Fatalf("uid mappings: %+v", h.IDMappings.UIDMap)
	}
	// This machine has a v1/v2 hybrid: no rootless limits, and info says so.
	if h.Cgroups.Version != "hybrid" || h.Cgroups.Limits || !strings.Contains(h.Cgroups.Note, "cgroup v2") {
		t.Fatalf("cgroups: %+v", h.Cgroups)
	}
	if h.OCIRuntime == nil || h.OCIRuntime.Name != "crun" {
		t.Fatalf("runtime: want crun preferred, got %+v", h.OCIRuntime)
	}
	for _, tool := range []string{"slirp4netns", "pasta", "newuidmap", "fuse-overlayfs"} {
		if h.Tools[tool] == nil {
			t.Fatalf("tool %s not reported", tool)
		}
	}
	s := in.Store
	if s.GraphRoot != filepath.Join(e.Home, ".local/share/roost/storage") || s.RunRoot != filepath.Join(e.RuntimeDir, "roost/storage") {
		t.Fatalf("storage paths: %+v", s)
	}
	// Native overlay, not fuse-overlayfs and not vfs, on this kernel.
	if s.GraphDriver != "overlay" || len(s.GraphOptions) != 0 || !strings.Contains(s.Reason, "native") {
		t.Fatalf("want native overlay, got %+v", s)
	}
	if got := e.roostOK("info", "--format", "{{.Store.GraphDriver}}"); got != "overlay\n" {
		t.Fatalf("template: %q", got)
	}
	// The human form carries the same facts.
	text := e.roostOK("info")
	for _, want := range []string{"rootless: true", "graphDriverName: overlay", "version: hybrid", "name: crun"} {
		if !strings.Contains(text, want) {
			t.Fatalf("info text lacks %q:\n%s", want, text)
		}
	}
}

func TestInfoForcedDrivers(t *testing.T) {
	e := newEnv(t)
	s := parseInfo(t, e.roostOK("--storage-driver", "vfs", "info", "--format", "json")).Store
	if s.GraphDriver != "vfs" || !strings.Contains(s.Reason, "--storage-driver") {
		t.Fatalf("forced vfs: %+v", s)
	}
	e2 := newEnv(t)
	s = parseInfo(t, e2.roostOK("--storage-opt", "overlay.mount_program=/usr/bin/fuse-overlayfs", "info", "--format", "json")).Store
	if s.GraphDriver != "overlay" || len(s.GraphOptions) != 1 || s.GraphOptions["overlay.mount_program"] != "/usr/bin/fuse-overlayfs" {
		t.Fatalf("forced fuse-overlayfs: %+v", s)
	}
	// roost.conf is read too, and a setting Roost does not know is an error.
	e3 := newEnv(t)
	e3.writeFile(".config/roost/roost.conf", "[storage]\ndriver = \"vfs\"\n")
	if got := e3.roostOK("info", "--format", "{{.Store.GraphDriver}}"); got != "vfs\n" {
		t.Fatalf("roost.conf driver: %q", got)
	}
	e3.writeFile(".config/roost/roost.conf", "[storage]\ndrvier = \"vfs\"\n")
	if line := e3.roostFails(125, "info"); !strings.Contains(line, "drvier") {
		t.Fatalf("unknown setting not named: %s", line)
	}
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	var v struct {
		Client struct{ Version, GoVersion, OsArch string }
	}
	if err := json.Unmarshal([]byte(e.roostOK("version", "--format", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Client.Version == "" || v.Client.OsArch != "linux/amd64" {
		t.Fatalf("version json: %+v", v)
	}
	if got := e.roostOK("version", "--format", "{{.Client.Version}}"); strings.TrimSpace(got) != v.Client.Version {
		t.Fatalf("template: %q", got)
	}
	// version needs no namespace: no holder is started for it.
	if e.holderPid() != 0 {
		t.Fatal("`roost version` started a namespace holder")
	}
	if out := e.roostOK("completion", "bash"); !strings.Contains(out, "__start_roost") {
		t.Fatal("bash completion script missing")
	}
}

func TestBadCommandLines(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"info", "--no-such-flag"},
		{"info", "--format", "{{.Nope"},
		{"version", "extra-arg"},
	} {
		e.roostFails(125, args...)
	}
}

func TestRootfulUsesSystemPaths(t *testing.T) {
	root := t.TempDir()
	out, err := runAsRoot(filepath.Join(binDir, "roost"), "--root", root, "info", "--format", "json")
	if err != nil {
		t.Fatalf("rootful info: %v\n%s", err, out)
	}
	in := parseInfo(t, out)
	if in.Host.Security.Rootless || in.Store.GraphRoot != root || !strings.HasPrefix(in.Store.RunRoot, "/run/roost/") {
		t.Fatalf("rootful: %+v %+v", in.Host.Security, in.Store)
	}
	if _, err := os.Stat("/run/roost/userns.pid"); err == nil {
		t.Fatal("rootful Roost must not create a namespace holder")
	}
}
