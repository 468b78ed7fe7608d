package pods

import "github.com/roost-containers/roost/pkg/events"

// recorded records the pod event s when err (the action's outcome) is nil,
// and returns err: `return p, m.recorded(p, events.Start, err)`.
func (m *Manager) recorded(p *Pod, s events.Status, err error) error {
	if err == nil {
		events.Record(m.Eng.Cfg.Events, events.Event{Type: events.Pod, Status: s, ID: p.ID, Name: p.Name})
	}
	return err
}
