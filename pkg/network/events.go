package network

import "github.com/roost-containers/roost/pkg/events"

// event records what happened to network n.
func (m *Manager) event(s events.Status, n *Network) {
	events.Record(m.Events, events.Event{Type: events.Network, Status: s, ID: n.ID, Name: n.Name, Network: n.Name})
}
