package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
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
	trimThreads()
	// The collection reads much of the executable (type data, function
	// tables) to do its work, so the text goes from our page tables after it.
	debug.FreeOSMemory()
	dropText()
}

// spareThreads is how many threads trimThreads ends at most: start-up
// (the runtime's create, waits, file work) leaves a few idle behind.
const spareThreads = 8

// trimThreads ends the threads start-up left idle. Go keeps an idle thread
// for good, with its stacks (g0, signal); a goroutine that exits locked to
// its thread takes the thread with it, and the scheduler then runs on one
// of the idle ones, which the next round ends in turn. Threads that are
// needed later are made again. Nothing in the monitor depends on the thread
// that made a child (no Pdeathsig).
func trimThreads() {
	for range spareThreads {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(done)
		}()
		<-done
	}
}

// dropText unmaps this executable's read-only pages from our page tables.
func dropText() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, _ := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && end > start {
			unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED)
		}
	}
}
