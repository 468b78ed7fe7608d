package spec

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCapabilities(t *testing.T) {
	all := allKnownCaps()
	without := func(list []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(c string) bool { return slices.Contains(drop, c) })
	}
	with := func(list []string, add ...string) []string {
		out := append(slices.Clone(list), add...)
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name      string
		bounding  []string
		add, drop []string
		priv      bool
		user      string
		want      []string // bounding
		eff       []string // effective = permitted (= ambient = inheritable for non-root)
		err       string
	}{
		{name: "podman defaults", want: DefaultCapabilities, eff: DefaultCapabilities},
		{name: "add by short name", add: []string{"net_admin"}, want: with(DefaultCapabilities, "CAP_NET_ADMIN"), eff: with(DefaultCapabilities, "CAP_NET_ADMIN")},
		{name: "add with prefix, drop two", add: []string{"CAP_NET_RAW"}, drop: []string{"chown", "CAP_KILL"},
			want: with(without(DefaultCapabilities, "CAP_CHOWN", "CAP_KILL"), "CAP_NET_RAW"), eff: with(without(DefaultCapabilities, "CAP_CHOWN", "CAP_KILL"), "CAP_NET_RAW")},
		{name: "drop ALL keeps the added", drop: []string{"ALL"}, add: []string{"NET_BIND_SERVICE"}, want: []string{"CAP_NET_BIND_SERVICE"}, eff: []string{"CAP_NET_BIND_SERVICE"}},
		{name: "drop all", drop: []string{"all"}, want: []string{}, eff: []string{}},
		{name: "add ALL", add: []string{"ALL"}, want: all, eff: all},
		{name: "add ALL drop one", add: []string{"all"}, drop: []string{"SYS_ADMIN"}, want: without(all, "CAP_SYS_ADMIN"), eff: without(all, "CAP_SYS_ADMIN")},
		{name: "bounding set limits", bounding: without(all, "CAP_SYS_CHROOT", "CAP_NET_ADMIN"), add: []string{"NET_ADMIN"},
			want: without(DefaultCapabilities, "CAP_SYS_CHROOT"), eff: without(DefaultCapabilities, "CAP_SYS_CHROOT")},
		{name: "privileged", priv: true, drop: []string{"CHOWN"}, want: all, eff: all},
		{name: "non-root user", user: "alice", want: DefaultCapabilities, eff: []string{}},
		{name: "non-root user with cap-add", user: "1000", add: []string{"NET_ADMIN", "chown"},
			want: with(DefaultCapabilities, "CAP_NET_ADMIN"), eff: []string{"CAP_CHOWN", "CAP_NET_ADMIN"}},
		{name: "non-root privileged", user: "alice", priv: true, want: all, eff: []string{}},
		{name: "uid 0 by name is root", user: "root", want: DefaultCapabilities, eff: DefaultCapabilities},
		{name: "add and drop ALL", add: []string{"ALL"}, drop: []string{"ALL"}, err: "cannot be used together"},
		{name: "added and dropped", add: []string{"NET_ADMIN"}, drop: []string{"cap_net_admin"}, err: "CAP_NET_ADMIN is both added and dropped"},
		{name: "unknown add", add: []string{"FLY"}, err: `invalid --cap-add "FLY": unknown capability`},
		{name: "unknown drop", drop: []string{"CAP_NOPE"}, err: `invalid --cap-drop "CAP_NOPE": unknown capability`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := all
			if c.bounding != nil {
				b = c.bounding
			}
			fakeBounding(t, b)
			o := base(t)
			o.Security.CapAdd, o.Security.CapDrop, o.Security.Privileged = c.add, c.drop, c.priv
			o.Process.User = c.user
			r, err := Generate(o)
			if c.err != "" {
				wantErr(t, err, c.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			caps := r.Spec.Process.Capabilities
			if !reflect.DeepEqual(caps.Bounding, c.want) {
				t.Errorf("bounding %v, want %v", caps.Bounding, c.want)
			}
			if !reflect.DeepEqual(caps.Effective, c.eff) || !reflect.DeepEqual(caps.Permitted, c.eff) {
				t.Errorf("effective %v permitted %v, want %v", caps.Effective, caps.Permitted, c.eff)
			}
			root := r.Spec.Process.User.UID == 0
			wantAmb := []string{}
			if !root {
				wantAmb = c.eff
			}
			if !reflect.DeepEqual(caps.Ambient, wantAmb) || !reflect.DeepEqual(caps.Inheritable, wantAmb) {
				t.Errorf("ambient %v inheritable %v, want %v", caps.Ambient, caps.Inheritable, wantAmb)
			}
		})
	}
}

// The real bounding set reader must at least find what it runs with.
func TestReadBoundingSet(t *testing.T) {
	b, err := readBoundingSet()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(b) {
		t.Errorf("not sorted: %v", b)
	}
	for _, c := range b {
		if _, ok := knownCaps[c]; !ok {
			t.Errorf("unknown %q", c)
		}
	}
}

func allowed(sc *specs.LinuxSeccomp, name string) bool {
	for _, s := range sc.Syscalls {
		if s.Action == specs.ActAllow && len(s.Args) == 0 && slices.Contains(s.Names, name) {
			return true
		}
	}
	return false
}

func TestSeccomp(t *testing.T) {
	fakeBounding(t, allKnownCaps())
	t.Run("default", func(t *testing.T) {
		s := gen(t, base(t)).Spec
		sc := s.Linux.Seccomp
		if sc == nil || sc.DefaultAction != specs.ActErrno || len(sc.Syscalls) == 0 {
			t.Fatalf("default profile: %+v", sc)
		}
		if sc.DefaultErrnoRet == nil || *sc.DefaultErrnoRet != 1 {
			t.Errorf("default errno %v, want EPERM", sc.DefaultErrnoRet)
		}
		if !allowed(sc, "read") || !allowed(sc, "execve") {
			t.Errorf("read and execve must be allowed")
		}
		if allowed(sc, "mount") || allowed(sc, "kexec_load") {
			t.Errorf("mount and kexec_load must not be allowed by default")
		}
		if len(sc.Architectures) == 0 {
			t.Errorf("no architectures")
		}
	})
	t.Run("follows capabilities", func(t *testing.T) {
		o := base(t)
		o.Security.CapAdd = []string{"SYS_ADMIN"}
		if sc := gen(t, o).Spec.Linux.Seccomp; !allowed(sc, "mount") {
			t.Errorf("with CAP_SYS_ADMIN the default profile allows mount")
		}
	})
	t.Run("unconfined", func(t *testing.T) {
		o := base(t)
		o.Security.SeccompProfile = "unconfined"
		if sc := gen(t, o).Spec.Linux.Seccomp; sc != nil {
			t.Errorf("unconfined: %+v", sc)
		}
	})
	t.Run("privileged", func(t *testing.T) {
		o := base(t)
		o.Security.Privileged = true
		s := gen(t, o).Spec
		if s.Linux.Seccomp != nil || len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
			t.Errorf("privileged: seccomp %v masked %v readonly %v", s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
		}
	})
	profile := filepath.Join(t.TempDir(), "profile.json")
	writeFile(t, profile, `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`)
	t.Run("file", func(t *testing.T) {
		for _, priv := range []bool{false, true} {
			o := base(t)
			o.Security.SeccompProfile, o.Security.Privileged = profile, priv
			sc := gen(t, o).Spec.Linux.Seccomp
			if sc == nil || sc.DefaultAction != specs.ActAllow || len(sc.Syscalls) != 1 || sc.Syscalls[0].Names[1] != "mkdirat" {
				t.Errorf("privileged %v: %+v", priv, sc)
			}
		}
	})
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, `{"defaultAction": `)
	empty := filepath.Join(t.TempDir(), "empty.json")
	writeFile(t, empty, `{}`)
	for _, c := range []struct{ path, want string }{
		{"/nonexistent/seccomp.json", "seccomp profile /nonexistent/seccomp.json"},
		{bad, "seccomp profile " + bad},
		{empty, "seccomp profile " + empty + ": no defaultAction"},
	} {
		o := base(t)
		o.Security.SeccompProfile = c.path
		_, err := Generate(o)
		wantErr(t, err, c.want)
	}
}

func TestMaskedPaths(t *testing.T) {
	cases := []struct {
		name           string
		sec            SecurityOptions
		ns             NamespaceOptions
		masked, notMsk []string
		readonly       bool
	}{
		{name: "defaults", masked: []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/proc/interrupts", "/sys/firmware", "/sys/fs/selinux",
			"/sys/devices/virtual/powercap"}, notMsk: []string{"/sys/kernel"}, readonly: true},
		{name: "unmask one", sec: SecurityOptions{UnmaskPaths: []string{"/proc/keys"}}, masked: []string{"/proc/kcore"}, notMsk: []string{"/proc/keys"}, readonly: true},
		{name: "unmask glob list", sec: SecurityOptions{UnmaskPaths: []string{"/proc/*:/sys/firmware"}}, masked: []string{"/sys/fs/selinux"},
			notMsk: []string{"/proc/kcore", "/proc/keys", "/sys/firmware"}},
		{name: "unmask ALL", sec: SecurityOptions{UnmaskPaths: []string{"all"}}, notMsk: []string{"/proc/kcore", "/sys/firmware"}},
		{name: "mask more", sec: SecurityOptions{MaskPaths: []string{"/secret/", "/proc/kcore"}}, masked: []string{"/secret", "/proc/kcore"}, readonly: true},
		{name: "privileged with mask", sec: SecurityOptions{Privileged: true, MaskPaths: []string{"/secret"}}, masked: []string{"/secret"}, notMsk: []string{"/proc/kcore"}},
		{name: "host network hides /sys/kernel", ns: NamespaceOptions{Network: "host"}, masked: []string{"/sys/kernel", "/proc/kcore"}, readonly: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base(t)
			o.Security, o.Namespaces = c.sec, c.ns
			s := gen(t, o).Spec
			for _, p := range c.masked {
				if !slices.Contains(s.Linux.MaskedPaths, p) {
					t.Errorf("%s not masked: %v", p, s.Linux.MaskedPaths)
				}
			}
			for _, p := range c.notMsk {
				if slices.Contains(s.Linux.MaskedPaths, p) {
					t.Errorf("%s masked", p)
				}
			}
			if n := len(slices.Compact(slices.Sorted(slices.Values(s.Linux.MaskedPaths)))); n != len(s.Linux.MaskedPaths) {
				t.Errorf("duplicates in %v", s.Linux.MaskedPaths)
			}
			wantRO := []string{}
			if c.readonly {
				wantRO = defaultReadonlyPaths
			}
			if !reflect.DeepEqual(s.Linux.ReadonlyPaths, wantRO) {
				t.Errorf("readonly %v, want %v", s.Linux.ReadonlyPaths, wantRO)
			}
		})
	}
}

// containers.conf's default_capabilities replace the set the flags start
// from; names come with or without CAP_, and an unknown one is named.
func TestDefaultCapsReplaceTheDefaults(t *testing.T) {
	fakeBounding(t, allKnownCaps())
	sec := SecurityOptions{DefaultCaps: []string{"chown", "CAP_KILL"}, CapAdd: []string{"NET_RAW"}, CapDrop: []string{"KILL"}}
	caps, err := sec.capabilities(true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"CAP_CHOWN", "CAP_NET_RAW"}; !reflect.DeepEqual(caps.Effective, want) {
		t.Errorf("effective %v, want %v", caps.Effective, want)
	}
	sec = SecurityOptions{DefaultCaps: []string{"FLY"}}
	if _, err := sec.capabilities(true); err == nil || err.Error() != `invalid default_capabilities "FLY": unknown capability` {
		t.Errorf("unknown default capability: %v", err)
	}
}
