package image

import "time"

// ParseUntil reads an until= filter value as image filters do, so that
// container prune and image prune accept the same times.
func ParseUntil(s string) (time.Time, error) { return parseTime(s) }
