// Package footprint trims what a long-lived, mostly idle Roost process
// keeps resident: the container monitors and the helpers (the DNS responder,
// the idle network reaper) live much longer than the work that started them.
package footprint

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Settle returns what start-up used: the heap it no longer needs goes back
// to the kernel and the executable's text leaves our page tables. The
// collection reads much of the executable (type data, function tables) to
// do its work, so the text goes after it. Pages the idle loop needs fault
// back in from the page cache, where they stay shared.
func Settle() {
	debug.FreeOSMemory()
	DropText()
}

// DropText unmaps this executable's read-only pages from our page tables
// (MADV_DONTNEED; they stay in the page cache).
func DropText() {
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

// spareThreads is how many threads TrimThreads ends at most: start-up
// (process starts, waits, file work) leaves a few idle behind.
const spareThreads = 8

// TrimThreads ends the threads start-up left idle. Go keeps an idle thread
// for good, with its stacks (g0, signal); a goroutine that exits locked to
// its thread takes the thread with it, and the scheduler then runs on one
// of the idle ones, which the next round ends in turn. Threads needed later
// are made again. Callers must not depend on the thread that made a child
// (Pdeathsig is per thread).
func TrimThreads() {
	for range spareThreads {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(done)
		}()
		<-done
	}
}
