package events

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// timeLayouts are the absolute forms --since and --until take, Podman's:
// RFC 3339 (with or without fractions), a local-less date and time (UTC),
// a date with a zone, a date.
var timeLayouts = []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999", "2006-01-02Z07:00", "2006-01-02"}

// ParseTime reads a --since or --until value: an absolute time, a Unix
// timestamp (seconds, with an optional fraction), or a Go duration counted
// back from now for since and forward for until.
func ParseTime(s string, now time.Time, since bool) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, errors.New("unable to interpret time value: use an RFC 3339 time, a Unix timestamp or a duration such as 5m")
	}
	if since {
		return now.Add(-d), nil
	}
	return now.Add(d), nil
}
