// Package version holds Roost's version, set at build time by the Makefile.
package version

// Version is overwritten with -ldflags "-X .../pkg/version.Version=...".
var Version = "0.1.0-dev"

// GitCommit is the commit the binary was built from, when known.
var GitCommit = ""

// BuildTime is when the binary was built, RFC 3339, when known.
var BuildTime = ""
