package spec

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests run a generated spec with the real runtimes. They need root
// (CI runs as root), crun or runc, and a static busybox (busybox-static).

// podmanCapEff is /proc/self/status's CapEff for DefaultCapabilities.
const podmanCapEff = "00000000800405fb"

func needRuntime(t *testing.T, runtime string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("skipping: running %s needs root (uid is %d)", runtime, os.Geteuid())
	}
	p, err := exec.LookPath(runtime)
	if err != nil {
		t.Skipf("skipping: %s is not installed (apt-get install %s)", runtime, runtime)
	}
	if err := staticBusybox(); err != nil {
		t.Skipf("skipping: %v (apt-get install busybox-static)", err)
	}
	if runtime == "crun" {
		if err := ensureHugetlbV1(); err != nil {
			t.Fatalf("preparing cgroups for crun: %v", err)
		}
	}
	return p
}

func staticBusybox() error {
	f, err := elf.Open("/bin/busybox")
	if err != nil {
		return fmt.Errorf("no usable /bin/busybox: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("/bin/busybox is dynamically linked")
		}
	}
	return nil
}

// ensureHugetlbV1 mounts the v1 hugetlb hierarchy on a hybrid cgroup host:
// crun 1.8 refuses to run ("cgroups in hybrid mode not supported") without.
func ensureHugetlbV1() error {
	mounts, err := mountPoints()
	if err != nil {
		return err
	}
	if mounts["/sys/fs/cgroup"] != "tmpfs" || mounts["/sys/fs/cgroup/hugetlb"] != "" {
		return nil // pure cgroup v2, or already mounted
	}
	if err := os.MkdirAll("/sys/fs/cgroup/hugetlb", 0o755); err != nil {
		return err
	}
	return unix.Mount("cgroup", "/sys/fs/cgroup/hugetlb", "cgroup", 0, "hugetlb")
}

// mountPoints maps each mount point of this process to its fs type.
func mountPoints() (map[string]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, fl := range fields {
			if fl == "-" && i+1 < len(fields) && len(fields) > 4 {
				out[fields[4]] = fields[i+1]
			}
		}
	}
	return out, sc.Err()
}

// busyboxRootfs makes a tiny root filesystem with busybox and a passwd.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "root", "run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(root, "bin/busybox"), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	for _, applet := range []string{"sh", "cat", "grep", "id", "test", "ls", "echo", "wc", "touch", "head", "sleep", "tr", "readlink"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
	writeFile(t, filepath.Join(root, "etc/group"), "root:x:0:\ntty:x:5:\n")
	return root
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runBundle generates the spec, writes the bundle and runs it; it returns
// the container's output.
func runBundle(t *testing.T, runtime string, o Options) string {
	t.Helper()
	return runBundleAs(t, runtime, o, false)
}

// The rootless tests map the user (uid 0 in the namespace, as in Roost's)
// and subordinate ids thus.
const (
	rootlessUser = 1000
	rootlessSubs = 100000
	rootlessSize = 65536
)

// runBundleAs runs the bundle as runBundle does; with rootless, the runtime
// runs in a user and mount namespace like Roost's holder: the user is uid 0
// there and 65536 subordinate ids follow.
func runBundleAs(t *testing.T, runtime string, o Options, rootless bool) string {
	t.Helper()
	res, err := Generate(o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if res.PasswdEntry != "" {
		appendFile(t, filepath.Join(o.Rootfs, "etc/passwd"), res.PasswdEntry)
	}
	if res.GroupEntry != "" {
		appendFile(t, filepath.Join(o.Rootfs, "etc/group"), res.GroupEntry)
	}
	bundle := filepath.Dir(o.Rootfs)
	cfg, err := json.MarshalIndent(res.Spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(bundle, "config.json"), string(cfg))

	state := t.TempDir()
	id := fmt.Sprintf("roost-spec-test-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, runtime, "--root", state, "run", "--bundle", bundle, id)
	if rootless {
		for _, d := range []string{bundle, state} {
			chownTree(t, d, rootlessUser)
		}
		maps := []syscall.SysProcIDMap{
			{ContainerID: 0, HostID: rootlessUser, Size: 1},
			{ContainerID: 1, HostID: rootlessSubs, Size: rootlessSize},
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
			UidMappings:                maps,
			GidMappings:                maps,
			GidMappingsEnableSetgroups: true,
			Credential:                 &syscall.Credential{Uid: 0, Gid: 0},
		}
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+state)
	}
	out, err := cmd.CombinedOutput()
	del := exec.Command(runtime, "--root", state, "delete", "--force", id)
	del.SysProcAttr = cmd.SysProcAttr
	del.Run()
	if err != nil {
		t.Fatalf("%s run: %v\n%s\nconfig.json:\n%s", runtime, err, out, cfg)
	}
	return string(out)
}

// chownTree gives a directory tree (and the directories above it, up to
// the test's temporary root) to uid, as Roost's storage belongs to the user.
func chownTree(t *testing.T, dir string, uid int) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(dir); d != os.TempDir() && d != "/" && d != "."; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

const probeScript = `
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|Seccomp|NoNewPrivs):' /proc/self/status
for f in kcore keys timer_list interrupts sched_debug; do
  if test -e /proc/$f; then test -c /proc/$f && echo masked=$f || echo unmasked=$f; fi
done
echo firmware=$(ls /sys/firmware | wc -l)
grep -q ' /proc/sys ro,' /proc/self/mountinfo && echo procsys=ro
for d in null zero full random urandom tty; do test -c /dev/$d && echo dev=$d; done
echo hostname=$(cat /proc/sys/kernel/hostname)
echo id=$(id -u):$(id -g)
echo home=$HOME
echo nofile=$(ulimit -n)
touch /probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro
touch /tmp/probe 2>/dev/null && echo tmp=rw || echo tmp=ro
cat /proc/self/uid_map | head -1 | sed 's/^ */uidmap=/'
`

func TestRuntimeDefaults(t *testing.T) {
	for _, runtime := range []string{"crun", "runc"} {
		t.Run(runtime, func(t *testing.T) {
			rt := needRuntime(t, runtime)
			o := Options{
				Rootfs:     busyboxRootfs(t),
				Hostname:   "roosttest",
				Image:      ImageConfig{Cmd: []string{"/bin/sh", "-c", probeScript}},
				Namespaces: NamespaceOptions{Network: "none"},
				IDs:        IDs{SubUIDSize: 65536, SubGIDSize: 65536},
			}
			out := runBundle(t, rt, o)
			t.Logf("%s output:\n%s", runtime, out)
			checkMasked(t, out)
			for _, want := range []string{
				"CapEff:\t" + podmanCapEff,
				"CapPrm:\t" + podmanCapEff,
				"CapBnd:\t" + podmanCapEff,
				"CapInh:\t0000000000000000",
				"Seccomp:\t2",
				"firmware=0",
				"procsys=ro",
				"dev=null", "dev=zero", "dev=full", "dev=random", "dev=urandom", "dev=tty",
				"hostname=roosttest",
				"id=0:0",
				"home=/root",
				"rootfs=rw",
			} {
				if !strings.Contains(out, want+"\n") {
					t.Errorf("%s: output lacks %q", runtime, want)
				}
			}
		})
	}
}

func TestRuntimeReadOnlyAndKeepID(t *testing.T) {
	for _, runtime := range []string{"crun", "runc"} {
		t.Run(runtime, func(t *testing.T) {
			rt := needRuntime(t, runtime)
			o := Options{
				Rootfs:     busyboxRootfs(t),
				Hostname:   "keepid",
				Image:      ImageConfig{Cmd: []string{"/bin/sh", "-c", probeScript}},
				Namespaces: NamespaceOptions{Network: "none", UserNS: KeepID},
				IDs:        IDs{HostUID: 1000, HostGID: 1000, SubUIDSize: 65536, SubGIDSize: 65536, UserName: "alice"},
				Security:   SecurityOptions{ReadOnlyRootfs: true},
				Process:    ProcessOptions{Ulimits: []string{"nofile=1000:1000"}},
			}
			out := runBundle(t, rt, o)
			t.Logf("%s output:\n%s", runtime, out)
			checkMasked(t, out)
			for _, want := range []string{
				"CapEff:\t0000000000000000",
				"CapBnd:\t" + podmanCapEff,
				"Seccomp:\t2",
				"id=1000:1000",
				"home=/",
				"nofile=1000",
				"rootfs=ro",
				"tmp=rw",
				"uidmap=0          1       1000",
			} {
				if !strings.Contains(out, want+"\n") {
					t.Errorf("%s: output lacks %q", runtime, want)
				}
			}
		})
	}
}

// checkMasked wants every masked /proc file that exists on this host (the
// kernel here has no /proc/kcore) to be /dev/null in the container.
func checkMasked(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "unmasked=") {
		t.Errorf("a masked path is readable:\n%s", out)
	}
	seen := 0
	for _, f := range []string{"kcore", "keys", "timer_list", "interrupts", "sched_debug"} {
		if _, err := os.Stat("/proc/" + f); err != nil {
			continue
		}
		seen++
		if !strings.Contains(out, "masked="+f+"\n") {
			t.Errorf("/proc/%s is not masked", f)
		}
	}
	if seen == 0 {
		t.Errorf("no masked /proc file exists on this host to check")
	}
}

func TestRuntimeHostNamespacesInitAndMounts(t *testing.T) {
	for _, runtime := range []string{"crun", "runc"} {
		t.Run(runtime, func(t *testing.T) {
			rt := needRuntime(t, runtime)
			if _, err := initBinary(""); err != nil {
				t.Skipf("skipping: %v", err)
			}
			data := t.TempDir()
			writeFile(t, filepath.Join(data, "hello"), "hi\n")
			script := `
echo pid1=$(tr '\0' ' ' </proc/1/cmdline)
grep -E '^Seccomp:' /proc/self/status
echo net=$(readlink /proc/self/ns/net)
cat /data/hello
touch /data/x 2>/dev/null && echo data=rw || echo data=ro
touch /scratch/x 2>/dev/null && echo scratch=rw || echo scratch=ro
grep ' /scratch ' /proc/self/mountinfo | grep -q 'size=1024k' && echo scratch=1m
grep -q ' /sys ro,' /proc/self/mountinfo && echo sys=ro
`
			o := Options{
				Rootfs:     busyboxRootfs(t),
				Image:      ImageConfig{Entrypoint: []string{"/bin/sh", "-c"}, Cmd: []string{"exit 3"}},
				Process:    ProcessOptions{Args: []string{script}, Init: true},
				Namespaces: NamespaceOptions{Network: "host", IPC: "host", UTS: "host"},
				Security:   SecurityOptions{SeccompProfile: "unconfined"},
				IDs:        IDs{SubUIDSize: 65536, SubGIDSize: 65536},
				Mounts: []Mount{
					{Type: TypeBind, Source: data, Destination: "/data", Options: []string{"ro"}},
					{Type: TypeTmpfs, Destination: "/scratch", Options: []string{"size=1m"}},
				},
			}
			out := runBundle(t, rt, o)
			t.Logf("%s output:\n%s", runtime, out)
			hostNet, _ := os.Readlink("/proc/self/ns/net")
			for _, want := range []string{
				"pid1=" + InitMountPath + " -- /bin/sh -c ",
				"Seccomp:\t0",
				"net=" + hostNet,
				"hi",
				"data=ro",
				"scratch=rw",
				"scratch=1m",
				"sys=ro",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("%s: output lacks %q", runtime, want)
				}
			}
		})
	}
}

// TestRuntimeRootless runs the runtime as Roost does: inside a user
// namespace where the user is uid 0, with subordinate ids, without cgroups.
func TestRuntimeRootless(t *testing.T) {
	cases := []struct {
		name string
		ns   NamespaceOptions
		want []string
	}{
		{"private", NamespaceOptions{Network: "none"}, []string{
			"CapEff:\t" + podmanCapEff, "Seccomp:\t2", "id=0:0", "home=/root",
			"uidmap=0       1000          1", "sys=ro", "firmware=0"}},
		{"host-network", NamespaceOptions{Network: "host"}, []string{
			"CapEff:\t" + podmanCapEff, "Seccomp:\t2", "id=0:0", "sys=ro", "syskernel=masked"}},
		{"keep-id", NamespaceOptions{Network: "none", UserNS: KeepID}, []string{
			"CapEff:\t0000000000000000", "Seccomp:\t2", "id=1000:1000", "home=/",
			"uidmap=0          1       1000", "sys=ro"}},
	}
	script := probeScript + `
grep -q ' /sys ro,' /proc/self/mountinfo && echo sys=ro
[ -z "$(ls /sys/kernel)" ] && echo syskernel=masked
true
`
	for _, runtime := range []string{"crun", "runc"} {
		for _, c := range cases {
			t.Run(runtime+"/"+c.name, func(t *testing.T) {
				rt := needRuntime(t, runtime)
				o := Options{
					Rootfs:     busyboxRootfs(t),
					Image:      ImageConfig{Cmd: []string{"/bin/sh", "-c", script}},
					Namespaces: c.ns,
					IDs: IDs{HostUID: rootlessUser, HostGID: rootlessUser,
						SubUIDSize: rootlessSize, SubGIDSize: rootlessSize},
				}
				if c.ns.UTS == "" && c.ns.Network != "host" {
					o.Hostname = "rootless"
				}
				out := runBundleAs(t, rt, o, true)
				t.Logf("%s output:\n%s", runtime, out)
				checkMasked(t, out)
				for _, want := range c.want {
					if !strings.Contains(out, want+"\n") {
						t.Errorf("output lacks %q", want)
					}
				}
			})
		}
	}
}
