package userns

import "os"

// startedInside is decided before main runs, before Enter re-executes: a
// process that inherits the holder's pid without being Roost's own
// re-execution (which sets envTries) was started inside the namespace, as
// everything under `roost unshare` is.
var startedInside = os.Getenv("_CONTAINERS_USERNS_CONFIGURED") != "" &&
	os.Getenv(envPid) != "" && os.Getenv(envTries) == ""

// StartedInside reports whether this command was started from inside the
// user's namespace (under `roost unshare`), where mounts it makes are
// visible to the caller.
func StartedInside() bool { return startedInside && Inside() }
