package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	dockernet "github.com/moby/moby/api/types/network"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
)

// What Docker clients see of Roost's networks. Docker always lists three
// networks, bridge, host and none, and its clients rely on them:
// testcontainers looks the bridge network up by name, scripts inspect
// bridge for the gateway, `--network host|none` appear in inspect. So the
// API shows Roost's default network (Podman's name "podman"; "bridge" is
// already one of its names) as bridge, and host and none as networks of
// the drivers host and null, with stable ids, that cannot be created,
// removed, connected or disconnected, as in Docker.

// Docker's names of the networks that always exist.
const dockerDefaultName = "bridge"

// netView is one network as Docker shows it.
type netView struct {
	// rec is the record with Docker's name and driver: the default network
	// named bridge; host and none made up (never saved).
	rec *network.Network
	// n is Roost's own record (nil for host and none).
	n *network.Network
	// mode is "host" or "none" for those two networks, "" for Roost's.
	mode    string
	members []container.Container // the running containers on it
}

func (v *netView) name() string { return v.rec.Name }

// builtin: Docker's predefined networks, which filters call type=builtin
// and which cannot be removed.
func (v *netView) builtin() bool { return v.mode != "" || network.IsDefault(v.n.Name) }

// modeNetworks are the pseudo-networks of the special network modes.
var modeNetworks = []struct{ mode, driver string }{
	{container.NetHost, "host"},
	{container.NetNone, "null"},
}

// modeID is a stable id for host or none: derived from the name, as the
// default network's is, so that it is the same in every answer.
func modeID(mode string) string {
	sum := sha256.Sum256([]byte("roost-network-" + mode))
	return hex.EncodeToString(sum[:])
}

// networkViews is every network as Docker lists them.
func (s *Server) networkViews(ctx context.Context) ([]*netView, error) {
	nets, err := s.eng.Networks().List()
	if err != nil {
		return nil, err
	}
	running, err := s.runningContainers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*netView
	var created *network.Network
	for _, n := range nets {
		out = append(out, roostView(n, running))
		if n.Name == network.DefaultName {
			created = n
		}
	}
	for _, m := range modeNetworks {
		out = append(out, modeView(m.mode, m.driver, created, running))
	}
	// By the name shown, as `roost network ls` sorts by Roost's names.
	slices.SortFunc(out, func(a, b *netView) int { return strings.Compare(a.name(), b.name()) })
	return out, nil
}

// findNetwork resolves a network reference as Docker does: a name
// (bridge, host and none included) or an id or a prefix of one.
func (s *Server) findNetwork(ctx context.Context, ref string) (*netView, error) {
	if ref == "" {
		return nil, notFound(errors.New("network not found: give a network name or id"))
	}
	mgr := s.eng.Networks()
	n, err := mgr.Get(ref)
	mode := ""
	if errors.Is(err, network.ErrNotFound) {
		for _, m := range modeNetworks {
			if ref == m.mode || strings.HasPrefix(modeID(m.mode), ref) {
				mode, err = m.mode, nil
			}
		}
	}
	if err != nil {
		return nil, err
	}
	running, err := s.runningContainers(ctx)
	if err != nil {
		return nil, err
	}
	if mode == "" {
		return roostView(n, running), nil
	}
	def, err := mgr.Get(network.DefaultName)
	if err != nil {
		return nil, err
	}
	for _, m := range modeNetworks {
		if m.mode == mode {
			return modeView(m.mode, m.driver, def, running), nil
		}
	}
	return nil, fmt.Errorf("network mode %s has no view", mode)
}

// runningContainers are the containers that run now: only they have
// addresses, and only they are a network's members in Docker's inspect.
func (s *Server) runningContainers(ctx context.Context) ([]container.Container, error) {
	ce, err := s.eng.Containers()
	if err != nil {
		return nil, err
	}
	return ce.List(ctx, container.ListOptions{})
}

func roostView(n *network.Network, running []container.Container) *netView {
	rec := *n
	if network.IsDefault(n.Name) {
		rec.Name = dockerDefaultName
	}
	v := &netView{rec: &rec, n: n}
	for _, c := range running {
		if c.Net.Mode != container.NetBridge {
			continue
		}
		for _, a := range c.Net.Attached {
			if a.Network == n.Name {
				v.members = append(v.members, c)
				break
			}
		}
	}
	return v
}

func modeView(mode, driver string, def *network.Network, running []container.Container) *netView {
	rec := &network.Network{Name: mode, ID: modeID(mode), Driver: driver}
	if def != nil {
		rec.Created = def.Created // they exist as long as the default one
	}
	v := &netView{rec: rec, mode: mode}
	for _, c := range running {
		if c.Net.Mode == mode {
			v.members = append(v.members, c)
		}
	}
	return v
}

// summary is the network as GET /networks lists it.
func (v *netView) summary() dockernet.Network {
	n := v.rec
	labels := n.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return dockernet.Network{
		Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
		EnableIPv4: v.mode == "", EnableIPv6: n.IPv6, IPAM: v.ipam(), Internal: n.Internal,
		// Options are what create was given, and Roost's bridge takes none.
		// Showing settings here (the bridge's name, the MTU) would make
		// docker-compose believe the network changed and must be recreated.
		Options: map[string]string{},
		Labels:  labels,
	}
}

// ipam is the network's address configuration in Docker's shape.
func (v *netView) ipam() dockernet.IPAM {
	ipam := dockernet.IPAM{Driver: "default", Options: map[string]string{}}
	if v.mode != "" {
		return ipam
	}
	for _, sn := range v.n.Subnets {
		var c dockernet.IPAMConfig
		c.Subnet, _ = netip.ParsePrefix(sn.Subnet)
		c.Gateway, _ = netip.ParseAddr(sn.Gateway)
		if r := sn.LeaseRange; r != nil {
			c.IPRange = rangePrefix(r.StartIP, r.EndIP)
		}
		ipam.Config = append(ipam.Config, c)
	}
	return ipam
}

// rangePrefix is the CIDR of a lease range (made from --ip-range, so it is
// one); the zero Prefix if it is not.
func rangePrefix(start, end string) netip.Prefix {
	s, err1 := netip.ParseAddr(start)
	e, err2 := netip.ParseAddr(end)
	if err1 != nil || err2 != nil {
		return netip.Prefix{}
	}
	for bits := s.BitLen(); bits >= 0; bits-- {
		p := netip.PrefixFrom(s, bits).Masked()
		if p.Addr() == s && lastOf(p) == e {
			return p
		}
	}
	return netip.Prefix{}
}

// lastOf is the highest address of p.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		keep := max(0, min(8, p.Bits()-8*i))
		b[i] |= byte(0xff >> keep)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// inspect is the network as GET /networks/{id} shows it, with its running
// members.
func (v *netView) inspect() dockernet.Inspect {
	out := dockernet.Inspect{Network: v.summary(), Containers: map[string]dockernet.EndpointResource{}}
	for _, c := range v.members {
		ep := dockernet.EndpointResource{Name: c.Name, EndpointID: endpointID(c.ID, v.rec.ID)}
		if v.mode == "" {
			i := slices.IndexFunc(c.Net.Attached, func(a network.Attachment) bool { return a.Network == v.n.Name })
			a := c.Net.Attached[i]
			if mac, err := net.ParseMAC(a.MAC); err == nil {
				ep.MacAddress = dockernet.HardwareAddr(mac)
			}
			if ip, err := netip.ParseAddr(a.IP); err == nil {
				ep.IPv4Address = netip.PrefixFrom(ip, a.PrefixLen)
			}
		}
		out.Containers[c.ID] = ep
	}
	return out
}

// endpointID names a container's place on a network; Roost keeps no
// endpoint records, so it is derived from the two ids and stays the same
// for as long as the container is connected.
func endpointID(containerID, networkID string) string {
	sum := sha256.Sum256([]byte(containerID + "/" + networkID))
	return hex.EncodeToString(sum[:])
}

// networkListFilter turns GET /networks's filters into one test: Docker's
// keys, with name, id, label and driver matched as `roost network ls`
// matches them.
func networkListFilter(f filterArgs) (func(*netView) bool, error) {
	if err := f.only("driver", "id", "label", "label!", "name", "scope", "type", "dangling"); err != nil {
		return nil, err
	}
	common := filterArgs{}
	for _, k := range []string{"driver", "id", "label", "label!", "name"} {
		if len(f[k]) > 0 {
			common[k] = f[k]
		}
	}
	match, err := network.ParseFilter(common.podmanStyle(), network.ListFilterKeys)
	if err != nil {
		return nil, badRequest(err)
	}
	tests := []func(*netView) bool{func(v *netView) bool { return match.Match(v.rec) }}
	for _, k := range []string{"type", "scope", "dangling"} {
		if len(f[k]) == 0 {
			continue
		}
		t, err := networkKeyTest(k, f[k])
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
	}
	return func(v *netView) bool {
		for _, t := range tests {
			if !t(v) {
				return false
			}
		}
		return true
	}, nil
}

// networkKeyTest is one of Docker's own network filter keys; its values
// are alternatives.
func networkKeyTest(key string, values []string) (func(*netView) bool, error) {
	var alts []func(*netView) bool
	for _, val := range values {
		var t func(*netView) bool
		switch key + "=" + val {
		case "type=builtin":
			t = func(v *netView) bool { return v.builtin() }
		case "type=custom":
			t = func(v *netView) bool { return !v.builtin() }
		case "scope=local":
			t = func(*netView) bool { return true }
		case "scope=swarm", "scope=global":
			t = func(*netView) bool { return false }
		case "dangling=true", "dangling=1":
			t = func(v *netView) bool { return !v.builtin() && len(v.members) == 0 }
		case "dangling=false", "dangling=0":
			t = func(v *netView) bool { return v.builtin() || len(v.members) > 0 }
		default:
			return nil, badRequest(fmt.Errorf("invalid filter: '%s'='%s'", key, val))
		}
		alts = append(alts, t)
	}
	return func(v *netView) bool {
		for _, t := range alts {
			if t(v) {
				return true
			}
		}
		return false
	}, nil
}

// createOptions checks a create request against what Roost's networks are
// (local bridges with one IPv4 subnet) and turns it into the engine's
// options. Swarm's features and IPv6 pools are refused by name rather than
// dropped, so a client never believes it got what it did not.
func createOptions(req dockernet.CreateRequest) (network.CreateOptions, error) {
	o := network.CreateOptions{Name: req.Name, Driver: req.Driver, Internal: req.Internal,
		Labels: req.Labels, Options: req.Options}
	if req.Name == "" {
		return o, badRequest(errors.New("invalid network create request: Name is required"))
	}
	if req.Scope != "" && req.Scope != "local" {
		return o, badRequest(fmt.Errorf("invalid scope %q: Roost's networks are local", req.Scope))
	}
	if req.Ingress || req.ConfigOnly || req.ConfigFrom != nil {
		return o, badRequest(errors.New("ingress and config-only networks are swarm features, which Roost does not have"))
	}
	if req.EnableIPv4 != nil && !*req.EnableIPv4 {
		return o, badRequest(errors.New("EnableIPv4=false is not supported: Roost's networks are IPv4 networks"))
	}
	if req.EnableIPv6 != nil {
		o.IPv6 = *req.EnableIPv6
	}
	if req.IPAM == nil {
		return o, nil
	}
	if d := req.IPAM.Driver; d != "" && d != "default" {
		return o, badRequest(fmt.Errorf("unsupported IPAM driver %q: Roost has the default one", d))
	}
	if len(req.IPAM.Options) > 0 {
		return o, badRequest(errors.New("IPAM options are not supported by Roost's default IPAM driver"))
	}
	for _, c := range req.IPAM.Config {
		if err := addPool(&o, c); err != nil {
			return o, err
		}
	}
	return o, nil
}

// addPool takes one IPAM pool: Roost's networks have one IPv4 subnet.
func addPool(o *network.CreateOptions, c dockernet.IPAMConfig) error {
	switch {
	case !c.Subnet.IsValid():
		if c.Gateway.IsValid() || c.IPRange.IsValid() {
			return badRequest(errors.New("invalid IPAM config: Gateway and IPRange need a Subnet"))
		}
		return nil // an empty pool: Roost chooses the subnet
	case !c.Subnet.Addr().Is4():
		return badRequest(fmt.Errorf("invalid IPAM subnet %s: Roost's networks have IPv4 subnets only", c.Subnet))
	case o.Subnet != "":
		return badRequest(errors.New("invalid IPAM config: Roost's networks have one IPv4 subnet, give one pool"))
	case len(c.AuxAddress) > 0:
		return badRequest(errors.New("invalid IPAM config: AuxiliaryAddresses are not supported"))
	}
	o.Subnet = c.Subnet.String()
	if c.Gateway.IsValid() {
		o.Gateway = c.Gateway.String()
	}
	if c.IPRange.IsValid() {
		o.IPRange = c.IPRange.String()
	}
	return nil
}
