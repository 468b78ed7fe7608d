package spec

import (
	"encoding/json"
	"strings"
)

// ParseEntrypoint turns --entrypoint's value into the process's first
// arguments. A JSON array of strings is the exec form (`["/bin/echo","x"]`),
// as in a Dockerfile; anything else names one executable. "" clears the
// image's entrypoint.
func ParseEntrypoint(s string) []string {
	if s == "" {
		return []string{}
	}
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var argv []string
		if err := json.Unmarshal([]byte(s), &argv); err == nil {
			return argv
		}
	}
	return []string{s}
}
