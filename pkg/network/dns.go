package network

import (
	"slices"
	"sort"

	"github.com/roost-containers/roost/pkg/network/dns"
	"github.com/roost-containers/roost/slirp"
)

// Name resolution on Roost's networks. A network with DNS enabled (every
// user network; not the default `roost`, as Podman's default `podman` has
// it off) is served by the DNS responder (pkg/network/dns): one process per
// user, in the shared namespace, listening on each such network's gateway.
// The records it serves are written here, from the leases, at every start,
// stop, connect and disconnect of a member: dns.WriteRecords is the one
// writer of the file the responder reads.

// PastaDNS is where the shared namespace's pasta forwards DNS queries to the
// host's resolver (pasta --dns-forward), so that a resolver on the host's
// loopback (systemd-resolved's 127.0.0.53) still answers from inside.
const PastaDNS = "169.254.1.1"

// writeDNS rewrites a network's records from its leases and makes sure the
// responder runs; with no member left the file goes and the responder, seeing
// no names anywhere, ends itself. DNS is a convenience: a failure here never
// fails a container start (the responder logs to RunDir/network/dns.log).
func (m *Manager) writeDNS(network string) {
	n, err := m.Get(network)
	if err != nil || !n.DNSEnabled || len(n.Leases) == 0 {
		_ = dns.RemoveRecords(m.RunDir, network)
		return
	}
	r := dns.Records{Gateway: n.Subnets[0].Gateway, Names: map[string][]string{}}
	for ip, l := range n.Leases {
		for _, name := range l.Names {
			if !slices.Contains(r.Names[name], ip) { // a name may be given twice (name and alias)
				r.Names[name] = append(r.Names[name], ip)
			}
		}
	}
	for _, ips := range r.Names {
		sort.Strings(ips)
	}
	if dns.WriteRecords(m.RunDir, network, r) != nil {
		return
	}
	_ = dns.EnsureWith(m.RunDir, dns.Options{EgressDNS: m.egressDNS(), EgressOnly: m.backend() == slirp.Pasta})
}

// egressDNS is the resolver of the shared namespace's helper, which the
// responder asks in place of a host nameserver on loopback.
func (m *Manager) egressDNS() string {
	if m.backend() == slirp.Pasta {
		return PastaDNS
	}
	return slirp.SlirpDNS
}

// DNSDomain is the search domain of names the networks' responders answer.
const DNSDomain = dns.Domain

// Nameservers is what a container on the bridges gets in /etc/resolv.conf
// when no --dns is given: the gateway of each of its networks that has DNS
// (the responder answers members there and forwards the rest upstream), else
// the resolver of the shared namespace's helper, which relays to the host's
// own (slirp4netns's 10.0.2.3, pasta's --dns-forward address).
func (m *Manager) Nameservers(a []Attachment) []string {
	var out []string
	for _, x := range a {
		if n, err := m.Get(x.Network); err == nil && n.DNSEnabled {
			out = append(out, x.Gateway)
		}
	}
	if len(out) > 0 {
		return out
	}
	return []string{m.egressDNS()}
}
