package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// A runtime's `--version` is asked twice per container start otherwise
// (describe and Probe), and crun re-executes itself from a sealed copy on
// every call: two processes each time. The answer only changes when the
// binary does, so it is kept in memory per process and, given a directory,
// on disk keyed by the binary's identity (device, inode, size, mtime, ctime).

var versions sync.Map // path -> versionAnswer

// versionAnswer is one binary's `--version`, with the identity it was asked of.
type versionAnswer struct {
	Path   string `json:"path"`
	Key    string `json:"key"`
	Output string `json:"output"`
	Err    string `json:"err,omitempty"` // the command failed: not cached on disk
}

// binaryKey names the file at path as it is now; "" if it cannot be read.
func binaryKey(path string) string {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return ""
	}
	return fmt.Sprintf("%d:%d:%d:%d.%d:%d.%d", st.Dev, st.Ino, st.Size,
		st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
}

// versionOutput returns what `path --version` prints, running it at most once
// per process and, with cacheDir, once per binary.
func versionOutput(path, cacheDir string) ([]byte, error) {
	key := binaryKey(path)
	if v, ok := versions.Load(path); ok && v.(versionAnswer).Key == key && key != "" {
		return v.(versionAnswer).result()
	}
	file := ""
	if cacheDir != "" && key != "" {
		file = filepath.Join(cacheDir, "runtime-version-"+filepath.Base(path)+".json")
		if a, ok := readVersion(file, path, key); ok {
			versions.Store(path, a)
			return a.result()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	a := versionAnswer{Path: path, Key: key, Output: string(out)}
	if err != nil {
		a.Err = err.Error()
	}
	versions.Store(path, a)
	if file != "" && err == nil {
		writeVersion(file, a)
	}
	return a.result()
}

func (a versionAnswer) result() ([]byte, error) {
	if a.Err != "" {
		return nil, fmt.Errorf("%s --version failed: %s", a.Path, a.Err)
	}
	return []byte(a.Output), nil
}

func readVersion(file, path, key string) (versionAnswer, bool) {
	var a versionAnswer
	b, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(b, &a) != nil {
		return a, false
	}
	return a, a.Path == path && a.Key == key && a.Err == ""
}

// writeVersion is best effort: a cache that cannot be written is asked again.
func writeVersion(file string, a versionAnswer) {
	b, err := json.Marshal(a)
	if err != nil || os.MkdirAll(filepath.Dir(file), 0o700) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", file, os.Getpid())
	if os.WriteFile(tmp, b, 0o600) != nil {
		os.Remove(tmp)
		return
	}
	if os.Rename(tmp, file) != nil {
		os.Remove(tmp)
	}
}
