package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/roost-containers/roost/pkg/footprint"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/slirp/portfwd"
)

// publish binds the container's published ports before the runtime creates
// it, so a busy port fails the start (Start reports the error) and nothing
// runs; the forwarder dials into cfg.NetNS, which exists by then. Nil when
// nothing is published.
func publish(cfg *monitor.Config) (*portfwd.Forwarder, error) {
	if len(cfg.Ports) == 0 {
		return nil, nil
	}
	return portfwd.Listen(cfg.NetNS, cfg.Ports, forwardingProcs.busy)
}

// unpublish stops forwarding: the ports are free again when the exit
// command runs.
func (m *mon) unpublish() {
	if m.ports == nil {
		return
	}
	if err := m.ports.Close(); err != nil {
		logf("closing the published ports: %v", err)
	}
	m.ports = nil
}

// busyProcs is how many Ps the monitor's runtime has while it forwards: one
// P (footprint.go) makes the two directions of every connection, the poller
// and the accepting take turns on one CPU, which halves what a published
// port carries; a second P costs memory only while it is in use.
const busyProcs = 2

// idleAfter is how long forwarding must have stopped before the monitor
// goes back to one P: a client that opens one connection after another
// should not pay two GOMAXPROCS changes (each stops the world) per request.
const idleAfter = time.Second

// procs moves the monitor's runtime between one P and busyProcs as
// forwarding begins and ends.
type procs struct {
	mu    sync.Mutex
	wide  bool
	timer *time.Timer
}

var forwardingProcs procs

func (p *procs) busy(busy bool) {
	if runtime.NumCPU() < 2 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if busy {
		if !p.wide {
			p.wide = true
			runtime.GOMAXPROCS(busyProcs)
		}
		return
	}
	p.timer = time.AfterFunc(idleAfter, p.narrow)
}

// narrow goes back to one P unless forwarding began again meanwhile, and
// ends the threads the second P left idle.
func (p *procs) narrow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer == nil || !p.wide {
		return
	}
	p.timer = nil
	p.wide = false
	runtime.GOMAXPROCS(1)
	footprint.TrimThreads()
}
