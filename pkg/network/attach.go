package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/roost-containers/roost/pkg/state"
)

// Request asks for a container on one network.
type Request struct {
	Network string   `json:"network"`
	IP      string   `json:"ip,omitempty"` // --ip
	Aliases []string `json:"aliases,omitempty"`
}

// Attachment is what a container got on one network: recorded in the
// container and shown by inspect.
type Attachment struct {
	Network   string   `json:"network"`
	NetworkID string   `json:"networkId"`
	Interface string   `json:"interface"` // inside the container: eth0, eth1...
	HostVeth  string   `json:"hostVeth"`  // its peer on the bridge
	IP        string   `json:"ip"`
	PrefixLen int      `json:"prefixLen"`
	Gateway   string   `json:"gateway"`
	MAC       string   `json:"mac"`
	Aliases   []string `json:"aliases,omitempty"`
}

// UnmarshalJSON reads a recorded request under the network's current name
// (records older than the default network's rename say "roost").
func (r *Request) UnmarshalJSON(b []byte) error {
	type plain Request
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.Network = Canonical(r.Network)
	return nil
}

// UnmarshalJSON reads a recorded attachment as Request's does.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	a.Network = Canonical(a.Network)
	return nil
}

// Member names the container being attached.
type Member struct {
	ID    string
	Name  string
	NetNS string // its own namespace file (made by the caller)
}

// Attach puts a container's namespace on each requested network: a lease, the
// bridge (made if missing), a veth pair with the peer in the container, its
// address and routes. The first network that is not internal gives the
// default route. On failure, whatever was attached is detached again.
func (m *Manager) Attach(c Member, reqs []Request) ([]Attachment, error) {
	l, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	h, err := m.ensureShared()
	if err != nil {
		_ = m.teardownIfIdle()
		return nil, err
	}
	defer h.Close()
	ch, err := handleIn(c.NetNS)
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	if err := loUp(ch); err != nil {
		return nil, err
	}
	var out []Attachment
	for i, r := range reqs {
		a, err := m.attachOne(h, ch, c, r, fmt.Sprintf("eth%d", i))
		if err != nil {
			m.detachLocked(h, c.ID, out)
			_ = m.teardownIfIdle()
			return nil, err
		}
		out = append(out, *a)
	}
	if err := m.defaultRoute(ch, out); err != nil {
		m.detachLocked(h, c.ID, out)
		_ = m.teardownIfIdle()
		return nil, err
	}
	return out, nil
}

// Connect adds one network to a running container (network connect).
func (m *Manager) Connect(c Member, r Request, existing []Attachment) (*Attachment, error) {
	l, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	for _, a := range existing {
		if a.Network == r.Network {
			return nil, fmt.Errorf("container %s is already connected to network %s", c.Name, r.Network)
		}
	}
	h, err := m.ensureShared()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	ch, err := handleIn(c.NetNS)
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	a, err := m.attachOne(h, ch, c, r, freeIface(existing))
	if err != nil {
		return nil, err
	}
	if err := m.defaultRoute(ch, append(existing, *a)); err != nil {
		m.detachLocked(h, c.ID, []Attachment{*a})
		return nil, err
	}
	return a, nil
}

func freeIface(existing []Attachment) string {
	taken := map[string]bool{}
	for _, a := range existing {
		taken[a.Interface] = true
	}
	for i := 0; ; i++ {
		if name := fmt.Sprintf("eth%d", i); !taken[name] {
			return name
		}
	}
}

// MemberAliases are the names a member has on a network besides its own:
// the user's --network-alias values and, as in Podman, its short id.
func MemberAliases(id string, aliases []string) []string {
	return append(slices.Clone(aliases), id[:12])
}

func (m *Manager) attachOne(h, ch *netlink.Handle, c Member, r Request, iface string) (*Attachment, error) {
	var n *Network
	var ip net.IP
	names := append([]string{c.Name, c.ID[:12]}, r.Aliases...)
	err := m.DB.Update(func(tx *state.Tx) (err error) {
		if n, err = m.get(tx, r.Network); err != nil {
			return err
		}
		ip, err = lease(tx, n, c.ID, r.IP, names)
		return err
	})
	if err != nil {
		return nil, err
	}
	a := &Attachment{Network: n.Name, NetworkID: n.ID, Interface: iface, IP: ip.String(),
		Gateway: n.Subnets[0].Gateway, Aliases: MemberAliases(c.ID, r.Aliases),
		HostVeth: fmt.Sprintf("veth%s%s", c.ID[:8], strings.TrimPrefix(iface, "eth"))}
	_, sn, _ := net.ParseCIDR(n.Subnets[0].Subnet)
	a.PrefixLen, _ = sn.Mask.Size()
	fail := func(err error) (*Attachment, error) {
		m.detachLocked(h, c.ID, []Attachment{*a})
		return nil, err
	}
	if err := m.ensureBridge(h, n); err != nil {
		return fail(err)
	}
	if err := plugVeth(h, ch, c.NetNS, n, a, ip, sn); err != nil {
		return fail(err)
	}
	m.writeDNS(n.Name)
	return a, nil
}

// plugVeth makes the veth pair: the host end on the bridge, the peer moved
// straight into the container's namespace, addressed and up.
func plugVeth(h, ch *netlink.Handle, netnsPath string, n *Network, a *Attachment, ip net.IP, sn *net.IPNet) error {
	br, err := h.LinkByName(n.Interface)
	if err != nil {
		return fmt.Errorf("find bridge %s: %w", n.Interface, err)
	}
	fd, err := openNS(netnsPath)
	if err != nil {
		return err
	}
	defer fd.Close()
	veth := &netlink.Veth{
		LinkAttrs: netlink.LinkAttrs{Name: a.HostVeth, MTU: MTU, MasterIndex: br.Attrs().Index},
		PeerName:  a.Interface, PeerNamespace: netlink.NsFd(int(fd.Fd())),
	}
	if err := h.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s: %w", a.HostVeth, err)
	}
	host, err := h.LinkByName(a.HostVeth)
	if err != nil {
		return fmt.Errorf("find veth %s: %w", a.HostVeth, err)
	}
	if err := h.LinkSetUp(host); err != nil {
		return fmt.Errorf("set %s up: %w", a.HostVeth, err)
	}
	peer, err := ch.LinkByName(a.Interface)
	if err != nil {
		return fmt.Errorf("find %s in the container: %w", a.Interface, err)
	}
	if err := ch.LinkSetMTU(peer, MTU); err != nil {
		return fmt.Errorf("mtu of %s: %w", a.Interface, err)
	}
	if err := ch.AddrAdd(peer, &netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: sn.Mask}}); err != nil {
		return fmt.Errorf("address %s on %s: %w", ip, a.Interface, err)
	}
	if err := ch.LinkSetUp(peer); err != nil {
		return fmt.Errorf("set %s up: %w", a.Interface, err)
	}
	a.MAC = peer.Attrs().HardwareAddr.String()
	return nil
}

// defaultRoute points the container's default route at the first network
// that has egress; a container only on internal networks has none.
func (m *Manager) defaultRoute(ch *netlink.Handle, atts []Attachment) error {
	nets := map[string]bool{}
	if all, err := m.List(); err == nil {
		for _, n := range all {
			nets[n.Name] = n.Internal
		}
	}
	for _, a := range atts {
		if nets[a.Network] {
			continue
		}
		link, err := ch.LinkByName(a.Interface)
		if err != nil {
			return fmt.Errorf("find %s: %w", a.Interface, err)
		}
		r := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.ParseIP(a.Gateway)}
		if err := ch.RouteReplace(r); err != nil {
			return fmt.Errorf("default route via %s: %w", a.Gateway, err)
		}
		return nil
	}
	return nil
}

// Detach takes a container off the given networks: its veths go, its leases
// are released and, when nothing is left on any network, the shared
// namespace and its helper go too.
func (m *Manager) Detach(containerID string, atts []Attachment) error {
	l, err := m.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	var h *netlink.Handle
	if IsNetNS(m.SharedNetNS()) {
		if h, err = handleIn(m.SharedNetNS()); err == nil {
			defer h.Close()
		}
	}
	m.detachLocked(h, containerID, atts)
	return m.release()
}

// detachLocked removes the veths (h may be nil when the namespace is gone)
// and releases the leases; errors are not fatal: the aim is nothing left.
func (m *Manager) detachLocked(h *netlink.Handle, containerID string, atts []Attachment) {
	for _, a := range atts {
		if h != nil {
			deleteVeths(h, a.HostVeth, containerID)
		}
		m.releaseLease(a.Network, containerID)
	}
}

func (m *Manager) releaseLease(network, containerID string) {
	changed := false
	_ = m.DB.Update(func(tx *state.Tx) error {
		n, err := m.get(tx, network)
		if err != nil {
			return err
		}
		if !release(n, containerID) {
			return nil
		}
		changed = true
		return put(tx, n)
	})
	if changed {
		m.writeDNS(network)
	}
}

// Sweep releases the leases of containers for which running(id) is false:
// what a killed command or monitor left behind. It tears the shared
// namespace down when that leaves nothing.
func (m *Manager) Sweep(running func(containerID string) bool) error {
	leases, err := m.Leases()
	if err != nil {
		return err
	}
	stale := map[string][]Attachment{}
	for net, ls := range leases {
		for _, l := range ls {
			if !running(l.Container) {
				stale[l.Container] = append(stale[l.Container], Attachment{Network: net})
			}
		}
	}
	if len(stale) == 0 {
		return m.sweepIdle(leases)
	}
	var errs []error
	for id, atts := range stale {
		errs = append(errs, m.Detach(id, atts))
	}
	return errors.Join(errs...)
}

// sweepIdle tears down a shared namespace that has no lease at all and no
// grace running: what a command killed between starting the helper and
// taking its lease leaves, or a grace whose reaper was killed.
func (m *Manager) sweepIdle(leases map[string]map[string]Lease) error {
	if len(leases) > 0 {
		return nil
	}
	if _, err := os.Stat(m.helperPidFile()); err != nil && !IsNetNS(m.SharedNetNS()) {
		return nil
	}
	l, err := m.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	if since, idle := m.idleSince(); idle && m.graceful() && time.Since(since) < m.IdleGrace {
		if m.reaperAlive() {
			return nil
		}
		if err := m.startReaper(); err == nil {
			return nil
		}
	}
	return m.teardownIfIdle()
}

// deleteVeths removes the named veth or, when the name is not known (a sweep
// after a kill), every veth named after the container.
func deleteVeths(h *netlink.Handle, name, containerID string) {
	if name != "" {
		if link, err := h.LinkByName(name); err == nil {
			_ = h.LinkDel(link)
		}
		return
	}
	links, _ := h.LinkList()
	for _, link := range links {
		if len(containerID) >= 8 && strings.HasPrefix(link.Attrs().Name, "veth"+containerID[:8]) {
			_ = h.LinkDel(link)
		}
	}
}
