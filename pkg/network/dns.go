package network

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"

	"github.com/roost-containers/roost/pkg/monitor"
)

// The DNS responder (pkg/network/dns, another change) serves, per network,
// the names of its running members. Roost hands it a records file per network,
// rewritten at every start and stop of a member:
//
//	RunDir/network/dns/<network>.json
//	{"gateway":"10.89.0.1","names":{"web":["10.89.0.2"],"web-alias":["10.89.0.2"]}}

// Records is one network's DNS records file.
type Records struct {
	Gateway string              `json:"gateway"`
	Names   map[string][]string `json:"names"`
}

// RecordsPath is where a network's records live.
func (m *Manager) RecordsPath(network string) string {
	return filepath.Join(m.RunDir, "network", "dns", network+".json")
}

// writeDNS rewrites a network's records from its leases and tells the
// responder; with no member left the file goes and the responder is told to
// stop. DNS is a convenience: a failure here never fails a container start.
func (m *Manager) writeDNS(network string) {
	n, err := m.Get(network)
	if err != nil {
		return
	}
	path := m.RecordsPath(network)
	if len(n.Leases) == 0 {
		_ = os.Remove(path)
		stopDNS(m, network)
		return
	}
	r := Records{Gateway: n.Subnets[0].Gateway, Names: map[string][]string{}}
	for ip, l := range n.Leases {
		for _, name := range l.Names {
			r.Names[name] = append(r.Names[name], ip)
		}
	}
	for _, ips := range r.Names {
		sort.Strings(ips)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil || monitor.WriteFileAtomic(path, b) != nil {
		return
	}
	if n.DNSEnabled {
		startDNS(m, network)
	}
}

// startDNS makes sure the network's DNS responder runs and has re-read its
// records. A no-op until the responder (pkg/network/dns) is merged: it will
// call dns.Ensure(m.SharedNetNS(), m.RecordsPath(network)).
func startDNS(m *Manager, network string) {}

// stopDNS ends the network's responder once it has no member. A no-op until
// the responder is merged.
func stopDNS(m *Manager, network string) {}

// Nameservers is what a container on the bridges gets in /etc/resolv.conf
// when no --dns is given. Until the DNS responder listens on each network's
// gateway, it is an upstream that works from the shared namespace:
// slirp4netns's forwarder, or with pasta the host's own resolvers (pasta
// translates the namespace's traffic into the host's sockets). When the
// responder is merged this returns the network's gateway.
func (m *Manager) Nameservers(a []Attachment, hostResolvers []string) []string {
	if m.backend() == "pasta" {
		return hostResolvers
	}
	return []string{"10.0.2.3"}
}
