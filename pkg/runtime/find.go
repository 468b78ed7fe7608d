// Package runtime drives the OCI runtime (crun or runc).
package runtime

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Preferred is the order in which runtimes are tried when none is configured:
// crun starts containers faster and uses less memory than runc.
var Preferred = []string{"crun", "runc"}

// Binary is an OCI runtime found on this machine.
type Binary struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
}

// Find locates the runtime named by the user (a name on PATH or a path), or
// the first of Preferred that is installed.
func Find(want string) (Binary, error) {
	return find(want, "")
}

func find(want, cacheDir string) (Binary, error) {
	if want != "" {
		path, err := exec.LookPath(want)
		if err != nil {
			return Binary{}, fmt.Errorf("OCI runtime %q not found: install it (apt-get install crun or runc) or name another with --runtime", want)
		}
		return describe(path, "chosen with --runtime or roost.conf", cacheDir), nil
	}
	for _, name := range Preferred {
		if path, err := exec.LookPath(name); err == nil {
			return describe(path, "first of "+strings.Join(Preferred, ", ")+" found on PATH", cacheDir), nil
		}
	}
	return Binary{}, fmt.Errorf("no OCI runtime found: install crun or runc (`sudo apt-get install crun`)")
}

func describe(path, reason, cacheDir string) Binary {
	b := Binary{Name: filepath.Base(path), Path: path, Reason: reason}
	if out, err := versionOutput(path, cacheDir); err == nil {
		b.Version = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
	}
	return b
}
