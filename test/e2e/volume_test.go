package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A file written through a named volume survives removing the container and
// is there for a new one; on the host it belongs to the user.
func TestVolumeSurvivesContainer(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			e.roostOK("--runtime", rt, "run", "--name", "writer", "-v", "keep:/data", busybox, "sh", "-c", "echo kept > /data/file")
			// inspect's Mounts names the volume.
			var mounts []struct {
				Type, Name, Source, Destination string
				RW                              bool
			}
			if err := json.Unmarshal([]byte(e.roostOK("inspect", "--format", "{{json .Mounts}}", "writer")), &mounts); err != nil {
				t.Fatal(err)
			}
			if len(mounts) != 1 || mounts[0].Type != "volume" || mounts[0].Name != "keep" || mounts[0].Destination != "/data" ||
				mounts[0].Source != e.volumeDir("keep") || !mounts[0].RW {
				t.Fatalf("inspect Mounts: %+v", mounts)
			}
			e.roostOK("rm", "-v", "writer") // -v removes anonymous volumes only
			if got := volumeNames(t, e); strings.Join(got, " ") != "keep" {
				t.Fatalf("after rm -v, volumes: %v", got)
			}
			if out := e.roostOK("--runtime", rt, "run", "--rm", "-v", "keep:/data", busybox, "cat", "/data/file"); out != "kept\n" {
				t.Fatalf("new container reads %q", out)
			}
			if uid := ownerOnHost(t, filepath.Join(e.volumeDir("keep"), "file")); uid != e.UID {
				t.Fatalf("file written by container root belongs to %d on the host, want the user %d", uid, e.UID)
			}
			mp := strings.TrimSpace(e.roostOK("volume", "inspect", "--format", "{{.Mountpoint}}", "keep"))
			if mp != e.volumeDir("keep") {
				t.Fatalf("Mountpoint %q, want %q", mp, e.volumeDir("keep"))
			}
			assertNoContainerLeftovers(t, e)
		})
	}
}

// A new volume is filled with the image's files at its path, owners and
// modes kept; a volume that has files is never filled again.
func TestVolumeCopyUp(t *testing.T) {
	e := pulled(t)
	out := e.roostOK("run", "--rm", "-v", "etc:/etc", busybox, "sh", "-c", "cat /etc/passwd | head -1; stat -c '%a %u' /etc/group")
	if !strings.HasPrefix(out, "root:x:0:0:") || !strings.Contains(out, "644 0") {
		t.Fatalf("the image's /etc should be in the new volume: %q", out)
	}
	if _, err := os.Stat(filepath.Join(e.volumeDir("etc"), "passwd")); err != nil {
		t.Fatalf("copy-up left no passwd in the volume on the host: %v", err)
	}
	// Once filled, the volume is the user's data: removing a file sticks.
	e.roostOK("run", "--rm", "-v", "etc:/etc", busybox, "rm", "/etc/group")
	if r := e.roost("run", "--rm", "-v", "etc:/etc", busybox, "test", "-e", "/etc/group"); r.Code != 1 {
		t.Fatalf("a second mount copied the image in again: %s", r)
	}
	// nocopy: an empty volume stays empty.
	if out := e.roostOK("run", "--rm", "-v", "bare:/etc:nocopy", busybox, "ls", "-A", "/etc"); strings.Contains(out, "passwd") {
		t.Fatalf("nocopy volume got the image's files: %q", out)
	}
}

// The image's VOLUME gets an anonymous volume (with the image's files);
// rm -v removes it and keeps named ones; run --rm removes its own.
func TestAnonymousVolumes(t *testing.T) {
	e := pulled(t)
	e.roostOK("pull", "-q", debianImage)
	e.roostOK("create", "--name", "anon", "-v", "named:/named", "-v", "/scratch", debianImage, "true")
	names := volumeNames(t, e)
	var anon []string
	for _, n := range names {
		if isAnonymousName(n) {
			anon = append(anon, n)
		}
	}
	if len(names) != 3 || len(anon) != 2 {
		t.Fatalf("want the named volume and two anonymous ones (/data, /scratch), got %v", names)
	}
	dests := e.roostOK("inspect", "--format", "{{range .Mounts}}{{.Destination}}={{.Type}} {{end}}", "anon")
	for _, want := range []string{"/data=volume", "/scratch=volume", "/named=volume"} {
		if !strings.Contains(dests, want) {
			t.Fatalf("inspect Mounts %q lacks %s", dests, want)
		}
	}
	anonFlag := e.roostOK("volume", "inspect", "--format", "{{.Anonymous}}", anon[0])
	if anonFlag != "true\n" {
		t.Fatalf("anonymous volume inspect: %q", anonFlag)
	}
	e.roostOK("rm", "-v", "anon")
	if got := volumeNames(t, e); strings.Join(got, " ") != "named" {
		t.Fatalf("rm -v should remove the anonymous volumes and keep the named one: %v", got)
	}
	// Without -v anonymous volumes stay (as in Podman)...
	e.roostOK("create", "--name", "anon2", debianImage, "true")
	e.roostOK("rm", "anon2")
	if got := volumeNames(t, e); len(got) != 2 {
		t.Fatalf("rm without -v removed volumes: %v", got)
	}
	e.roostOK("volume", "prune", "-f")
	// ...and run --rm removes them.
	if out := e.roostOK("run", "--rm", debianImage, "sh", "-c", "echo x > /data/y; cat /data/y"); out != "x\n" {
		t.Fatalf("anonymous /data not writable: %q", out)
	}
	if got := volumeNames(t, e); len(got) != 0 {
		t.Fatalf("run --rm left volumes: %v", got)
	}
}

// --volumes-from shares another container's volumes (read-only with :ro),
// and the backup recipe works.
func TestVolumesFromAndBackup(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "db", "-v", "dbdata:/data", busybox, "sh", "-c", "echo row > /data/table")
	if out := e.roostOK("run", "--rm", "--volumes-from", "db", busybox, "cat", "/data/table"); out != "row\n" {
		t.Fatalf("--volumes-from reads %q", out)
	}
	e.roostOK("run", "--rm", "--volumes-from", "db:rw", busybox, "sh", "-c", "echo more >> /data/table")
	r := e.roost("run", "--rm", "--volumes-from", "db:ro", busybox, "sh", "-c", "echo no > /data/other")
	if r.Code == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Fatalf(":ro should make the volume read-only: %s", r)
	}
	backup := filepath.Join(e.Home, "backup")
	mustDir(t, backup, e.UID, e.GID)
	e.roostOK("run", "--rm", "--volumes-from", "db", "-v", backup+":/backup", busybox, "tar", "cf", "/backup/b.tar", "/data")
	list, err := exec.Command("tar", "tf", filepath.Join(backup, "b.tar")).CombinedOutput()
	if err != nil || !strings.Contains(string(list), "data/table") {
		t.Fatalf("backup tar: %v %s", err, list)
	}
	if uid := ownerOnHost(t, filepath.Join(backup, "b.tar")); uid != e.UID {
		t.Fatalf("backup owned by %d, want %d", uid, e.UID)
	}
	if out := e.roostOK("volume", "export", "dbdata"); !strings.Contains(out, "row\nmore\n") {
		t.Fatalf("export lacks the data written through --volumes-from")
	}
	e.roostOK("rm", "db")
	assertNoContainerLeftovers(t, e)
}

// :U gives the volume to the container's user; a new volume where the image
// has no directory belongs to the container's user; keep-id writes as the user.
func TestVolumeOwnership(t *testing.T) {
	e := pulled(t)
	e.roostOK("pull", "-q", debianUserImage)
	// Files made as root first, then :U hands them all to app (1001).
	e.roostOK("run", "--rm", "-v", "owned:/srv/app", busybox, "sh", "-c", "mkdir /srv/app/sub; touch /srv/app/sub/f")
	out := e.roostOK("run", "--rm", "-v", "owned:/srv/app:U", debianUserImage, "sh", "-c", "id -u; stat -c %u:%g /srv/app /srv/app/sub/f; touch /srv/app/sub/mine")
	if out != "1001\n1001:1001\n1001:1001\n" {
		t.Fatalf(":U: %q", out)
	}
	// A new volume where the image has nothing: the container's user may write.
	if out := e.roostOK("run", "--rm", "-v", "fresh:/work", debianUserImage, "sh", "-c", "touch /work/x && stat -c %u /work/x"); out != "1001\n" {
		t.Fatalf("new volume for a non-root user: %q", out)
	}
	// keep-id: the user's own uid inside, the user's files outside.
	out = e.roostOK("run", "--rm", "--userns", "keep-id", "-v", "kid:/data", busybox, "sh", "-c", "id -u; echo k > /data/k")
	if strings.TrimSpace(out) != fmt.Sprint(e.UID) {
		t.Fatalf("keep-id uid: %q", out)
	}
	if uid := ownerOnHost(t, filepath.Join(e.volumeDir("kid"), "k")); uid != e.UID {
		t.Fatalf("keep-id file belongs to %d on the host, want %d", uid, e.UID)
	}
}

// export then import into a new volume gives the same files, owners kept.
func TestVolumeExportImport(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--rm", "-v", "src:/v", busybox, "sh", "-c", "echo one > /v/a; mkdir /v/d; echo two > /v/d/b; chown 33:33 /v/d/b; chmod 600 /v/d/b")
	tarPath := filepath.Join(e.Home, "src.tar")
	e.roostOK("volume", "export", "-o", "src.tar", "src") // relative to the working directory
	if _, err := os.Stat(tarPath); err != nil {
		t.Fatalf("export -o with a relative path: %v", err)
	}
	e.roostOK("volume", "create", "dst")
	e.roostOK("volume", "import", "dst", tarPath)
	want := "one\ntwo\n33 600\n"
	if out := e.roostOK("run", "--rm", "-v", "dst:/v", busybox, "sh", "-c", "cat /v/a /v/d/b; stat -c '%u %a' /v/d/b"); out != want {
		t.Fatalf("imported volume: %q, want %q", out, want)
	}
	// From standard input too.
	e.roostOK("volume", "create", "dst2")
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if r := e.runInput(f, filepath.Join(binDir, "roost"), "volume", "import", "dst2", "-"); r.Code != 0 {
		t.Fatalf("import -: %s", r)
	}
	if out := e.roostOK("run", "--rm", "-v", "dst2:/v", busybox, "cat", "/v/d/b"); out != "two\n" {
		t.Fatalf("import from stdin: %q", out)
	}
	garbage := e.writeFile("garbage.tar", "not a tar archive at all, but long enough to be read as one block of something")
	e.roostFails(125, "volume", "import", "dst2", garbage)
	e.roostFails(125, "volume", "import", "nosuchvolume", tarPath)
}

// rm refuses a volume in use (exit 2) and --force removes its containers
// first; rm of a missing volume exits 1; prune keeps volumes in use.
func TestVolumeRmAndPrune(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "busy")
	e.roostOK("volume", "create", "idle")
	e.roostOK("run", "-d", "--name", "user", "-v", "busy:/b", busybox, "sh", "-c", "echo precious > /b/p; sleep 1000")
	eventually(t, secs(10), func() error {
		if _, err := os.Stat(filepath.Join(e.volumeDir("busy"), "p")); err != nil {
			return err
		}
		return nil
	})
	id := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.Id}}", "user"))
	// Podman's exact words: scripts match them.
	if msg := e.roostFails(2, "volume", "rm", "busy"); msg != "Error: volume busy is being used by the following container(s): "+id+": volume is being used" {
		t.Fatalf("rm of a volume in use: %q", msg)
	}
	if msg := e.roostFails(1, "volume", "rm", "nosuch"); msg != `Error: no volume with name "nosuch" found: no such volume` {
		t.Fatalf("rm of a missing volume: %q", msg)
	}
	e.roostOK("volume", "rm", "--force", "nosuch")
	e.roostOK("stop", "-t", "0", "user") // a stopped container still uses it
	// Without --force, prune lists what it would remove, then asks.
	r := e.runInput(strings.NewReader("N\n"), filepath.Join(binDir, "roost"), "volume", "prune")
	if lines := strings.Split(r.Stdout, "\n"); r.Code != 0 || len(lines) < 3 || lines[1] != "idle" || !strings.HasPrefix(lines[2], "Are you sure") {
		t.Fatalf("prune answered N: %s", r)
	}
	if out := e.roostOK("volume", "prune", "-f"); out != "idle\n" {
		t.Fatalf("prune should remove only the unused volume: %q", out)
	}
	if b, err := os.ReadFile(filepath.Join(e.volumeDir("busy"), "p")); err != nil || string(b) != "precious\n" {
		t.Fatalf("prune touched a volume in use: %v %q", err, b)
	}
	e.roostOK("rm", "user") // rm of a container never takes a named volume
	if got := volumeNames(t, e); strings.Join(got, " ") != "busy" {
		t.Fatalf("after rm: %v", got)
	}
	e.roostOK("run", "-d", "--name", "user2", "-v", "busy:/b", busybox, "sleep", "1000")
	if out := e.roostOK("volume", "rm", "-f", "busy"); out != "busy\n" {
		t.Fatalf("rm -f: %q", out)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("rm -f should remove the containers using the volume: %q", out)
	}
	if _, err := os.Stat(filepath.Dir(e.volumeDir("busy"))); !os.IsNotExist(err) {
		t.Fatalf("volume directory left: %v", err)
	}
	assertNoContainerLeftovers(t, e)
}

// ls filters and formats as Podman's.
func TestVolumeLsFiltersAndFormat(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "--label", "app=web", "--label", "tier=front", "web1")
	e.roostOK("volume", "create", "--label", "app=db", "db1")
	e.roostOK("volume", "create", "other")
	e.roostOK("create", "--name", "c", "-v", "db1:/d", busybox, "true")
	for _, c := range []struct {
		filters []string
		want    string
	}{
		{[]string{"label=app"}, "db1 web1"},
		{[]string{"label=app=web"}, "web1"},
		{[]string{"name=^o"}, "other"},
		{[]string{"dangling=true"}, "other web1"},
		{[]string{"dangling=false"}, "db1"},
		{[]string{"label=app", "dangling=true"}, "web1"},
	} {
		args := []string{"volume", "ls", "--format", "{{.Name}}"}
		for _, f := range c.filters {
			args = append(args, "--filter", f)
		}
		if got := strings.Join(strings.Fields(e.roostOK(args...)), " "); got != c.want {
			t.Errorf("ls %v: %q, want %q", c.filters, got, c.want)
		}
	}
	if out := e.roostOK("volume", "ls"); !strings.HasPrefix(out, "DRIVER") || !strings.Contains(out, "VOLUME NAME") || !strings.Contains(out, "local   web1") {
		t.Fatalf("default ls: %q", out)
	}
	var list []struct {
		Name, Driver, Mountpoint, Scope string
		Labels                          map[string]string
	}
	if err := json.Unmarshal([]byte(e.roostOK("volume", "ls", "--format", "json")), &list); err != nil || len(list) != 3 {
		t.Fatalf("ls json: %v %v", err, list)
	}
	if list[2].Name != "web1" || list[2].Labels["tier"] != "front" || list[2].Driver != "local" || list[2].Scope != "local" {
		t.Fatalf("ls json entry: %+v", list[2])
	}
	e.roostOK("volume", "exists", "web1")
	if r := e.roost("volume", "exists", "web"); r.Code != 1 {
		t.Fatalf("exists of a prefix: %s", r)
	}
	e.roostFails(125, "volume", "ls", "--filter", "colour=red")
	if out := e.roostOK("volume", "prune", "-f", "--filter", "label=app"); out != "web1\n" {
		t.Fatalf("prune --filter: %q", out)
	}
}

// A tmpfs volume is a tmpfs of the size asked for, shared by the containers
// that mount it, and unmounted with the volume.
func TestTmpfsVolume(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=2m", "scratch")
	out := e.roostOK("run", "--rm", "-v", "scratch:/s", busybox, "sh", "-c", "df -k /s | tail -1; echo shared > /s/f")
	if f := strings.Fields(out); len(f) < 2 || f[1] != "2048" {
		t.Fatalf("tmpfs volume of 2m: df says %q", out)
	}
	if out := e.roostOK("run", "--rm", "-v", "scratch:/s", busybox, "cat", "/s/f"); out != "shared\n" {
		t.Fatalf("second container reads %q", out)
	}
	mounts := func() string {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mounts", e.holderPid()))
		return string(b)
	}
	if !strings.Contains(mounts(), "tmpfs "+e.volumeDir("scratch")+" tmpfs") {
		t.Fatalf("no tmpfs at the volume's directory in the namespace")
	}
	if _, err := os.Stat(filepath.Join(e.volumeDir("scratch"), "f")); err == nil {
		t.Fatalf("the tmpfs's file is on the host's disk: the mount must live in Roost's namespace only")
	}
	e.roostOK("volume", "rm", "scratch")
	if strings.Contains(mounts(), e.volumeDir("scratch")) {
		t.Fatalf("volume rm left the tmpfs mounted")
	}
}

// Bad input: one line, exit 125, nothing made.
func TestVolumeBadInput(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "dup")
	for _, args := range [][]string{
		{"volume", "create", "dup"},
		{"volume", "create", "--opt", "type=ext4", "--opt", "device=/dev/sda1", "x1"},
		{"volume", "create", "--opt", "colour=red", "x2"},
		{"volume", "create", "--opt", "o=size=1m", "x3"},
		{"volume", "create", "--opt", "type=tmpfs", "--opt", "o=size=lots", "x4"},
		{"volume", "create", "--opt", "type=bind", "x5"},
		{"volume", "create", "-d", "nfs", "x6"},
		{"volume", "create", "bad/name"},
		{"run", "--rm", "--volumes-from", "nosuch", busybox, "true"},
		{"run", "--rm", "-v", "new1:/a", "--volumes-from", "nosuch", busybox, "true"},
		{"run", "--rm", "-v", "new2:/a:bogus", busybox, "true"},
		{"run", "--rm", "-v", "/etc:/a:U", busybox, "true"},
		{"create", "--name", "twice", "-v", "new3:/a", "-v", "new4:/a", busybox, "true"},
	} {
		e.roostFails(125, args...)
	}
	// One bind given twice is one mount; two sources at one path are refused
	// in Podman's words.
	d1, d2 := filepath.Join(e.Home, "d1"), filepath.Join(e.Home, "d2")
	mustDir(t, d1, e.UID, e.GID)
	mustDir(t, d2, e.UID, e.GID)
	e.roostOK("run", "--rm", "-v", d1+":/v1", "-v", d1+":/v1", busybox, "true")
	if msg := e.roostFails(125, "run", "--rm", "-v", d1+":/v1", "-v", d2+":/v1", busybox, "true"); msg != "Error: /v1: duplicate mount destination" {
		t.Errorf("two sources at one path: %q", msg)
	}
	if got := volumeNames(t, e); strings.Join(got, " ") != "dup" {
		t.Fatalf("bad input left volumes: %v", got)
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("bad input left containers: %q", out)
	}
}

// Containers created at once that share a new volume all get the one volume.
func TestVolumeConcurrentFirstUse(t *testing.T) {
	e := pulled(t)
	var wg sync.WaitGroup
	results := make([]result, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = e.roost("run", "--rm", "-v", "together:/t", busybox, "sh", "-c", fmt.Sprintf("echo %d > /t/%d", i, i))
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 {
			t.Fatalf("run %d: %s", i, r)
		}
	}
	if got := volumeNames(t, e); strings.Join(got, " ") != "together" {
		t.Fatalf("volumes: %v", got)
	}
	ents, _ := os.ReadDir(e.volumeDir("together"))
	if len(ents) != 4 {
		t.Fatalf("want 4 files in the shared volume, got %d", len(ents))
	}
	assertNoContainerLeftovers(t, e)
}

// A bind volume (type=none,o=bind,device=DIR) shows the host directory's
// files, and removing the volume leaves that directory and its files alone.
func TestBindVolume(t *testing.T) {
	e := pulled(t)
	host := filepath.Join(e.Home, "hostdir")
	mustDir(t, host, e.UID, e.GID)
	e.writeFile("hostdir/present", "from the host\n")
	e.roostOK("volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device="+host, "hv")
	if out := e.roostOK("run", "--rm", "-v", "hv:/h", busybox, "sh", "-c", "cat /h/present; echo back > /h/written"); out != "from the host\n" {
		t.Fatalf("bind volume reads %q", out)
	}
	if b, err := os.ReadFile(filepath.Join(host, "written")); err != nil || string(b) != "back\n" {
		t.Fatalf("file written through the bind volume: %v %q", err, b)
	}
	e.roostOK("volume", "rm", "hv")
	if _, err := os.Stat(filepath.Join(host, "present")); err != nil {
		t.Fatalf("volume rm reached into the bound host directory: %v", err)
	}
}

// A bind volume's device must exist when the volume is created: Podman's
// line and exit code, and no volume left behind.
func TestBindVolumeMissingDevice(t *testing.T) {
	e := newEnv(t)
	out := e.roostFails(125, "volume", "create", "-o", "type=bind", "-o", "device=/bogus", "bv")
	if want := "Error: invalid volume option device for driver 'local': stat /bogus: no such file or directory"; out != want {
		t.Fatalf("volume create with a missing device says %q, want %q", out, want)
	}
	if got := volumeNames(t, e); len(got) != 0 {
		t.Fatalf("a refused volume was recorded: %v", got)
	}
}

// As in Podman, the copy-up waits for a container that brings files: a
// first use at a path the image lacks leaves NeedsCopyUp set (and clears
// NeedsChown); a later use at /etc fills the volume and clears it.
func TestVolumeCopyUpPending(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "cv")
	flags := func() string {
		return e.roostOK("volume", "inspect", "--format", "{{.NeedsCopyUp}} {{.NeedsChown}}", "cv")
	}
	if got := flags(); got != "true true\n" {
		t.Fatalf("new volume: NeedsCopyUp NeedsChown = %q", got)
	}
	e.roostOK("run", "--rm", "-v", "cv:/vol", busybox, "true")
	if got := flags(); got != "true false\n" {
		t.Fatalf("after a use at an empty path: %q, want true false", got)
	}
	e.roostOK("run", "--rm", "-v", "cv:/etc", busybox, "ls", "/etc/passwd")
	if got := flags(); got != "false false\n" {
		t.Fatalf("after a use at /etc: %q, want false false", got)
	}
	if _, err := os.Stat(filepath.Join(e.volumeDir("cv"), "passwd")); err != nil {
		t.Fatalf("copy-up left no passwd in the volume: %v", err)
	}
}
