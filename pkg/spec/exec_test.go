package spec

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExecEnvAppliesEntriesOverTheContainers(t *testing.T) {
	// The spec reads no environment: a bare KEY left unresolved gives nothing.
	t.Setenv("ROOST_EXEC_FROM_HOST", "h")
	got, err := ExecEnv([]string{"PATH=/bin", "A=old"}, []string{"A=new", "ROOST_EXEC_FROM_HOST", "ROOST_EXEC_UNSET", "B=1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PATH=/bin", "A=new", "B=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := ExecEnv(nil, []string{"=x"}); err == nil {
		t.Fatal("an entry without a name should fail")
	}
}

func TestExecUserResolvesInTheRootfs(t *testing.T) {
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\napp:x:1001:1001::/home/app:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(rootfs, "etc/group"), []byte("root:x:0:\napp:x:1001:\nextra:x:2000:app\n"), 0o644)
	u, home, err := ExecUser(rootfs, "app")
	if err != nil || u.UID != 1001 || u.GID != 1001 || home != "/home/app" || !slices.Equal(u.AdditionalGids, []uint32{2000}) {
		t.Fatalf("app: %+v %q %v", u, home, err)
	}
	u, home, err = ExecUser(rootfs, "1234:root")
	if err != nil || u.UID != 1234 || u.GID != 0 || home != "/" {
		t.Fatalf("1234:root: %+v %q %v", u, home, err)
	}
	if _, _, err := ExecUser(rootfs, "nobody"); err == nil {
		t.Fatal("an unknown name should fail")
	}
	// Nothing is added to a running container's files.
	if b, _ := os.ReadFile(filepath.Join(rootfs, "etc/passwd")); len(b) != len("root:x:0:0::/root:/bin/sh\napp:x:1001:1001::/home/app:/bin/sh\n") {
		t.Fatalf("passwd changed: %q", b)
	}
}

func TestExecCapabilities(t *testing.T) {
	ctr := &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_KILL"}, Effective: []string{"CAP_CHOWN", "CAP_KILL"}, Permitted: []string{"CAP_CHOWN", "CAP_KILL"}}
	if got, _ := ExecCapabilities(ctr, true, false, false); got != ctr {
		t.Fatal("the container's user keeps the container's capabilities")
	}
	got, _ := ExecCapabilities(ctr, false, true, false)
	if len(got.Effective) != 0 || len(got.Permitted) != 0 || !slices.Equal(got.Bounding, ctr.Bounding) {
		t.Fatalf("another user: %+v", got)
	}
	got, _ = ExecCapabilities(ctr, true, true, false)
	if !slices.Equal(got.Effective, ctr.Bounding) {
		t.Fatalf("root: %+v", got)
	}
}
