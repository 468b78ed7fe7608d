package main

import (
	"fmt"
	"time"
)

// state is where one run of the container is. Each state lists the states it
// may go to; anything else is a bug reported as an error, not ignored.
type state int

const (
	stateNew     state = iota // nothing asked of the runtime yet
	stateCreated              // runtime create succeeded: init waits for start
	stateRunning              // runtime start succeeded
	stateStopped              // init exited (reaped)
	stateDeleted              // runtime delete done: the run is over
)

var stateNames = [...]string{"new", "created", "running", "stopped", "deleted"}

func (s state) String() string { return stateNames[s] }

var transitions = map[state][]state{
	stateNew:     {stateCreated, stateDeleted},               // create failed: nothing to keep
	stateCreated: {stateRunning, stateStopped, stateDeleted}, // killed before start, start failed
	stateRunning: {stateStopped},
	stateStopped: {stateDeleted},
}

// container is one run: one runtime create ... delete of the bundle.
type container struct {
	state     state
	pid       int
	io        *stdio
	startedAt time.Time
}

func (c *container) to(next state) error {
	for _, s := range transitions[c.state] {
		if s == next {
			c.state = next
			return nil
		}
	}
	return fmt.Errorf("container cannot go from %s to %s", c.state, next)
}
