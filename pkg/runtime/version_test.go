package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A fake runtime that counts its `--version` calls in a file.
func fakeRuntime(t *testing.T, dir, version string) (bin, calls string) {
	t.Helper()
	bin = filepath.Join(dir, "crun")
	calls = filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho x >> " + calls + "\necho '" + version + "'\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, calls
}

func countCalls(t *testing.T, calls string) int {
	b, err := os.ReadFile(calls)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "x")
}

func TestVersionCachedOnDisk(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	bin, calls := fakeRuntime(t, dir, "crun version 9.9")
	forget := func() { versions.Delete(bin) } // as a new process would start

	for i := 0; i < 3; i++ {
		out, err := versionOutput(bin, cache)
		if err != nil || !strings.HasPrefix(string(out), "crun version 9.9") {
			t.Fatalf("versionOutput = %q, %v", out, err)
		}
		forget()
	}
	if n := countCalls(t, calls); n != 1 {
		t.Fatalf("--version ran %d times for three asks, want 1", n)
	}

	// A new binary at the same path is asked again.
	time.Sleep(10 * time.Millisecond)
	fakeRuntime(t, dir, "crun version 10.0")
	out, err := versionOutput(bin, cache)
	if err != nil || !strings.HasPrefix(string(out), "crun version 10.0") {
		t.Fatalf("after an upgrade versionOutput = %q, %v", out, err)
	}
	if n := countCalls(t, calls); n != 2 {
		t.Fatalf("--version ran %d times after an upgrade, want 2", n)
	}
}

func TestVersionFailureNotCached(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	bin := filepath.Join(dir, "crun")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := versionOutput(bin, cache); err == nil {
		t.Fatal("a failing --version gave no error")
	}
	versions.Delete(bin)
	if _, err := versionOutput(bin, cache); err == nil {
		t.Fatal("a failing --version was remembered as working")
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "*")); len(m) != 0 {
		t.Fatalf("a failed --version left %v", m)
	}
}
