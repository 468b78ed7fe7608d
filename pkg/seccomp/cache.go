package seccomp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CompileCached is Compile with the program kept in dir, keyed by the
// profile, libseccomp's version and the kernel: containers started with the
// same profile (nearly all of them) compile it once. dir belongs in the run
// directory, which a reboot (and so a new kernel) empties.
func CompileCached(dir string, profile *specs.LinuxSeccomp) ([]byte, error) {
	key, err := cacheKey(profile)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, key+".bpf")
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 && len(b)%8 == 0 {
		return b, nil
	}
	b, err := Compile(profile)
	if err != nil {
		return nil, err
	}
	store(path, b)
	return b, nil
}

func cacheKey(profile *specs.LinuxSeccomp) (string, error) {
	version, err := Version()
	if err != nil {
		return "", err
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	p, err := json.Marshal(profile)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "libseccomp %s\nkernel %s %s %s\n", version,
		unix.ByteSliceToString(uts.Release[:]), unix.ByteSliceToString(uts.Version[:]), unix.ByteSliceToString(uts.Machine[:]))
	h.Write(p)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// store is best effort: a program that cannot be kept is compiled again.
func store(path string, b []byte) {
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if os.WriteFile(tmp, b, 0o600) != nil || os.Rename(tmp, path) != nil {
		os.Remove(tmp)
	}
}
