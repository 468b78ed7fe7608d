// Package version holds Roost's version, set at build time by the Makefile,
// and the report `roost version` and `roost info` give of it.
package version

import (
	"runtime"
	"time"
)

// Version is overwritten with -ldflags "-X .../pkg/version.Version=...".
var Version = "0.1.0-dev"

// GitCommit is the commit the binary was built from, when known.
var GitCommit = ""

// BuildTime is when the binary was built, RFC 3339, when known.
var BuildTime = ""

// APIVersion is the version of Podman's API that Roost's commands and
// output follow (Podman reports its own version there).
const APIVersion = "4.3.1"

// Info is one program's version, with the fields (and JSON names) of
// Podman's `version` report.
type Info struct {
	APIVersion string
	Version    string
	GoVersion  string
	GitCommit  string
	BuiltTime  string // Built, as a date in the form of time.ANSIC
	Built      int64  // seconds since the epoch; 0 when unknown
	OsArch     string
	Os         string
}

// Report is what `roost version` prints. Server is set only when a
// service answers for the client, which Roost never does (no remote mode):
// as with a local Podman, only Client is there.
type Report struct {
	Client *Info `json:",omitempty"`
	Server *Info `json:",omitempty"`
}

// Current is this binary's version.
func Current() Info {
	built := builtAt(BuildTime)
	return Info{
		APIVersion: APIVersion,
		Version:    Version,
		GoVersion:  runtime.Version(),
		GitCommit:  GitCommit,
		BuiltTime:  time.Unix(built, 0).Format(time.ANSIC),
		Built:      built,
		OsArch:     runtime.GOOS + "/" + runtime.GOARCH,
		Os:         runtime.GOOS,
	}
}

// builtAt reads the build time the Makefile stamps (RFC 3339; also plain
// epoch seconds, as Podman's Makefile stamps it).
func builtAt(s string) int64 {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix()
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
