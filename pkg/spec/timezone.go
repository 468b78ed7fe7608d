package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// zoneinfoDir is where the host keeps the IANA zones; a variable for tests.
var zoneinfoDir = "/usr/share/zoneinfo"

// TimezoneFile is the host file --tz binds at /etc/localtime: "local" is the
// host's own /etc/localtime (its target, so a later change on the host does
// not follow), another value names an IANA zone. "" and "none" give none.
func TimezoneFile(tz string) (string, error) {
	switch tz {
	case "", "none":
		return "", nil
	case "local":
		p, err := filepath.EvalSymlinks("/etc/localtime")
		if err != nil {
			return "", fmt.Errorf("--tz=local: the host's /etc/localtime: %w", err)
		}
		return p, nil
	}
	clean := filepath.Clean(tz)
	if filepath.IsAbs(tz) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("finding timezone: unknown time zone %s", tz)
	}
	p := filepath.Join(zoneinfoDir, clean)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("finding timezone: unknown time zone %s", tz)
	}
	return p, nil
}
