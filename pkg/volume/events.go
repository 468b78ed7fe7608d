package volume

import "github.com/roost-containers/roost/pkg/events"

// event records what happened to the volume named name.
func (m *Manager) event(s events.Status, name string) {
	events.Record(m.Events, events.Event{Type: events.Volume, Status: s, Name: name})
}
