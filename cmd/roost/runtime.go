package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
)

// tuneGC makes the garbage collector run less often than Go's default in
// this short-lived command: most commands end before their heap is worth
// collecting, and at the default target `ps -a` of 500 containers spent a
// third of its CPU collecting the records it had just decoded. The memory
// limit keeps the larger target from growing the heap of a long pull or
// load without bound. A user's GOGC or GOMEMLIMIT wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}

// profileEnv names a file for a CPU profile of this command (hidden, for
// performance work: `go tool pprof roost FILE`). Commands are short, so the
// profile samples at 1 kHz rather than Go's usual 100 Hz.
const profileEnv = "ROOST_CPUPROFILE"

// stopProfile ends the profile startProfile began (a no-op without one);
// calling it again does nothing.
var stopProfile = func() {}

// startProfile starts the profile if asked for and returns what stops it.
func startProfile() (stop func()) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "WARNING: %s: %v\n", profileEnv, err)
		return func() {}
	}
	runtime.SetCPUProfileRate(1000)
	if err := pprof.StartCPUProfile(f); err != nil {
		// The rate set above makes StartCPUProfile warn, not fail; anything
		// else is worth saying.
		fmt.Fprintf(os.Stderr, "WARNING: %s: %v\n", profileEnv, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}
}
