package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/roost-containers/roost/pkg/footprint"
)

// The monitor is resident once per container: what it keeps mapped is the
// product's cost. Three things keep it small (see pkg/monitor's docs for the
// figures):
//   - no heap profiling, one P, a small GC target (tune, before main work);
//   - the heap the start-up needed (JSON, exec) goes back to the kernel;
//   - the start-up code leaves our page tables: the executable's read-only
//     pages are unmapped (MADV_DONTNEED; they stay in the page cache, shared)
//     and fault back in on demand, so only what the idle loop touches stays.

// No heap profiling: set before main so that no allocation is sampled.
var _ = func() int { runtime.MemProfileRate = 0; return 0 }()

// gomaxprocsEnv is set by the first stage for the second, whose runtime reads
// it at start; the second removes it so that the runtime and the exit command
// do not inherit it.
const gomaxprocsEnv = "GOMAXPROCS"

func tune() {
	if os.Getenv(stageEnv) == "gomaxprocs" {
		os.Unsetenv(gomaxprocsEnv)
	}
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(25)
	debug.SetMemoryLimit(16 << 20)
}

// settleDelay is how long a run lasts before settle returns its start-up
// memory: idle containers are what the footprint is about.
const settleDelay = 250 * time.Millisecond

// settle is called once the container runs: return what start-up used.
func settle() {
	footprint.TrimThreads()
	footprint.Settle()
}
