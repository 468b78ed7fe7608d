package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// subIDRangeOf is the user's first range in file as start and size.
func subIDRangeOf(t *testing.T, file, name string) (start, size int) {
	t.Helper()
	if _, err := fmt.Sscanf(subIDStart(t, file, name), "%d %d", &start, &size); err != nil {
		t.Fatal(err)
	}
	return start, size
}

// keep-id keeps the image's root-owned files root's, in the container and
// (through the mapped layer) on the host; the user is themselves inside.
func TestUsernsKeepIDPreservesRootOwnership(t *testing.T) {
	e := pulled(t)
	for _, user := range []string{"", "--user=0", "--user=100"} {
		args := []string{"run", "--rm", "--userns=keep-id"}
		if user != "" {
			args = append(args, user)
		}
		out := e.roostOK(append(args, busybox, "stat", "-c", "%u:%g:%n", "/etc", "/usr", "/bin/sh")...)
		if out != "0:0:/etc\n0:0:/usr\n0:0:/bin/sh\n" {
			t.Fatalf("keep-id %s: root-owned image files should stay root's, got %q", user, out)
		}
	}
	if out := e.roostOK("run", "--rm", "--userns=keep-id", busybox, "id", "-u"); strings.TrimSpace(out) != fmt.Sprint(e.UID) {
		t.Fatalf("keep-id: want uid %d, got %q", e.UID, out)
	}
	// keep-id:uid=,gid= names the ids the user has inside.
	dir := filepath.Join(e.Home, "kid")
	mustDir(t, dir, e.UID, e.GID)
	out := e.roostOK("run", "--rm", "--userns=keep-id:uid=200,gid=300", "-v", dir+":/d", busybox, "sh", "-c", "id -u; id -g; touch /d/f; cat /proc/self/uid_map")
	lines := mapLines(out)
	if len(lines) < 3 || lines[0] != "200" || lines[1] != "300" || !strings.Contains(strings.Join(lines, "|"), "|200 0 1|") {
		t.Fatalf("keep-id:uid=200,gid=300: %q", out)
	}
	fi, err := os.Stat(filepath.Join(dir, "f"))
	if err != nil || statUID(fi) != e.UID {
		t.Fatalf("a file uid 200 made should be the user's on the host: %v %v", err, fi)
	}
}

// --uidmap/--gidmap: the kernel map inside is the one given (HOST counted in
// the user's namespace), and file ownership follows it on the host.
func TestUsernsUIDMap(t *testing.T) {
	e := pulled(t)
	subStart, _ := subIDRangeOf(t, "/etc/subuid", e.User)
	dir := filepath.Join(e.Home, "um")
	mustDir(t, dir, e.UID, e.GID)
	out := e.roostOK("run", "--rm", "--uidmap", "0:100:5000", "--gidmap", "0:200:5000", "-v", dir+":/d", busybox,
		"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /etc; touch /d/root-made 2>/dev/null || echo refused")
	lines := mapLines(out)
	if len(lines) != 4 || lines[0] != "0 100 5000" || lines[1] != "0 200 5000" || lines[2] != "0:0" || lines[3] != "refused" {
		t.Fatalf("--uidmap/--gidmap: want maps 0 100 5000, 0 200 5000, a root-owned /etc and a refused write, got %q", out)
	}
	// A file the container's root cannot make in the user's directory (root
	// is subordinate uid 100 now, not the user): the host proves the map.
	if _, err := os.Stat(filepath.Join(dir, "root-made")); err == nil {
		t.Fatalf("container root (host uid %d) should not write the user's 0755 directory", subStart+99)
	}
	os.Chmod(dir, 0o777)
	e.roostOK("run", "--rm", "--uidmap", "0:100:5000", "-v", dir+":/d", busybox, "touch", "/d/root-made")
	fi, err := os.Stat(filepath.Join(dir, "root-made"))
	if err != nil || statUID(fi) != subStart+99 {
		t.Fatalf("a file container root made should be host uid %d (subordinate id 100): %v %v", subStart+99, err, fi)
	}
	// inspect shows the mappings as Podman does.
	e.roostOK("create", "--name", "mapped", "--uidmap", "0:1:2000", "--gidmap", "0:1:3000", busybox, "true")
	var ins []struct {
		HostConfig struct {
			UsernsMode string
			IDMappings struct{ UidMap, GidMap []string }
		}
	}
	if err := json.Unmarshal([]byte(e.roostOK("inspect", "mapped")), &ins); err != nil || len(ins) != 1 {
		t.Fatalf("inspect: %v", err)
	}
	h := ins[0].HostConfig
	if h.UsernsMode != "private" || strings.Join(h.IDMappings.UidMap, ",") != "0:1:2000" || strings.Join(h.IDMappings.GidMap, ",") != "0:1:3000" {
		t.Fatalf("inspect IDMappings: %+v", h)
	}
	// Bad values: one line, exit 125, nothing made.
	for _, bad := range [][]string{
		{"--uidmap", "0:1"}, {"--uidmap", "0:x:5"}, {"--uidmap", "0:1:0"}, {"--uidmap", "0:1:99999999"},
		{"--userns=keep-id", "--uidmap", "0:1:10"}, {"--userns=bogus"}, {"--userns=auto:size=x"},
		{"--userns=keep-id:uid=a"}, {"--userns=ns:relative"}, {"--subuidname", "no-such-user-here"},
	} {
		msg := e.roostFails(125, append(append([]string{"run", "--rm", "--name", "bad"}, bad...), busybox, "true")...)
		if strings.Count(strings.TrimSpace(msg), "\n") != 0 {
			t.Fatalf("%v: want one line, got %q", bad, msg)
		}
	}
	if out := e.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.Contains(out, "bad") {
		t.Fatalf("a refused run left a container: %q", out)
	}
}

// nomap leaves the user's own id out of the container; auto gives each
// container its own range, which inspect and the kernel map agree on.
func TestUsernsNomapAndAuto(t *testing.T) {
	e := pulled(t)
	out := e.roostOK("run", "--rm", "--userns=nomap", busybox, "sh", "-c", "cat /proc/self/uid_map; stat -c %u /etc")
	if lines := mapLines(out); len(lines) != 2 || !strings.HasPrefix(lines[0], "0 1 ") || lines[1] != "0" {
		t.Fatalf("nomap: want container 0 on subordinate id 1 and root's /etc, got %q", out)
	}
	maps := map[string]string{}
	for _, n := range []string{"a1", "a2"} {
		e.roostOK("run", "-d", "--name", n, "--userns=auto", busybox, "sleep", "600")
		m := mapLines(e.roostOK("exec", n, "cat", "/proc/self/uid_map"))
		if len(m) != 1 || !strings.HasPrefix(m[0], "0 ") {
			t.Fatalf("auto %s: one range from container 0 expected, got %q", n, m)
		}
		maps[n] = m[0]
		if got := strings.TrimSpace(e.roostOK("exec", n, "stat", "-c", "%u", "/etc")); got != "0" {
			t.Fatalf("auto %s: /etc should be root's inside, got %s", n, got)
		}
	}
	var s1, s2, n1, n2 int
	fmt.Sscanf(maps["a1"], "0 %d %d", &s1, &n1)
	fmt.Sscanf(maps["a2"], "0 %d %d", &s2, &n2)
	if s1 == 0 || s2 == 0 || (s1 < s2+n2 && s2 < s1+n1) {
		t.Fatalf("auto containers should get distinct ranges without the user's id: %q and %q", maps["a1"], maps["a2"])
	}
	out = e.roostOK("run", "--rm", "--userns=auto:size=3000", busybox, "cat", "/proc/self/uid_map")
	if m := strings.Fields(out); len(m) != 3 || m[2] != "3000" {
		t.Fatalf("auto:size=3000: %q", out)
	}
	e.roostOK("rm", "-f", "-t0", "a1", "a2")
}

// hostOwner is path's owner as the host sees it.
func hostOwner(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", statUID(fi), fi.Sys().(*syscall.Stat_t).Gid)
}

// :U on a bind mount gives the source to the container's user, as the host
// sees it too; a later start chowns again only when the top has changed
// owner (Podman's 160-volumes "volume user test").
func TestUsernsBindMountChown(t *testing.T) {
	e := pulled(t)
	subU, _ := subIDRangeOf(t, "/etc/subuid", e.User)
	subG, _ := subIDRangeOf(t, "/etc/subgid", e.User)
	dir := filepath.Join(e.Home, "vol")
	mustDir(t, dir, e.UID, e.GID)
	e.writeFile("vol/test1", "x")
	// The user's 1000:2000 in the container are subordinate ids 1000 and
	// 2000: host ids start+999 and start+1999.
	want := fmt.Sprintf("%d:%d", subU+999, subG+1999)
	out := e.roostOK("run", "--name", "user", "--user", "1000:2000", "-v", dir+":/data:U", busybox, "stat", "-c", "%u:%g", "/data", "/data/test1")
	if out != "1000:2000\n1000:2000\n" {
		t.Fatalf(":U inside: %q", out)
	}
	if got := hostOwner(t, filepath.Join(dir, "test1")); got != want {
		t.Fatalf(":U on the host: want %s, got %s", want, got)
	}
	e.roostOK("unshare", "chown", "-R", "100:200", dir)
	if out := e.roostOK("start", "--attach", "user"); out != "1000:2000\n1000:2000\n" {
		t.Fatalf("a changed top is chowned again, all of it: %q", out)
	}
	e.roostOK("unshare", "chown", "100:200", dir+"/test1")
	if out := e.roostOK("start", "--attach", "user"); out != "1000:2000\n100:200\n" {
		t.Fatalf("an unchanged top is left alone with what is under it: %q", out)
	}
	// --mount's U=true does the same; keep-id maps the owner through.
	d2 := filepath.Join(e.Home, "vol2")
	mustDir(t, d2, e.UID, e.GID)
	e.roostOK("unshare", "chown", "5:5", d2)
	e.roostOK("run", "--rm", "--mount", "type=bind,src="+d2+",dst=/d,U=true", busybox, "true")
	if got := hostOwner(t, d2); got != fmt.Sprintf("%d:%d", e.UID, e.GID) {
		t.Fatalf("--mount U=true as root: want the user %d:%d on the host, got %s", e.UID, e.GID, got)
	}
	e.roostOK("unshare", "chown", "5:5", d2)
	if out := e.roostOK("run", "--rm", "--userns=keep-id", "-v", d2+":/d:U", busybox, "stat", "-c", "%u", "/d"); strings.TrimSpace(out) != fmt.Sprint(e.UID) {
		t.Fatalf("keep-id :U inside: %q", out)
	}
	if got := hostOwner(t, d2); got != fmt.Sprintf("%d:%d", e.UID, e.GID) {
		t.Fatalf("keep-id :U: want the user %d:%d on the host, got %s", e.UID, e.GID, got)
	}
	if msg := e.roostFails(125, "run", "--rm", "-v", "/usr:/a:U", busybox, "true"); !strings.Contains(msg, "system directory /usr") {
		t.Fatalf(":U on /usr: %q", msg)
	}
}

// containers.conf's userns = "auto" gives containers a namespace without
// the user in it; a pod's --uidmap is its members' mapping.
func TestUsernsAutoFromConfAndPodUIDMap(t *testing.T) {
	e := pulled(t)
	conf := e.writeFile("auto.conf", "[containers]\nuserns = \"auto\"\n")
	e.Extra = []string{"CONTAINERS_CONF=" + conf}
	out := e.roostOK("run", "--rm", busybox, "cat", "/proc/self/uid_map", "/proc/self/gid_map")
	for _, l := range mapLines(out) {
		if f := strings.Fields(l); len(f) != 3 || f[1] == "0" {
			t.Fatalf("userns=auto from containers.conf: the user (0) should not be mapped: %q", out)
		}
	}
	e.Extra = nil
	e.roostOK("pod", "create", "--name", "mp", "--uidmap", "0:1:4000")
	out = e.roostOK("run", "--rm", "--pod", "mp", busybox, "sh", "-c", "cat /proc/self/uid_map; stat -c %u /etc")
	if lines := mapLines(out); len(lines) != 2 || lines[0] != "0 1 4000" || lines[1] != "0" {
		t.Fatalf("pod --uidmap: want member map 0 1 4000 and root's /etc, got %q", out)
	}
	if msg := e.roostFails(125, "pod", "create", "--name", "bad", "--uidmap", "0:1"); strings.Contains(strings.TrimSpace(msg), "\n") {
		t.Fatalf("bad pod --uidmap: want one line, got %q", msg)
	}
}

// ns:PATH joins another container's user namespace: the same map inside,
// and inspect names the path.
func TestUsernsJoinPath(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "owner", "--userns=keep-id", busybox, "sleep", "600")
	pid := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Pid}}", "owner"))
	want := strings.Join(mapLines(e.roostOK("exec", "owner", "cat", "/proc/self/uid_map")), "|")
	path := "/proc/" + pid + "/ns/user"
	e.roostOK("create", "--name", "joiner", "--userns=ns:"+path, busybox, "cat", "/proc/self/uid_map")
	if got := strings.Join(mapLines(e.roostOK("start", "--attach", "joiner")), "|"); got != want {
		t.Fatalf("ns:%s: want the owner's map %q, got %q", path, want, got)
	}
	if got := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.HostConfig.UsernsMode}}", "joiner")); got != "ns:"+path {
		t.Fatalf("inspect UsernsMode: %q", got)
	}
	e.roostOK("rm", "-f", "-t0", "owner", "joiner")
}
