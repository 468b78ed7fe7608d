package main

import "github.com/roost-containers/roost/pkg/events"

// event records what the monitor saw happen to its container: it alone is
// there when the container is made and started in the runtime, and when it
// dies with no roost command running. code is a died event's exit code.
func (m *mon) event(s events.Status, code int) {
	ev := m.cfg.Event
	ev.Status, ev.ContainerExitCode = s, code
	m.record(ev)
}

// healthEvent records a health check's verdict.
func (m *mon) healthEvent(status string) {
	ev := m.cfg.Event
	ev.Status, ev.HealthStatus = events.HealthStatus, status
	m.record(ev)
}

func (m *mon) record(ev events.Event) {
	if ev.ID == "" {
		return // a config written by an older roost: no events
	}
	o := m.cfg.Events
	o.OnError = func(err error) { logf("%v", err) }
	events.Record(o, ev)
}
