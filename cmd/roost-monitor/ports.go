package main

import (
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
	return portfwd.Listen(cfg.NetNS, cfg.Ports)
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
