package runtime

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

const (
	tmpfsMagic   = 0x01021994
	cgroup2Magic = 0x63677270
)

// Probe tells whether the runtime at path can run containers on this host:
// it answers `--version`, and for crun the host is not in the cgroup layout
// crun refuses (hybrid v1+v2 with controllers left on the v2 side: "cgroups
// in hybrid mode not supported"). The error is ErrCgroupsUnavailable for
// that, and says what to do. `--version` is asked once per process.
func Probe(path string) error {
	return probe(path, "")
}

// probe is Probe with `--version` remembered in cacheDir (see versionOutput).
// The cgroup layout is looked at every time: it is cheap, and mounting a
// controller must take effect at once.
func probe(path, cacheDir string) error {
	out, err := versionOutput(path, cacheDir)
	if err != nil {
		return err
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
	return ChooseCached(want, "")
}

// ChooseCached is Choose with the runtimes' `--version` answers remembered in
// cacheDir (Roost's run directory), so that a container start runs no
// `--version` at all once the binary is known.
func ChooseCached(want, cacheDir string) (Binary, error) {
	if want != "" {
		b, err := find(want, cacheDir)
		if err != nil {
			return b, err
		}
		return b, probe(b.Path, cacheDir)
	}
	var reasons []error
	for _, name := range Preferred {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if err := probe(path, cacheDir); err != nil {
			reasons = append(reasons, err)
			continue
		}
		reason := "first of " + strings.Join(Preferred, ", ") + " found on PATH"
		if len(reasons) > 0 {
			reason = "first of " + strings.Join(Preferred, ", ") + " that works here (" + reasons[0].Error() + ")"
		}
		return describe(path, reason, cacheDir), nil
	}
	switch len(reasons) {
	case 0:
		return find("", cacheDir)
	case 1:
		return Binary{}, reasons[0]
	}
	msgs := make([]string, len(reasons))
	for i, r := range reasons {
		msgs[i] = r.Error()
	}
	return Binary{}, fmt.Errorf("%w: no OCI runtime works here: %s", reasons[0], strings.Join(msgs, "; "))
}
