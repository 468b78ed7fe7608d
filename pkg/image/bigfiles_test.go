package image

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/proc"
)

func TestBigFilesOwner(t *testing.T) {
	for name, want := range map[string]struct {
		pid   int
		start uint64
		ok    bool
	}{
		"roost-images-123-456-789012": {123, 456, true},
		"roost-images-123-456":        {ok: false},
		"roost-images-x-456-1":        {ok: false},
		"roost-images-0-456-1":        {ok: false},
		"container_images_storage1":   {ok: false},
	} {
		pid, start, ok := bigFilesOwner(name)
		if ok != want.ok || (ok && (pid != want.pid || start != want.start)) {
			t.Errorf("%s: %d %d %v, want %+v", name, pid, start, ok, want)
		}
	}
}

// TestUseBigFilesDirSweepsTheDead: an operation's directory is its own,
// named by its process, and a new one removes those of ended processes
// (with what they held) but not a live one's, nor another user's.
func TestUseBigFilesDirSweepsTheDead(t *testing.T) {
	parent := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	start, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(parent, fmt.Sprintf("roost-images-%d-99-1", dead.Process.Pid))
	live := filepath.Join(parent, fmt.Sprintf("roost-images-%d-%d-2", os.Getpid(), start))
	for _, d := range []string{filepath.Join(left, "container_images_storage1"), live} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	others := filepath.Join(parent, fmt.Sprintf("roost-images-%d-99-3", dead.Process.Pid))
	if os.Geteuid() == 0 {
		if err := os.Mkdir(others, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(others, 4242, 4242); err != nil {
			t.Fatal(err)
		}
	}

	sys := &types.SystemContext{BigFilesTemporaryDir: parent}
	done := useBigFilesDir(sys)
	if filepath.Dir(sys.BigFilesTemporaryDir) != parent {
		t.Fatalf("the operation's directory is %q, want one in %s", sys.BigFilesTemporaryDir, parent)
	}
	if pid, _, ok := bigFilesOwner(filepath.Base(sys.BigFilesTemporaryDir)); !ok || pid != os.Getpid() {
		t.Errorf("the operation's directory %q is not named by its process", sys.BigFilesTemporaryDir)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("a dead process's directory stays: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's directory was removed: %v", err)
	}
	if os.Geteuid() == 0 {
		if _, err := os.Stat(others); err != nil {
			t.Errorf("another user's directory was removed: %v", err)
		}
	}
	done()
	if _, err := os.Stat(sys.BigFilesTemporaryDir); !os.IsNotExist(err) {
		t.Errorf("done left the operation's directory: %v", err)
	}
}
