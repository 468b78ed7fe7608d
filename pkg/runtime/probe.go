package runtime

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	tmpfsMagic   = 0x01021994
	cgroup2Magic = 0x63677270
)

var probes sync.Map // path -> error (nil: works)

// Probe tells, once per binary and process, whether the runtime at path can
// run containers on this host: it answers `--version`, and for crun the host
// is not in the cgroup layout crun refuses (hybrid v1+v2 with controllers left
// on the v2 side: "cgroups in hybrid mode not supported"). The error is
// ErrCgroupsUnavailable for that, and says what to do.
func Probe(path string) error {
	if v, ok := probes.Load(path); ok {
		err, _ := v.(error)
		return err
	}
	err := probe(path)
	probes.Store(path, err)
	return err
}

func probe(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return fmt.Errorf("%s --version failed: %w", path, err)
	}
	if !bytes.HasPrefix(out, []byte("crun")) && filepath.Base(path) != "crun" {
		return nil
	}
	if controllers := hybridV2Controllers("/sys/fs/cgroup"); controllers != "" {
		return fmt.Errorf("%w: crun refuses hybrid cgroups with controllers (%s) on the v2 hierarchy: "+
			"mount them as v1 (as root: mkdir -p /sys/fs/cgroup/%s && mount -t cgroup -o %s cgroup /sys/fs/cgroup/%s) or use runc",
			ErrCgroupsUnavailable, controllers, first(controllers), first(controllers), first(controllers))
	}
	return nil
}

// hybridV2Controllers returns the controllers enabled on the v2 hierarchy of a
// hybrid layout, or "" when the layout is pure v1, pure v2 or has none.
func hybridV2Controllers(root string) string {
	var st syscall.Statfs_t
	if syscall.Statfs(root, &st) != nil || st.Type != tmpfsMagic {
		return ""
	}
	unified := filepath.Join(root, "unified")
	if syscall.Statfs(unified, &st) != nil || st.Type != cgroup2Magic {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(unified, "cgroup.controllers"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func first(words string) string {
	return strings.Fields(words)[0]
}

// Choose returns the first runtime of Preferred that is installed and passes
// Probe, or the one named by want (which must pass too).
func Choose(want string) (Binary, error) {
	if want != "" {
		b, err := Find(want)
		if err != nil {
			return b, err
		}
		return b, Probe(b.Path)
	}
	var reasons []error
	for _, name := range Preferred {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if err := Probe(path); err != nil {
			reasons = append(reasons, err)
			continue
		}
		reason := "first of " + strings.Join(Preferred, ", ") + " found on PATH"
		if len(reasons) > 0 {
			reason = "first of " + strings.Join(Preferred, ", ") + " that works here (" + reasons[0].Error() + ")"
		}
		return describe(path, reason), nil
	}
	switch len(reasons) {
	case 0:
		return Find("")
	case 1:
		return Binary{}, reasons[0]
	}
	msgs := make([]string, len(reasons))
	for i, r := range reasons {
		msgs[i] = r.Error()
	}
	return Binary{}, fmt.Errorf("%w: no OCI runtime works here: %s", reasons[0], strings.Join(msgs, "; "))
}
