package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const (
	debianImage     = registry + "/debian:bookworm"      // VOLUME /data
	debianUserImage = registry + "/debian-user:bookworm" // USER app (1001), VOLUME /data
)

// volumeDir is where the test user's volume NAME keeps its files.
func (e *env) volumeDir(name string) string {
	return filepath.Join(e.Home, ".local/share/roost/volumes", name, "_data")
}

// volumeNames lists the user's volumes, sorted.
func volumeNames(t *testing.T, e *env) []string {
	t.Helper()
	out := strings.Fields(e.roostOK("volume", "ls", "-q"))
	sort.Strings(out)
	return out
}

// isAnonymousName reports whether a volume name is Podman's 64-hex form.
func isAnonymousName(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// ownerOnHost is the uid that owns path on the host.
func ownerOnHost(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return statUID(fi)
}
