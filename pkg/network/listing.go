package network

import (
	"slices"
	"strings"
	"time"
)

// Listing is a network as `network ls` prints it; its fields are what
// --format templates use.
type Listing struct {
	ID, FullID string
	Name       string
	Driver     string
	Internal   bool
	IPv6       bool
	DNSEnabled bool
	Created    time.Time
	Interface  string
	Subnets    []Subnet
	Labels     string // KEY=VALUE,... sorted by key
}

// NewListing projects n for `network ls`.
func NewListing(n *Network) Listing {
	var kv []string
	for k, v := range n.Labels {
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return Listing{
		ID: n.ID[:12], FullID: n.ID, Name: n.Name, Driver: n.Driver, Internal: n.Internal, IPv6: n.IPv6,
		DNSEnabled: n.DNSEnabled, Created: n.Created, Interface: n.Interface, Subnets: n.Subnets,
		Labels: strings.Join(kv, ","),
	}
}

// Inspect is a network as `network inspect` and `network ls --format json`
// show it, Podman's netavark shape: the record's own fields, with labels
// always present ({} rather than absent), the IPAM driver, and without the
// leases (running state, not configuration). The outer fields hide the
// record's of the same JSON name.
type Inspect struct {
	*Network
	Labels map[string]string `json:"labels"`
	IPAM   map[string]string `json:"ipam_options"`
	Leases *struct{}         `json:"leases,omitempty"`
}

// NewInspect projects n in Podman's inspect shape.
func NewInspect(n *Network) Inspect {
	v := Inspect{Network: n, Labels: n.Labels, IPAM: map[string]string{"driver": "host-local"}}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	return v
}
