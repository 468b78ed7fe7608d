package main

import (
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// Back-off between restarts: 100ms doubling to 5s, back to 100ms after a run
// of 10s or more.
const (
	backoffMin   = 100 * time.Millisecond
	backoffMax   = 5 * time.Second
	backoffReset = 10 * time.Second
)

// shouldRestart applies the restart policy to an exit. A user stop (Stop,
// or SIGTERM to the monitor) always wins.
func (m *mon) shouldRestart(exit monitor.ExitStatus) bool {
	if m.hub.stopRequested() {
		return false
	}
	if m.forceRestart.Swap(false) {
		return true // --health-on-failure=restart
	}
	p := m.cfg.Restart
	switch p.Policy {
	case monitor.RestartAlways, monitor.RestartUnlessStopped:
		return true
	case monitor.RestartOnFailure:
		return exit.Code != 0 && (p.MaxRetries == 0 || m.restarts < p.MaxRetries)
	}
	return false
}

type backoff struct{ delay time.Duration }

func newBackoff() *backoff { return &backoff{} }

// next is the pause before the next start, given how long the last run ran.
func (b *backoff) next(ranFor time.Duration) time.Duration {
	switch {
	case ranFor >= backoffReset || b.delay == 0:
		b.delay = backoffMin
	default:
		b.delay = min(2*b.delay, backoffMax)
	}
	return b.delay
}

// sleep waits d unless a stop request comes first (false then).
func (m *mon) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return !m.hub.stopRequested()
	case <-m.hub.stopped:
		return false
	}
}
