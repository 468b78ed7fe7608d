package network

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/roost-containers/roost/pkg/state"
)

// IPAM lives in the network's record: a lease per address, written in the
// same bbolt transaction that checks it, so two commands never hand out the
// same address. Leases of containers that no longer run are swept by the
// container engine (see Manager.Sweep).

// ErrAddressInUse is --ip naming a taken address.
var ErrAddressInUse = errors.New("address already in use")

// lease gives containerID an address on n (want, if not empty) and saves.
func lease(tx *state.Tx, n *Network, containerID, want string, names []string) (net.IP, error) {
	sub := n.Subnets[0]
	_, sn, err := net.ParseCIDR(sub.Subnet)
	if err != nil {
		return nil, fmt.Errorf("network %s: bad subnet %q", n.Name, sub.Subnet)
	}
	if n.Leases == nil {
		n.Leases = map[string]Lease{}
	}
	for ip, l := range n.Leases {
		if l.Container == containerID {
			return net.ParseIP(ip), nil // already has one: a restart
		}
	}
	gw := net.ParseIP(sub.Gateway)
	if want != "" {
		ip := net.ParseIP(want).To4()
		if ip == nil || !sn.Contains(ip) || ip.Equal(sn.IP) || ip.Equal(lastAddr(sn)) || ip.Equal(gw) {
			return nil, fmt.Errorf("invalid --ip %q: give a free host address in %s other than the gateway %s", want, sn, gw)
		}
		if l, ok := n.Leases[ip.String()]; ok {
			return nil, fmt.Errorf("ip %s on network %s is used by container %.12s: %w", ip, n.Name, l.Container, ErrAddressInUse)
		}
		n.Leases[ip.String()] = Lease{Container: containerID, Names: names}
		return ip, put(tx, n)
	}
	lo, hi := firstHost(sn), prevAddr(lastAddr(sn))
	if r := sub.LeaseRange; r != nil {
		lo, hi = net.ParseIP(r.StartIP).To4(), net.ParseIP(r.EndIP).To4()
		if lo.Equal(sn.IP) {
			lo = nextAddr(lo)
		}
		if hi.Equal(lastAddr(sn)) {
			hi = prevAddr(hi)
		}
	}
	if ip := nextFree(n, lo, hi, gw); ip != nil {
		n.Leases[ip.String()] = Lease{Container: containerID, Names: names}
		n.LastLease = ip.String()
		return ip, put(tx, n)
	}
	return nil, fmt.Errorf("network %s has no free address left in %s", n.Name, sn)
}

// nextFree is the first address of lo..hi after n's last lease, wrapping
// around, that is neither the gateway nor leased; nil when all are.
func nextFree(n *Network, lo, hi, gw net.IP) net.IP {
	first, last := toInt(lo), toInt(hi)
	if first > last {
		return nil
	}
	start := first
	if prev := net.ParseIP(n.LastLease).To4(); prev != nil && toInt(prev) >= first && toInt(prev) < last {
		start = toInt(prev) + 1
	}
	size := last - first + 1
	for i := uint32(0); i < size; i++ {
		ip := fromInt(first + (start-first+i)%size)
		if ip.Equal(gw) {
			continue
		}
		if _, taken := n.Leases[ip.String()]; !taken {
			return ip
		}
	}
	return nil
}

// release frees every lease of containerID on n; it reports whether any was held.
func release(n *Network, containerID string) bool {
	found := false
	for ip, l := range n.Leases {
		if l.Container == containerID {
			delete(n.Leases, ip)
			found = true
		}
	}
	return found
}

// Leases lists every lease on every network: network name -> ip -> lease.
func (m *Manager) Leases() (map[string]map[string]Lease, error) {
	out := map[string]map[string]Lease{}
	err := m.DB.View(func(tx *state.Tx) error {
		nets, err := m.all(tx)
		for _, n := range nets {
			if len(n.Leases) > 0 {
				out[n.Name] = n.Leases
			}
		}
		return err
	})
	return out, err
}

func toInt(ip net.IP) uint32 { return binary.BigEndian.Uint32(ip.To4()) }

func fromInt(v uint32) net.IP {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, v)
	return ip
}

func firstHost(sn *net.IPNet) net.IP { return fromInt(toInt(sn.IP) + 1) }
func nextAddr(ip net.IP) net.IP      { return fromInt(toInt(ip) + 1) }
func prevAddr(ip net.IP) net.IP      { return fromInt(toInt(ip) - 1) }

func lastAddr(sn *net.IPNet) net.IP {
	return fromInt(toInt(sn.IP) | ^binary.BigEndian.Uint32(net.IP(sn.Mask).To4()))
}
