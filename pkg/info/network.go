package info

import "github.com/roost-containers/roost/pkg/network"

// Network is what `roost info` says about networking.
type Network struct {
	Backend   string `json:"backend"`   // the shared namespace's egress helper: slirp4netns or pasta
	Namespace string `json:"namespace"` // the shared namespace's file
	// NamespaceActive: the shared namespace exists (some container runs on a
	// network, or the last one left less than idle_grace ago).
	NamespaceActive bool `json:"namespaceActive"`
	// EgressUp: its helper runs. False while the namespace is active means
	// egress is down (the helper was killed): the next container start or
	// `roost network reload --all` restores it.
	EgressUp  bool `json:"egressUp"`
	HelperPid int  `json:"helperPid,omitempty"`
	// SourceAddressKept lists the --network modes in which a server in the
	// container sees the client's real address on published ports.
	SourceAddressKept []string `json:"sourceAddressKept"`
}

// NetworkReport describes the user's networking.
func NetworkReport(m *network.Manager) Network {
	e := m.EgressStatus()
	return Network{
		Backend: e.Backend, Namespace: m.SharedNetNS(), NamespaceActive: e.Namespace,
		EgressUp: e.Up, HelperPid: e.Pid,
		// The monitor's forwarder dials from inside the container's namespace
		// (source 127.0.0.1); pasta's own forwarding keeps the client's address.
		SourceAddressKept: []string{"pasta", "host"},
	}
}
