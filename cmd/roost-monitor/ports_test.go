package main

import (
	"runtime"
	"testing"
	"time"
)

// Forwarding widens the runtime to busyProcs at once and narrows it back to
// one P only after idleAfter without connections; a connection within the
// grace keeps it wide.
func TestForwardingProcs(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: the monitor stays at one P")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var p procs
	p.busy(true)
	if n := runtime.GOMAXPROCS(0); n != busyProcs {
		t.Fatalf("forwarding: GOMAXPROCS %d, want %d", n, busyProcs)
	}
	p.busy(false)
	time.Sleep(idleAfter / 2)
	p.busy(true) // a new connection within the grace
	p.busy(false)
	time.Sleep(idleAfter * 3 / 4)
	if n := runtime.GOMAXPROCS(0); n != busyProcs {
		t.Fatalf("narrowed within the grace after the last connection: GOMAXPROCS %d", n)
	}
	deadline := time.Now().Add(5 * idleAfter)
	for runtime.GOMAXPROCS(0) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("still %d Ps %s after the last connection", runtime.GOMAXPROCS(0), 5*idleAfter)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
