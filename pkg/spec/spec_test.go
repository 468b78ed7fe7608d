package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// testRootfs makes a rootfs holding only the given /etc/passwd and
// /etc/group (none when empty).
func testRootfs(t *testing.T, passwd, group string) string {
	t.Helper()
	root := t.TempDir()
	if passwd != "" {
		writeFile(t, filepath.Join(root, "etc/passwd"), passwd)
	}
	if group != "" {
		writeFile(t, filepath.Join(root, "etc/group"), group)
	}
	return root
}

const (
	testPasswd = "root:x:0:0:root:/root:/bin/sh\n" +
		"daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n" +
		"alice:x:1000:1000:Alice:/home/alice:/bin/sh\n" +
		"bob:x:1001:1001::/home/bob:/bin/sh\n"
	testGroup = "root:x:0:\ntty:x:5:\nwheel:x:10:alice,bob\naudio:x:29:\n" +
		"staff:x:50:alice\nalice:x:1000:\nbob:x:1001:\n"
)

// base is a minimal valid Options on a rootfs with the test passwd.
func base(t *testing.T) Options {
	t.Helper()
	return Options{
		Rootfs: testRootfs(t, testPasswd, testGroup),
		Image:  ImageConfig{Cmd: []string{"/bin/sh"}},
		IDs:    IDs{HostUID: 1000, HostGID: 1000, SubUIDSize: 65536, SubGIDSize: 65536},
	}
}

func gen(t *testing.T, o Options) *Result {
	t.Helper()
	r, err := Generate(o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return r
}

func wantErr(t *testing.T, err error, sub string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", sub)
	}
	if !strings.Contains(err.Error(), sub) {
		t.Fatalf("error %q does not contain %q", err, sub)
	}
}

// fakeBounding makes the process's bounding set the given capabilities for
// one test.
func fakeBounding(t *testing.T, caps []string) {
	t.Helper()
	old := processBoundingSet
	processBoundingSet = func() ([]string, error) { return slices.Clone(caps), nil }
	t.Cleanup(func() { processBoundingSet = old })
}

func allKnownCaps() []string {
	var out []string
	for c := range knownCaps {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func env(s *specs.Spec) map[string]string {
	out := map[string]string{}
	for _, kv := range s.Process.Env {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

func TestGenerateBasics(t *testing.T) {
	o := base(t)
	o.Hostname = "abc123"
	o.Annotations = map[string]string{"io.roost.test": "yes"}
	r := gen(t, o)
	s := r.Spec
	if s.Version != OCIVersion || s.Root.Path != o.Rootfs || s.Root.Readonly {
		t.Errorf("version/root: %q %+v", s.Version, s.Root)
	}
	if s.Hostname != "abc123" || s.Annotations["io.roost.test"] != "yes" {
		t.Errorf("hostname %q annotations %v", s.Hostname, s.Annotations)
	}
	if s.Process.Cwd != "/" || s.Process.Terminal || s.Process.NoNewPrivileges || s.Process.OOMScoreAdj != nil {
		t.Errorf("process: %+v", s.Process)
	}
	if s.Process.User.Umask == nil || *s.Process.User.Umask != 0o022 {
		t.Errorf("umask: %v", s.Process.User.Umask)
	}
	if s.Linux.Resources != nil || s.Linux.CgroupsPath != "" {
		t.Errorf("without cgroups, resources %v and cgroupsPath %q must be empty", s.Linux.Resources, s.Linux.CgroupsPath)
	}
	if len(s.Linux.Devices) != 0 {
		t.Errorf("devices are the runtime's to supply: %v", s.Linux.Devices)
	}
	if r.StopSignal != syscall.SIGTERM || r.PasswdEntry != "" || r.GroupEntry != "" {
		t.Errorf("result: %+v", r)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"no rootfs", func(o *Options) { o.Rootfs = "" }, "no root filesystem"},
		{"relative workdir", func(o *Options) { o.Process.WorkDir = "app" }, `invalid --workdir "app"`},
		{"hostname with host uts", func(o *Options) { o.Hostname = "x"; o.Namespaces.UTS = "host" }, "cannot set the hostname"},
		{"bad network", func(o *Options) { o.Namespaces.Network = "bridge" }, `invalid --network "bridge"`},
		{"relative ns path", func(o *Options) { o.Namespaces.PID = "path:proc/1/ns/pid" }, "must be absolute"},
		{"bad userns", func(o *Options) { o.Namespaces.UserNS = "bogus" }, `invalid --userns "bogus"`},
		{"auto without mappings", func(o *Options) { o.Namespaces.UserNS = "auto" }, "no recorded id mappings"},
		{"uidmap beyond the namespace", func(o *Options) { o.Namespaces.UIDMap = []string{"0:1:70000"} }, "the user's namespace has uids 0 to"},
		{"bad stop signal", func(o *Options) { o.StopSignal = "SIGNOPE" }, `--stop-signal: invalid signal "SIGNOPE"`},
		{"stop signal out of range", func(o *Options) { o.StopSignal = "99" }, "valid signals are 1 through 64"},
		{"bad image stop signal", func(o *Options) { o.Image.StopSignal = "99" }, "the image's StopSignal"},
		{"negative shm", func(o *Options) { o.ShmSize = -1 }, "--shm-size"},
		{"bad env", func(o *Options) { o.Process.Env = []string{"=x"} }, `invalid environment variable "=x"`},
		{"bad ulimit", func(o *Options) { o.Process.Ulimits = []string{"nofile=abc"} }, `invalid ulimit "nofile=abc"`},
		{"bad cap", func(o *Options) { o.Security.CapAdd = []string{"NOPE"} }, `invalid --cap-add "NOPE"`},
		{"relative mask", func(o *Options) { o.Security.MaskPaths = []string{"proc/x"} }, "must be absolute"},
		{"init path missing", func(o *Options) { o.Process.Init = true; o.Process.InitPath = "/nonexistent/catatonit" }, "/nonexistent/catatonit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base(t)
			c.mod(&o)
			_, err := Generate(o)
			wantErr(t, err, c.want)
		})
	}
}

func TestCommand(t *testing.T) {
	sl := func(s ...string) *[]string { return &s }
	cases := []struct {
		name       string
		ep, cmd    []string
		args       []string
		entrypoint *[]string
		init       bool
		want       []string
	}{
		{"image cmd", nil, []string{"sh"}, nil, nil, false, []string{"sh"}},
		{"image entrypoint and cmd", []string{"/ep"}, []string{"a", "b"}, nil, nil, false, []string{"/ep", "a", "b"}},
		{"args replace cmd", []string{"/ep"}, []string{"a"}, []string{"x"}, nil, false, []string{"/ep", "x"}},
		{"entrypoint drops image cmd", []string{"/ep"}, []string{"a"}, nil, sl("/new"), false, []string{"/new"}},
		{"entrypoint with args", []string{"/ep"}, []string{"a"}, []string{"x"}, sl("/new", "-v"), false, []string{"/new", "-v", "x"}},
		{"empty entrypoint clears it", []string{"/ep"}, []string{"a"}, []string{"ls"}, sl(), false, []string{"ls"}},
		{"entrypoint \"\" clears it", []string{"/ep"}, nil, []string{"ls"}, sl(""), false, []string{"ls"}},
		{"image entrypoint [\"\"]", []string{""}, []string{"sh"}, nil, nil, false, []string{"sh"}},
		{"init wraps", nil, []string{"sh", "-c", "x"}, nil, nil, true, []string{InitMountPath, "--", "sh", "-c", "x"}},
	}
	initPath := filepath.Join(t.TempDir(), "catatonit")
	writeFile(t, initPath, "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base(t)
			o.Image.Entrypoint, o.Image.Cmd = c.ep, c.cmd
			o.Process.Args, o.Process.Entrypoint = c.args, c.entrypoint
			o.Process.Init, o.Process.InitPath = c.init, initPath
			s := gen(t, o).Spec
			if !reflect.DeepEqual(s.Process.Args, c.want) {
				t.Errorf("args %q, want %q", s.Process.Args, c.want)
			}
			hasInit := slices.ContainsFunc(s.Mounts, func(m specs.Mount) bool {
				return m.Destination == InitMountPath && m.Source == initPath && slices.Contains(m.Options, "ro")
			})
			if hasInit != c.init {
				t.Errorf("init mounted: %v, want %v", hasInit, c.init)
			}
		})
	}

	t.Run("nothing to run", func(t *testing.T) {
		for _, ep := range []*[]string{nil, sl(), sl("")} {
			o := base(t)
			o.Image = ImageConfig{Entrypoint: []string{"/ep"}}
			o.Process.Entrypoint = ep
			if ep == nil {
				o.Image = ImageConfig{}
			}
			_, err := Generate(o)
			wantErr(t, err, "no command specified: the image has no CMD or ENTRYPOINT; give one after the image name")
		}
	})
}

func TestWorkDir(t *testing.T) {
	cases := []struct{ image, flag, want string }{
		{"", "", "/"},
		{"/srv", "", "/srv"},
		{"app", "", "/app"},
		{"/srv", "/work/../data", "/data"},
	}
	for _, c := range cases {
		o := base(t)
		o.Image.WorkingDir, o.Process.WorkDir = c.image, c.flag
		if got := gen(t, o).Spec.Process.Cwd; got != c.want {
			t.Errorf("image %q flag %q: cwd %q, want %q", c.image, c.flag, got, c.want)
		}
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("ROOST_SPEC_TEST_HOST", "fromhost")
	t.Run("defaults", func(t *testing.T) {
		o := base(t)
		o.Hostname = "h1"
		e := env(gen(t, o).Spec)
		want := map[string]string{"PATH": strings.TrimPrefix(DefaultPath, "PATH="), "HOME": "/root", "HOSTNAME": "h1", "container": "podman"}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("env %v, want %v", e, want)
		}
	})
	t.Run("image and user, later wins", func(t *testing.T) {
		o := base(t)
		o.Image.Env = []string{"PATH=/img", "A=1", "B=2"}
		o.Process.Env = []string{"B=3", "A=4", "A=5", "ROOST_SPEC_TEST_HOST", "ROOST_SPEC_TEST_UNSET", "HOME=/h", "E="}
		o.Process.Terminal = true
		s := gen(t, o).Spec
		e := env(s)
		// A bare KEY is the caller's to resolve (ResolveHostEnv): the
		// spec reads no environment, so an unresolved one gives nothing.
		want := map[string]string{"PATH": "/img", "A": "5", "B": "3",
			"HOME": "/h", "E": "", "TERM": "xterm", "container": "podman"}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("env %v, want %v", e, want)
		}
		if s.Process.Env[0] != "PATH=/img" || !s.Process.Terminal {
			t.Errorf("PATH first and terminal: %v %v", s.Process.Env, s.Process.Terminal)
		}
	})
	t.Run("env-host", func(t *testing.T) {
		o := base(t)
		o.Image.Env = []string{"ROOST_SPEC_TEST_HOST=image"}
		o.Process.EnvHost = true
		if got := env(gen(t, o).Spec)["ROOST_SPEC_TEST_HOST"]; got != "image" {
			t.Errorf("the spec read the environment itself: %q", got)
		}
		var err error
		if o.Process.Env, err = ResolveHostEnv(nil, true, os.Environ()); err != nil {
			t.Fatal(err)
		}
		if got := env(gen(t, o).Spec)["ROOST_SPEC_TEST_HOST"]; got != "fromhost" {
			t.Errorf("host env over image: %q", got)
		}
		o.Process.Env = append(o.Process.Env, "ROOST_SPEC_TEST_HOST=flag")
		if got := env(gen(t, o).Spec)["ROOST_SPEC_TEST_HOST"]; got != "flag" {
			t.Errorf("--env over host env: %q", got)
		}
	})
}

func TestResolveHostEnv(t *testing.T) {
	host := []string{"A=1", "B=2", "EMPTY="}
	got, err := ResolveHostEnv([]string{"A", "C", "EMPTY", "D=4", "B=x"}, false, host)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A=1", "EMPTY=", "D=4", "B=x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got, _ = ResolveHostEnv([]string{"B=x"}, true, host)
	if want := []string{"A=1", "B=2", "EMPTY=", "B=x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("env-host: got %q, want %q", got, want)
	}
	if _, err := ResolveHostEnv([]string{"=v"}, false, nil); err == nil {
		t.Error("an entry without a name should fail")
	}
}

func TestUlimits(t *testing.T) {
	cases := []struct {
		in   string
		want specs.POSIXRlimit
		err  string
	}{
		{"nofile=1024:2048", specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 2048}, ""},
		{"nofile=1024", specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 1024}, ""},
		{"NPROC=-1", specs.POSIXRlimit{Type: "RLIMIT_NPROC", Soft: ^uint64(0), Hard: ^uint64(0)}, ""},
		{"core=0:unlimited", specs.POSIXRlimit{Type: "RLIMIT_CORE", Soft: 0, Hard: ^uint64(0)}, ""},
		{"rlimit_memlock=64", specs.POSIXRlimit{Type: "RLIMIT_MEMLOCK", Soft: 64, Hard: 64}, ""},
		{"nofile=abc", specs.POSIXRlimit{}, `invalid ulimit "nofile=abc": the soft limit "abc" is not a number`},
		{"nofile=1:x", specs.POSIXRlimit{}, `the hard limit "x" is not a number`},
		{"nofile", specs.POSIXRlimit{}, "no '='"},
		{"bogus=1", specs.POSIXRlimit{}, `unknown limit "bogus"`},
		{"nofile=10:5", specs.POSIXRlimit{}, "soft limit is above the hard limit"},
	}
	for _, c := range cases {
		got, err := ParseUlimit(c.in)
		if c.err != "" {
			wantErr(t, err, c.err)
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseUlimit(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}

	old := currentRlimit
	t.Cleanup(func() { currentRlimit = old })
	limits := map[int]unix.Rlimit{unix.RLIMIT_NOFILE: {Cur: 1024, Max: 4096}, unix.RLIMIT_NPROC: {Cur: 10, Max: 1 << 40}}
	currentRlimit = func(r int) (unix.Rlimit, error) { return limits[r], nil }

	o := base(t)
	got := gen(t, o).Spec.Process.Rlimits
	want := []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 4096, Hard: 4096},
		{Type: "RLIMIT_NPROC", Soft: rlimitDefaultMax, Hard: rlimitDefaultMax},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("default rlimits %+v, want %+v", got, want)
	}
	o.Process.Ulimits = []string{"nofile=100:200", "stack=8192", "nofile=300"}
	got = gen(t, o).Spec.Process.Rlimits
	want = []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 300, Hard: 300},
		{Type: "RLIMIT_NPROC", Soft: rlimitDefaultMax, Hard: rlimitDefaultMax},
		{Type: "RLIMIT_STACK", Soft: 8192, Hard: 8192},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("--ulimit rlimits %+v, want %+v", got, want)
	}
}

func TestNamespaces(t *testing.T) {
	type nsl = []specs.LinuxNamespace
	ns := func(t specs.LinuxNamespaceType, p ...string) specs.LinuxNamespace {
		n := specs.LinuxNamespace{Type: t}
		if len(p) > 0 {
			n.Path = p[0]
		}
		return n
	}
	cases := []struct {
		name    string
		opts    NamespaceOptions
		cgroups bool
		want    nsl
	}{
		{"defaults", NamespaceOptions{}, false, nsl{ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount")}},
		{"none network", NamespaceOptions{Network: "none"}, false, nsl{ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount")}},
		{"cgroups", NamespaceOptions{}, true, nsl{ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount"), ns("cgroup")}},
		{"host cgroupns with cgroups", NamespaceOptions{Cgroup: "host"}, true, nsl{ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount")}},
		{"hosts", NamespaceOptions{Network: "host", IPC: "host", UTS: "host", PID: "host"}, false, nsl{ns("mount")}},
		{"paths", NamespaceOptions{Network: "path:/run/netns/x", PID: "path:/proc/7/ns/pid"}, false,
			nsl{ns("pid", "/proc/7/ns/pid"), ns("network", "/run/netns/x"), ns("ipc"), ns("uts"), ns("mount")}},
		{"keep-id", NamespaceOptions{UserNS: KeepID}, false, nsl{ns("user"), ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base(t)
			o.Namespaces, o.Cgroups, o.CgroupsPath = c.opts, c.cgroups, "roost.slice:roost:abc"
			s := gen(t, o).Spec
			if !reflect.DeepEqual(s.Linux.Namespaces, c.want) {
				t.Errorf("namespaces %v, want %v", s.Linux.Namespaces, c.want)
			}
			if c.cgroups != (s.Linux.Resources != nil) || c.cgroups != (s.Linux.CgroupsPath != "") {
				t.Errorf("cgroups %v: resources %v path %q", c.cgroups, s.Linux.Resources, s.Linux.CgroupsPath)
			}
			if (c.opts.UserNS == KeepID) != (len(s.Linux.UIDMappings) > 0) {
				t.Errorf("uid mappings %v", s.Linux.UIDMappings)
			}
		})
	}
	t.Run("no hostname without uts", func(t *testing.T) {
		o := base(t)
		o.Namespaces.UTS = "host"
		if s := gen(t, o).Spec; s.Hostname != "" {
			t.Errorf("hostname %q", s.Hostname)
		}
	})
}

func TestKeepIDMappings(t *testing.T) {
	m := func(c, h, s uint32) specs.LinuxIDMapping {
		return specs.LinuxIDMapping{ContainerID: c, HostID: h, Size: s}
	}
	cases := []struct {
		id, size int
		want     []specs.LinuxIDMapping
	}{
		{1000, 65536, []specs.LinuxIDMapping{m(0, 1, 1000), m(1000, 0, 1), m(1001, 1001, 64536)}},
		{0, 65536, []specs.LinuxIDMapping{m(0, 0, 1), m(1, 1, 65536)}},
		{1, 65536, []specs.LinuxIDMapping{m(0, 1, 1), m(1, 0, 1), m(2, 2, 65535)}},
		{65536, 65536, []specs.LinuxIDMapping{m(0, 1, 65536), m(65536, 0, 1)}},
		{70000, 65536, []specs.LinuxIDMapping{m(0, 1, 65536), m(70000, 0, 1)}},
		{1000, 0, []specs.LinuxIDMapping{m(1000, 0, 1)}},
	}
	for _, c := range cases {
		got := keepIDMappings(c.id, c.size)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("keepIDMappings(%d, %d) = %v, want %v", c.id, c.size, got, c.want)
		}
		// Every namespace id 0..size is used once, and no more.
		var total uint32
		for _, mm := range got {
			total += mm.Size
			if mm.HostID+mm.Size > uint32(c.size)+1 {
				t.Errorf("keepIDMappings(%d, %d): %v leaves the namespace", c.id, c.size, mm)
			}
		}
		if want := uint32(min(c.id, c.size) + 1 + max(c.size-c.id, 0)); total != want {
			t.Errorf("keepIDMappings(%d, %d) maps %d ids, want %d", c.id, c.size, total, want)
		}
	}

	o := base(t)
	o.Namespaces.UserNS = KeepID
	o.IDs = IDs{HostUID: 1000, HostGID: 100, SubUIDSize: 65536, SubGIDSize: 50000}
	s := gen(t, o).Spec
	if !reflect.DeepEqual(s.Linux.UIDMappings, keepIDMappings(1000, 65536)) || !reflect.DeepEqual(s.Linux.GIDMappings, keepIDMappings(100, 50000)) {
		t.Errorf("mappings %v / %v", s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
}

func TestStopSignal(t *testing.T) {
	cases := []struct {
		flag, image string
		want        syscall.Signal
	}{
		{"", "", syscall.SIGTERM},
		{"", "SIGQUIT", syscall.SIGQUIT},
		{"KILL", "SIGQUIT", syscall.SIGKILL},
		{"2", "", syscall.SIGINT},
	}
	for _, c := range cases {
		o := base(t)
		o.StopSignal, o.Image.StopSignal = c.flag, c.image
		if got := gen(t, o).StopSignal; got != c.want {
			t.Errorf("flag %q image %q: %v, want %v", c.flag, c.image, got, c.want)
		}
	}
}

func TestOOMScoreAndNoNewPrivileges(t *testing.T) {
	o := base(t)
	adj := -500
	o.Process.OOMScoreAdj = &adj
	o.Process.NoNewPrivileges = true
	s := gen(t, o).Spec
	if s.Process.OOMScoreAdj == nil || *s.Process.OOMScoreAdj != -500 || !s.Process.NoNewPrivileges {
		t.Errorf("oom %v nnp %v", s.Process.OOMScoreAdj, s.Process.NoNewPrivileges)
	}
}

func TestMain(m *testing.M) {
	// Keep the tests independent of the caller's environment.
	os.Unsetenv("ROOST_SPEC_TEST_UNSET")
	os.Exit(m.Run())
}
