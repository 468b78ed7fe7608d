package image

import (
	"strings"
	"time"
	"unicode"

	"github.com/docker/go-units"
)

// HumanSize writes a size as Podman's `images` does: decimal units, three
// significant digits, a space before the unit ("4.27 MB", "812 kB").
func HumanSize(n int64) string {
	s := units.HumanSizeWithPrecision(float64(n), 3)
	i := strings.LastIndexFunc(s, unicode.IsDigit)
	return s[:i+1] + " " + s[i+1:]
}

// HumanAgo writes how long ago t was, as Podman and Docker do
// ("2 hours ago", "About a minute ago").
func HumanAgo(t time.Time, now time.Time) string {
	return units.HumanDuration(now.Sub(t)) + " ago"
}
