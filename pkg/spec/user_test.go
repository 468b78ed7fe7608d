package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestUserResolution(t *testing.T) {
	cases := []struct {
		name      string
		image     string
		user      string
		groupAdd  []string
		uid, gid  uint32
		add       []uint32
		home      string
		passwd    string
		err       string
		workdir   string
		noPasswd  bool
		envHome   string
		wantHome  string
		wantEntry bool
	}{
		{name: "default root", uid: 0, gid: 0, home: "/root"},
		{name: "name", user: "alice", uid: 1000, gid: 1000, add: []uint32{10, 50}, home: "/home/alice"},
		{name: "uid in passwd", user: "1000", uid: 1000, gid: 1000, add: []uint32{10, 50}, home: "/home/alice"},
		{name: "explicit group name drops supplementary", user: "alice:staff", uid: 1000, gid: 50, home: "/home/alice"},
		{name: "explicit gid", user: "alice:29", uid: 1000, gid: 29, home: "/home/alice"},
		{name: "uid:gid", user: "1001:1001", uid: 1001, gid: 1001, home: "/home/bob"},
		{name: "image user", image: "bob", uid: 1001, gid: 1001, add: []uint32{10}, home: "/home/bob"},
		{name: "flag beats image user", image: "bob", user: "daemon", uid: 1, gid: 1, home: "/usr/sbin"},
		{name: "unknown uid: gid 0, named entry", user: "1234", uid: 1234, gid: 0, home: "/",
			passwd: "1234:*:1234:0:container user:/:/bin/sh\n"},
		{name: "unknown uid home is workdir", user: "1234:1234", workdir: "/srv", uid: 1234, gid: 1234, home: "/srv",
			passwd: "1234:*:1234:1234:container user:/srv:/bin/sh\n"},
		{name: "group-add", user: "alice", groupAdd: []string{"audio", "2000", "wheel"}, uid: 1000, gid: 1000, add: []uint32{10, 50, 29, 2000}, home: "/home/alice"},
		{name: "HOME from env wins", user: "alice", envHome: "/elsewhere", uid: 1000, gid: 1000, add: []uint32{10, 50}, home: "/home/alice", wantHome: "/elsewhere"},
		{name: "no passwd: root", noPasswd: true, uid: 0, gid: 0, home: "/"},
		{name: "no passwd: explicit 0", noPasswd: true, user: "0", uid: 0, gid: 0, home: "/", passwd: "0:*:0:0:container user:/:/bin/sh\n"},
		{name: "unknown name", user: "nobody", err: `user "nobody" not found in the image's /etc/passwd`},
		{name: "unknown name, no passwd", user: "alice", noPasswd: true, err: `user "alice" not found in the image's /etc/passwd`},
		{name: "unknown group", user: "alice:nogroup", err: `group "nogroup" not found in the image's /etc/group`},
		{name: "empty user", user: ":5", err: "no user before ':'"},
		{name: "empty group", user: "alice:", err: "no group after ':'"},
		{name: "unknown group-add", user: "alice", groupAdd: []string{"nosuch"}, err: `group "nosuch" given to --group-add not found`},
		{name: "keep-groups", groupAdd: []string{"keep-groups"}, err: "keep-groups is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base(t)
			if c.noPasswd {
				o.Rootfs = t.TempDir()
			}
			o.Image.User, o.Process.User, o.Process.GroupAdd = c.image, c.user, c.groupAdd
			o.Process.WorkDir = c.workdir
			if c.envHome != "" {
				o.Process.Env = []string{"HOME=" + c.envHome}
			}
			r, err := Generate(o)
			if c.err != "" {
				wantErr(t, err, c.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u := r.Spec.Process.User
			if u.UID != c.uid || u.GID != c.gid || !reflect.DeepEqual(u.AdditionalGids, c.add) {
				t.Errorf("user %d:%d %v, want %d:%d %v", u.UID, u.GID, u.AdditionalGids, c.uid, c.gid, c.add)
			}
			wantHome := c.home
			if c.wantHome != "" {
				wantHome = c.wantHome
			}
			if got := env(r.Spec)["HOME"]; got != wantHome {
				t.Errorf("HOME %q, want %q", got, wantHome)
			}
			if r.PasswdEntry != c.passwd || r.GroupEntry != "" {
				t.Errorf("entries %q %q, want %q", r.PasswdEntry, r.GroupEntry, c.passwd)
			}
		})
	}
}

// A symlinked /etc/passwd must be read inside the rootfs, never the host's.
func TestUserFilesStayInRootfs(t *testing.T) {
	hostFile := filepath.Join(t.TempDir(), "evil-passwd")
	writeFile(t, hostFile, "evil:x:0:0::/:/bin/sh\n")
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(hostFile, filepath.Join(root, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../../"+hostFile, filepath.Join(root, "etc/group")); err != nil {
		t.Fatal(err)
	}
	o := base(t)
	o.Rootfs = root
	o.Process.User = "evil"
	_, err := Generate(o)
	wantErr(t, err, `user "evil" not found`)
}

func TestKeepIDUser(t *testing.T) {
	t.Run("user absent from the image", func(t *testing.T) {
		o := base(t)
		o.Rootfs = testRootfs(t, "root:x:0:0:root:/root:/bin/sh\n", "root:x:0:\n")
		o.Namespaces.UserNS = KeepID
		o.IDs = IDs{HostUID: 1500, HostGID: 1600, SubUIDSize: 65536, SubGIDSize: 65536, UserName: "carol", HomeDir: "/home/carol"}
		r := gen(t, o)
		u := r.Spec.Process.User
		if u.UID != 1500 || u.GID != 1600 || len(u.AdditionalGids) != 0 {
			t.Errorf("user %+v", u)
		}
		if r.PasswdEntry != "carol:*:1500:1600:carol:/:/bin/sh\n" || r.GroupEntry != "carol:x:1600:carol\n" {
			t.Errorf("entries %q %q", r.PasswdEntry, r.GroupEntry)
		}
		if h := env(r.Spec)["HOME"]; h != "/" {
			t.Errorf("HOME %q", h)
		}
		caps := r.Spec.Process.Capabilities
		if len(caps.Effective) != 0 || len(caps.Permitted) != 0 || len(caps.Bounding) == 0 {
			t.Errorf("keep-id user must run without effective capabilities: %+v", caps)
		}

		// With the home directory mounted in, it is HOME.
		o.Mounts = []Mount{{Type: TypeBind, Source: t.TempDir(), Destination: "/home"}}
		r = gen(t, o)
		if h := env(r.Spec)["HOME"]; h != "/home/carol" || r.PasswdEntry != "carol:*:1500:1600:carol:/home/carol:/bin/sh\n" {
			t.Errorf("HOME %q entry %q", h, r.PasswdEntry)
		}
	})
	t.Run("user in the image", func(t *testing.T) {
		o := base(t)
		o.Namespaces.UserNS = KeepID
		r := gen(t, o)
		u := r.Spec.Process.User
		if u.UID != 1000 || u.GID != 1000 || r.PasswdEntry != "" || r.GroupEntry != "" || env(r.Spec)["HOME"] != "/home/alice" {
			t.Errorf("user %+v entries %q %q env %v", u, r.PasswdEntry, r.GroupEntry, r.Spec.Process.Env)
		}
		// Explicit image groups are not added: the group is given (uid:gid).
		if len(u.AdditionalGids) != 0 {
			t.Errorf("additional gids %v", u.AdditionalGids)
		}
	})
	t.Run("explicit root user", func(t *testing.T) {
		o := base(t)
		o.Namespaces.UserNS = KeepID
		o.Process.User = "root"
		r := gen(t, o)
		if r.Spec.Process.User.UID != 0 || len(r.Spec.Process.Capabilities.Effective) == 0 {
			t.Errorf("root under keep-id: %+v %+v", r.Spec.Process.User, r.Spec.Process.Capabilities)
		}
	})
}
