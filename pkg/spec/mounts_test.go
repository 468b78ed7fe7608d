package spec

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func findMount(s *specs.Spec, dst string) (specs.Mount, bool) {
	i := slices.IndexFunc(s.Mounts, func(m specs.Mount) bool { return m.Destination == dst })
	if i < 0 {
		return specs.Mount{}, false
	}
	return s.Mounts[i], true
}

func destinations(s *specs.Spec) []string {
	var out []string
	for _, m := range s.Mounts {
		out = append(out, m.Destination)
	}
	return out
}

// fakeSourceFlags makes every bind source report the given statfs flags.
func fakeSourceFlags(t *testing.T, flags int64) {
	t.Helper()
	old := sourceFlags
	sourceFlags = func(string) (int64, error) { return flags, nil }
	t.Cleanup(func() { sourceFlags = old })
}

func TestDefaultMounts(t *testing.T) {
	s := gen(t, base(t)).Spec
	want := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
	if !reflect.DeepEqual(s.Mounts, want) {
		t.Errorf("mounts:\n%+v\nwant\n%+v", s.Mounts, want)
	}
}

func TestMountVariants(t *testing.T) {
	hostHasAll := func(t *testing.T) {
		old := hostHas
		hostHas = func(string) bool { return true }
		t.Cleanup(func() { hostHas = old })
	}
	cases := []struct {
		name  string
		mod   func(*Options)
		check func(t *testing.T, s *specs.Spec)
	}{
		{"shm size", func(o *Options) { o.ShmSize = 1 << 20 }, func(t *testing.T, s *specs.Spec) {
			m, _ := findMount(s, "/dev/shm")
			if !slices.Contains(m.Options, "size=1048576") {
				t.Errorf("shm %v", m.Options)
			}
		}},
		{"no gid=5 when the tty group is not mapped", func(o *Options) { o.IDs.SubGIDSize = 4 }, func(t *testing.T, s *specs.Spec) {
			m, _ := findMount(s, "/dev/pts")
			if slices.Contains(m.Options, "gid=5") {
				t.Errorf("devpts %v", m.Options)
			}
		}},
		{"gid=5 from 5 subordinate gids", func(o *Options) { o.IDs.SubGIDSize = 5 }, func(t *testing.T, s *specs.Spec) {
			m, _ := findMount(s, "/dev/pts")
			if !slices.Contains(m.Options, "gid=5") {
				t.Errorf("devpts %v", m.Options)
			}
		}},
		{"keep-id without gid 5 mapped", func(o *Options) {
			o.Namespaces.UserNS = KeepID
			o.IDs = IDs{HostUID: 1000, HostGID: 1000, SubUIDSize: 65536, SubGIDSize: 3}
		}, func(t *testing.T, s *specs.Spec) {
			m, _ := findMount(s, "/dev/pts")
			if slices.Contains(m.Options, "gid=5") {
				t.Errorf("devpts %v", m.Options)
			}
		}},
		{"host network binds /sys", func(o *Options) { o.Namespaces.Network = "host" }, func(t *testing.T, s *specs.Spec) {
			sys, _ := findMount(s, "/sys")
			cg, _ := findMount(s, "/sys/fs/cgroup")
			if sys.Type != "bind" || sys.Source != "/sys" || !slices.Contains(sys.Options, "rbind") || !slices.Contains(sys.Options, "ro") {
				t.Errorf("/sys %+v", sys)
			}
			if cg.Type != "bind" || cg.Source != "/sys/fs/cgroup" || !slices.Contains(cg.Options, "ro") {
				t.Errorf("/sys/fs/cgroup %+v", cg)
			}
		}},
		{"keep-id with a joined network binds /sys", func(o *Options) {
			o.Namespaces = NamespaceOptions{Network: "path:/run/netns/x", UserNS: KeepID}
		}, func(t *testing.T, s *specs.Spec) {
			if m, _ := findMount(s, "/sys"); m.Type != "bind" {
				t.Errorf("/sys %+v", m)
			}
		}},
		{"joined network mounts sysfs", func(o *Options) { o.Namespaces.Network = "path:/run/netns/x" }, func(t *testing.T, s *specs.Spec) {
			if m, _ := findMount(s, "/sys"); m.Type != "sysfs" {
				t.Errorf("/sys %+v", m)
			}
		}},
		{"privileged sysfs rw", func(o *Options) { o.Security.Privileged = true }, func(t *testing.T, s *specs.Spec) {
			sys, _ := findMount(s, "/sys")
			cg, _ := findMount(s, "/sys/fs/cgroup")
			if !slices.Contains(sys.Options, "rw") || !slices.Contains(cg.Options, "rw") {
				t.Errorf("/sys %v cgroup %v", sys.Options, cg.Options)
			}
		}},
		{"host pid binds /proc", func(o *Options) { o.Namespaces.PID = "host" }, func(t *testing.T, s *specs.Spec) {
			if m, _ := findMount(s, "/proc"); m.Type != "bind" || m.Source != "/proc" || !slices.Contains(m.Options, "rbind") {
				t.Errorf("/proc %+v", m)
			}
		}},
		{"host ipc binds shm and mqueue", func(o *Options) { o.Namespaces.IPC = "host" }, func(t *testing.T, s *specs.Spec) {
			for _, d := range []string{"/dev/shm", "/dev/mqueue"} {
				if m, ok := findMount(s, d); !ok || m.Type != "bind" || m.Source != d {
					t.Errorf("%s %+v", d, m)
				}
			}
		}},
		{"read-only rootfs", func(o *Options) { o.Security.ReadOnlyRootfs = true }, func(t *testing.T, s *specs.Spec) {
			if !s.Root.Readonly {
				t.Errorf("root not read-only")
			}
			for _, d := range []string{"/run", "/tmp", "/var/tmp"} {
				m, ok := findMount(s, d)
				if !ok || m.Type != "tmpfs" || !slices.Contains(m.Options, "rw") || !slices.Contains(m.Options, "tmpcopyup") {
					t.Errorf("%s %+v", d, m)
				}
			}
		}},
		{"read-only rootfs without tmpfs", func(o *Options) { o.Security.ReadOnlyRootfs, o.Security.NoReadOnlyTmpfs = true, true }, func(t *testing.T, s *specs.Spec) {
			for _, d := range []string{"/run", "/tmp", "/var/tmp"} {
				if _, ok := findMount(s, d); ok {
					t.Errorf("%s mounted", d)
				}
			}
		}},
		{"user tmpfs replaces the read-only /tmp", func(o *Options) {
			o.Security.ReadOnlyRootfs = true
			o.Mounts = []Mount{{Type: TypeTmpfs, Destination: "/tmp/", Options: []string{"size=10m", "exec"}}}
		}, func(t *testing.T, s *specs.Spec) {
			n := 0
			for _, m := range s.Mounts {
				if m.Destination == "/tmp" {
					n++
					want := []string{"size=10m", "exec", "rw", "nosuid", "nodev", "rprivate", "tmpcopyup"}
					if !reflect.DeepEqual(m.Options, want) {
						t.Errorf("/tmp options %v, want %v", m.Options, want)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d mounts on /tmp", n)
			}
		}},
		{"user mount replaces a default", func(o *Options) {
			o.Mounts = []Mount{{Type: TypeTmpfs, Destination: "/dev/shm", Options: []string{"size=1g"}}}
		}, func(t *testing.T, s *specs.Spec) {
			m, _ := findMount(s, "/dev/shm")
			if m.Source != "tmpfs" || !slices.Contains(m.Options, "size=1g") || strings.Count(strings.Join(destinations(s), " "), "/dev/shm") != 1 {
				t.Errorf("/dev/shm %+v in %v", m, destinations(s))
			}
		}},
		{"host files", func(o *Options) {
			o.HostFiles = HostFiles{Hosts: "/run/x/hosts", ResolvConf: "/run/x/resolv.conf"}
		}, func(t *testing.T, s *specs.Spec) {
			for dst, src := range map[string]string{"/etc/hosts": "/run/x/hosts", "/etc/resolv.conf": "/run/x/resolv.conf"} {
				if m, ok := findMount(s, dst); !ok || m.Source != src || m.Type != "bind" {
					t.Errorf("%s %+v", dst, m)
				}
			}
			if _, ok := findMount(s, "/etc/hostname"); ok {
				t.Errorf("/etc/hostname mounted without a file")
			}
		}},
		{"user bind replaces a host file", func(o *Options) {
			o.HostFiles = HostFiles{Hosts: "/run/x/hosts"}
			o.Mounts = []Mount{{Type: TypeBind, Source: "/etc/hosts", Destination: "/etc/hosts", Options: []string{"ro"}}}
		}, func(t *testing.T, s *specs.Spec) {
			if m, _ := findMount(s, "/etc/hosts"); m.Source != "/etc/hosts" {
				t.Errorf("/etc/hosts %+v", m)
			}
		}},
		{"nested mounts come after their parents", func(o *Options) {
			o.Security.ReadOnlyRootfs = true
			o.Mounts = []Mount{
				{Type: TypeBind, Source: "/", Destination: "/run/a/b"},
				{Type: TypeTmpfs, Destination: "/run/a"},
				{Type: TypeBind, Source: "/", Destination: "/data"},
			}
		}, func(t *testing.T, s *specs.Spec) {
			d := destinations(s)
			at := func(p string) int { return slices.Index(d, p) }
			if !(at("/run") < at("/run/a") && at("/run/a") < at("/run/a/b") && at("/dev") < at("/dev/pts") && at("/sys") < at("/sys/fs/cgroup")) {
				t.Errorf("order %v", d)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hostHasAll(t)
			fakeSourceFlags(t, 0)
			o := base(t)
			c.mod(&o)
			c.check(t, gen(t, o).Spec)
		})
	}
}

func TestBindMountOptions(t *testing.T) {
	cases := []struct {
		opts  []string
		flags int64
		want  []string
	}{
		{nil, 0, []string{"rbind", "rprivate", "rw"}},
		{[]string{"ro", "z"}, 0, []string{"ro", "rbind", "rprivate"}},
		{[]string{"Z", "bind", "rshared"}, 0, []string{"bind", "rshared", "rw"}},
		{nil, unix.ST_NOSUID | unix.ST_NODEV, []string{"rbind", "rprivate", "rw", "nosuid", "nodev"}},
		{[]string{"suid", "noexec"}, unix.ST_NOSUID | unix.ST_NOEXEC | unix.ST_NODEV, []string{"suid", "noexec", "rbind", "rprivate", "rw", "nodev"}},
	}
	for _, c := range cases {
		fakeSourceFlags(t, c.flags)
		o := base(t)
		o.Mounts = []Mount{{Type: TypeBind, Source: "/srv/data", Destination: "/data", Options: c.opts}}
		m, _ := findMount(gen(t, o).Spec, "/data")
		if m.Source != "/srv/data" || m.Type != "bind" || !reflect.DeepEqual(m.Options, c.want) {
			t.Errorf("options %v flags %x: %+v, want %v", c.opts, c.flags, m, c.want)
		}
	}
}

func TestMountErrors(t *testing.T) {
	cases := []struct {
		name   string
		mounts []Mount
		want   string
	}{
		{"duplicate", []Mount{{Type: TypeTmpfs, Destination: "/x"}, {Type: TypeBind, Source: "/", Destination: "/x/"}}, "/x: duplicate mount destination"},
		{"missing source", []Mount{{Type: TypeBind, Source: "/nonexistent/roost-src", Destination: "/x"}}, "bind mount source /nonexistent/roost-src"},
		{"relative source", []Mount{{Type: TypeBind, Source: "data", Destination: "/x"}}, "must be an absolute path"},
		{"relative destination", []Mount{{Type: TypeTmpfs, Destination: "x"}}, "must be absolute"},
		{"root", []Mount{{Type: TypeTmpfs, Destination: "/"}}, "cannot mount over the container's root"},
		{"volume", []Mount{{Type: TypeVolume, Source: "data", Destination: "/x"}}, "resolve volumes"},
		{"bad type", []Mount{{Type: "nfs", Destination: "/x"}}, `unsupported type "nfs"`},
		{"bad bind option", []Mount{{Type: TypeBind, Source: "/", Destination: "/x", Options: []string{"ro", "rw"}}}, `options "ro" and "rw" conflict`},
		{"bad tmpfs option", []Mount{{Type: TypeTmpfs, Destination: "/x", Options: []string{"size=lots"}}}, `invalid size "lots"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base(t)
			o.Mounts = c.mounts
			_, err := Generate(o)
			wantErr(t, err, c.want)
		})
	}
}

func TestParseVolume(t *testing.T) {
	cases := []struct {
		in    string
		want  Mount
		named bool
		err   string
	}{
		{"/srv/data:/data", Mount{Type: "bind", Source: "/srv/data", Destination: "/data"}, false, ""},
		{"/srv/data/:/data/:ro,Z", Mount{Type: "bind", Source: "/srv/data", Destination: "/data", Options: []string{"ro", "Z"}}, false, ""},
		{"/a:/b:rshared,nosuid,noexec,nodev,rbind", Mount{Type: "bind", Source: "/a", Destination: "/b", Options: []string{"rshared", "nosuid", "noexec", "nodev", "rbind"}}, false, ""},
		{"cache:/var/cache", Mount{Type: "volume", Source: "cache", Destination: "/var/cache"}, true, ""},
		{"my_vol.1:/v:ro,nocopy", Mount{Type: "volume", Source: "my_vol.1", Destination: "/v", Options: []string{"ro", "nocopy"}}, true, ""},
		{"data:/v:U,noexec", Mount{Type: "volume", Source: "data", Destination: "/v", Options: []string{"U", "noexec"}}, true, ""},
		{"/anon", Mount{Type: "volume", Destination: "/anon"}, true, ""},
		{"/a:/b:c:d", Mount{}, false, `invalid volume "/a:/b:c:d": too many ':'`},
		{"/a:b", Mount{}, false, `the container path "b" must be absolute`},
		{"/a:/", Mount{}, false, "cannot mount over the container's root"},
		{"./a:/b", Mount{}, false, `the host path "./a" must be absolute`},
		{"~/a:/b", Mount{}, false, `the host path "~/a" must be absolute`},
		{":/b", Mount{}, false, "no host path or volume name"},
		{"/a:", Mount{}, false, "no container path"},
		{"bad name!:/b", Mount{}, false, "neither an absolute host path nor a volume name"},
		{"/a:/b:ro,rw", Mount{}, false, `options "ro" and "rw" conflict`},
		{"/a:/b:shared,private", Mount{}, false, `options "shared" and "private" conflict`},
		{"/a:/b:bogus", Mount{}, false, `unknown option "bogus"`},
		{"/a:/b:nocopy", Mount{}, false, `unknown option "nocopy"`},
		{"/a:/b:U", Mount{Type: "bind", Source: "/a", Destination: "/b", Options: []string{"U"}}, false, ""},
		{"/etc:/b:U", Mount{}, false, "option U would chown the system directory /etc"},
	}
	for _, c := range cases {
		got, err := ParseVolume(c.in)
		switch {
		case c.err != "":
			wantErr(t, err, c.err)
			if !strings.HasPrefix(err.Error(), "invalid volume ") {
				t.Errorf("%q: error %q should start with 'invalid volume'", c.in, err)
			}
		case c.named:
			if !errors.Is(err, ErrNamedVolume) {
				t.Errorf("%q: error %v, want ErrNamedVolume", c.in, err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		}
		if c.err == "" && !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseVolume(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestParseMount(t *testing.T) {
	cases := []struct {
		in    string
		want  Mount
		named bool
		err   string
	}{
		{"type=bind,src=/srv,dst=/data,ro", Mount{Type: "bind", Source: "/srv", Destination: "/data", Options: []string{"ro"}}, false, ""},
		{"type=bind,source=/srv/,target=/data,readonly=true,bind-propagation=rslave,relabel=private", Mount{Type: "bind", Source: "/srv", Destination: "/data", Options: []string{"ro", "rslave"}}, false, ""},
		{"type=bind,src=/srv,destination=/d,readonly=false,bind-nonrecursive", Mount{Type: "bind", Source: "/srv", Destination: "/d", Options: []string{"bind"}}, false, ""},
		{"type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777", Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/t", Options: []string{"size=64m", "mode=1777"}}, false, ""},
		{"type=tmpfs,target=/t,size=10%,mode=700,noexec,notmpcopyup", Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/t", Options: []string{"size=10%", "mode=700", "noexec", "notmpcopyup"}}, false, ""},
		{"type=volume,src=data,dst=/v,volume-nocopy", Mount{Type: "volume", Source: "data", Destination: "/v", Options: []string{"nocopy"}}, true, ""},
		{"type=bind,dst=/d", Mount{}, false, "needs an absolute src="},
		{"type=bind,src=rel,dst=/d", Mount{}, false, "needs an absolute src="},
		{"type=tmpfs,src=/x,dst=/d", Mount{}, false, "takes no src="},
		{"type=nfs,dst=/d", Mount{}, false, `unsupported type "nfs"`},
		{"src=/a,dst=/d", Mount{}, false, "no type="},
		{"type=bind,src=/a", Mount{}, false, "no dst="},
		{"type=bind,src=/a,dst=rel", Mount{}, false, `the container path "rel" must be absolute`},
		{"type=bind,src=/a,dst=/d,color=red", Mount{}, false, `unknown option "color"`},
		{"type=bind,src=/a,dst=/d,ro=maybe", Mount{}, false, "use true or false"},
		{"type=tmpfs,dst=/d,tmpfs-mode=999", Mount{}, false, `invalid mode "999"`},
		{"type=tmpfs,dst=/d,size=1mb", Mount{}, false, `invalid size "1mb"`},
	}
	for _, c := range cases {
		got, err := ParseMount(c.in)
		switch {
		case c.err != "":
			wantErr(t, err, c.err)
			if !strings.HasPrefix(err.Error(), "invalid mount ") {
				t.Errorf("%q: error %q should start with 'invalid mount'", c.in, err)
			}
			continue
		case c.named:
			if !errors.Is(err, ErrNamedVolume) {
				t.Errorf("%q: error %v, want ErrNamedVolume", c.in, err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseMount(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestParseTmpfs(t *testing.T) {
	cases := []struct {
		in   string
		want Mount
		err  string
	}{
		{"/x", Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/x"}, ""},
		{"/x/:size=10m,mode=1777", Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/x", Options: []string{"size=10m", "mode=1777"}}, ""},
		{"/x:rw,exec,uid=1000,gid=1000,nr_inodes=1k,noatime", Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/x",
			Options: []string{"rw", "exec", "uid=1000", "gid=1000", "nr_inodes=1k", "noatime"}}, ""},
		{"x", Mount{}, `invalid tmpfs "x": the container path "x" must be absolute`},
		{"/", Mount{}, "cannot mount over the container's root"},
		{"/x:size=big", Mount{}, `invalid size "big"`},
		{"/x:mode=rwx", Mount{}, `invalid mode "rwx"`},
		{"/x:uid=-1", Mount{}, `invalid uid "-1"`},
		{"/x:exec,noexec", Mount{}, `options "exec" and "noexec" conflict`},
		{"/x:tmpcopyup,notmpcopyup", Mount{}, "conflict"},
		{"/x:bind", Mount{}, `unknown option "bind"`},
	}
	for _, c := range cases {
		got, err := ParseTmpfs(c.in)
		if c.err != "" {
			wantErr(t, err, c.err)
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseTmpfs(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseMountDevpts(t *testing.T) {
	m, err := ParseMount("type=devpts,destination=/dev/pts2,mode=0600,max=10")
	if err != nil {
		t.Fatal(err)
	}
	sm, err := devptsSpec(m)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0600", "max=10"}
	if sm.Type != "devpts" || sm.Source != "devpts" || sm.Destination != "/dev/pts2" || !slices.Equal(sm.Options, want) {
		t.Fatalf("devpts mount: %+v, want options %q", sm, want)
	}
	for spec, why := range map[string]string{
		"type=devpts,src=/x,dst=/dev/pts2":     "takes no src",
		"type=devpts,dst=/dev/pts2,mode=rwx":   `invalid mode "rwx"`,
		"type=devpts,dst=/dev/pts2,uid=alice":  `invalid uid "alice"`,
		"type=devpts,dst=/dev/pts2,size=1m":    `unknown option "size=1m"`,
		"type=devpts,dst=/dev/pts2,ptmxmode=9": `invalid ptmxmode "9"`,
	} {
		if _, err := ParseMount(spec); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseMount(%q): %v, want %q", spec, err, why)
		}
	}
}

func TestParseMountImage(t *testing.T) {
	m, err := ParseMount("type=image,source=busybox,destination=/m,readwrite=true")
	if err != nil || m.Type != TypeImage || m.Source != "busybox" || m.Destination != "/m" || !slices.Equal(m.Options, []string{"rw"}) {
		t.Fatalf("image mount: %+v %v", m, err)
	}
	if m, err := ParseMount("type=image,src=busybox,dst=/m,rw=false"); err != nil || len(m.Options) != 0 {
		t.Fatalf("rw=false: %+v %v", m, err)
	}
	for spec, why := range map[string]string{
		"type=image,dst=/m":                          "needs src=",
		"type=image,src=busybox,dst=/m,tmpfs-size=1": "takes only rw= or ro=",
	} {
		if _, err := ParseMount(spec); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseMount(%q): %v, want %q", spec, err, why)
		}
	}
}
