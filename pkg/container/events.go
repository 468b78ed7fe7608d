package container

import "github.com/roost-containers/roost/pkg/events"

// event records what happened to c (one line at each place an action
// succeeds); it never fails the action.
func (e *Engine) event(c *Container, s events.Status) {
	events.Record(e.Cfg.Events, ContainerEvent(c, s))
}

// ContainerEvent is the event about c with Podman's details: its image's
// name, its labels as attributes, its pod.
func ContainerEvent(c *Container, s events.Status) events.Event {
	ev := events.Event{Type: events.Container, Status: s, ID: c.ID, Name: c.Name,
		Image: c.ImageName, Attributes: c.Labels}
	if c.Pod != nil {
		ev.PodID = c.Pod.ID
	}
	return ev
}

// execDied records the end of an attached exec session with its exit code.
func (e *Engine) execDied(c *Container, code int) {
	ev := ContainerEvent(c, events.ExecDied)
	ev.ContainerExitCode = code
	events.Record(e.Cfg.Events, ev)
}

// healthEvent records a health check's verdict.
func (e *Engine) healthEvent(c *Container, status string) {
	ev := ContainerEvent(c, events.HealthStatus)
	ev.HealthStatus = status
	events.Record(e.Cfg.Events, ev)
}

// netEvent records a container joining or leaving a network: Podman's
// network event names the container by id and name, and the network.
func (e *Engine) netEvent(c *Container, s events.Status, network string) {
	events.Record(e.Cfg.Events, events.Event{Type: events.Network, Status: s, ID: c.ID, Name: c.Name, Network: network})
}
