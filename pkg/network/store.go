package network

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"time"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/state"
)

// ErrNotFound and ErrInUse are the errors users meet most.
var (
	ErrNotFound = state.ErrNotFound
	ErrInUse    = errors.New("network is in use")
	ErrExists   = errors.New("network already exists")
	// ErrInvalid: the options ask for what Roost cannot make (a bad name,
	// subnet or gateway, an unknown driver or option); the message says
	// which. The API socket answers it with 400 rather than 500.
	ErrInvalid = errors.New("invalid network options")
)

// invalidError keeps a validation message as it reads and makes it
// ErrInvalid to errors.Is.
type invalidError struct{ error }

func (invalidError) Unwrap() error { return ErrInvalid }

func invalid(err error) error { return invalidError{err} }

// CreateOptions are `network create`'s flags.
type CreateOptions struct {
	Name     string
	Driver   string
	Subnet   string
	Gateway  string
	IPRange  string
	Internal bool
	IPv6     bool
	// DisableDNS: members get no names from the network's DNS responder and
	// resolve through the egress helper, as on the default network.
	DisableDNS bool
	Labels     map[string]string
	// Options are driver options (-o KEY=VALUE); Roost's bridge takes none
	// yet, so any is refused rather than silently ignored.
	Options map[string]string
}

// get reads a network by name or id inside tx; the default network exists
// even before it was first saved.
func (m *Manager) get(tx *state.Tx, ref string) (*Network, error) {
	if IsDefault(ref) {
		return m.getDefault(tx)
	}
	id, err := tx.Lookup(state.Networks, ref)
	if err != nil {
		if ref == defaultID {
			return m.getDefault(tx)
		}
		return nil, notFoundError(ref)
	}
	if id == defaultID {
		return m.getDefault(tx)
	}
	var n Network
	if err := tx.Get(state.Networks, id, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// getDefault reads the default network's record, under its current name
// even when it was saved under Roost's earlier one.
func (m *Manager) getDefault(tx *state.Tx) (*Network, error) {
	var n Network
	if err := tx.Get(state.Networks, defaultID, &n); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return m.defaultNetwork(), nil
		}
		return nil, err
	}
	n.Name = DefaultName
	if len(n.Leases) == 0 { // a changed default_subnet applies once it is free
		n.Subnets = []Subnet{m.defaultSubnet()}
	}
	return &n, nil
}

func put(tx *state.Tx, n *Network) error { return tx.Put(state.Networks, n.ID, n.Name, n) }

// all lists every network sorted by name, as Podman does.
func (m *Manager) all(tx *state.Tx) ([]*Network, error) {
	list, err := state.List[Network](tx, state.Networks)
	if err != nil {
		return nil, err
	}
	out := []*Network{}
	hasDefault := false
	for i := range list {
		if list[i].ID == defaultID {
			hasDefault = true
			list[i].Name = DefaultName
			if len(list[i].Leases) == 0 {
				list[i].Subnets = []Subnet{m.defaultSubnet()}
			}
		}
		out = append(out, &list[i])
	}
	if !hasDefault {
		out = append(out, m.defaultNetwork())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get returns one network.
func (m *Manager) Get(ref string) (*Network, error) {
	var n *Network
	err := m.DB.View(func(tx *state.Tx) (err error) {
		n, err = m.get(tx, ref)
		return err
	})
	return n, err
}

// List returns every network, sorted by name.
func (m *Manager) List() ([]*Network, error) {
	var out []*Network
	err := m.DB.View(func(tx *state.Tx) (err error) {
		out, err = m.all(tx)
		return err
	})
	return out, err
}

// Create records a new network; its bridge appears when a member starts.
func (m *Manager) Create(o CreateOptions) (*Network, error) {
	if err := ValidName(o.Name); err != nil {
		return nil, invalid(err)
	}
	if IsDefault(o.Name) {
		return nil, fmt.Errorf("network name %s is taken: it names the default network (%s); choose another: %w", o.Name, DefaultName, ErrExists)
	}
	if o.Driver != "" && o.Driver != "bridge" {
		return nil, invalid(fmt.Errorf("unsupported network driver %q: Roost supports bridge", o.Driver))
	}
	if len(o.Options) > 0 {
		keys := slices.Sorted(maps.Keys(o.Options))
		return nil, invalid(fmt.Errorf("unsupported bridge network option %q: Roost's bridge driver takes no -o options", keys[0]))
	}
	if o.Gateway != "" && o.Subnet == "" {
		return nil, invalid(errors.New("--gateway needs --subnet"))
	}
	if o.IPRange != "" && o.Subnet == "" {
		return nil, invalid(errors.New("--ip-range needs --subnet"))
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	n := &Network{Name: o.Name, ID: id, Driver: "bridge", Created: time.Now().UTC(),
		Internal: o.Internal, IPv6: o.IPv6, DNSEnabled: !o.DisableDNS, Labels: o.Labels}
	err = m.DB.Update(func(tx *state.Tx) error {
		nets, err := m.all(tx)
		if err != nil {
			return err
		}
		for _, x := range nets {
			if x.Name == o.Name {
				return fmt.Errorf("network name %s already used: choose another name or remove it first: %w", o.Name, ErrExists)
			}
		}
		sn, err := chooseSubnet(o, nets)
		if err != nil {
			return invalid(err)
		}
		n.Subnets = []Subnet{sn}
		n.Interface = chooseBridge(nets)
		return put(tx, n)
	})
	if err != nil {
		return nil, err
	}
	m.event(events.Create, n)
	return n, nil
}

// chooseSubnet checks the user's --subnet/--gateway/--ip-range or picks the
// first free 10.89.N.0/24, as Podman does.
func chooseSubnet(o CreateOptions, nets []*Network) (Subnet, error) {
	var used []*net.IPNet
	for _, x := range nets {
		for _, s := range x.Subnets {
			if _, sn, err := net.ParseCIDR(s.Subnet); err == nil {
				used = append(used, sn)
			}
		}
	}
	if o.Subnet == "" {
		for i := 0; i < 256; i++ {
			_, sn, _ := net.ParseCIDR(fmt.Sprintf("10.89.%d.0/24", i))
			if !overlapsAny(sn, used) {
				return Subnet{Subnet: sn.String(), Gateway: firstHost(sn).String()}, nil
			}
		}
		return Subnet{}, errors.New("no free subnet left in 10.89.0.0/16: give one with --subnet")
	}
	_, sn, err := net.ParseCIDR(o.Subnet)
	if err != nil || sn.IP.To4() == nil {
		return Subnet{}, fmt.Errorf("invalid --subnet %q: give an IPv4 CIDR such as 10.90.0.0/24", o.Subnet)
	}
	if ones, _ := sn.Mask.Size(); ones > 30 {
		return Subnet{}, fmt.Errorf("invalid --subnet %q: it must hold at least two addresses (/30 or larger)", o.Subnet)
	}
	if overlapsAny(sn, used) {
		return Subnet{}, fmt.Errorf("subnet %s overlaps with another network's: choose another --subnet", sn)
	}
	s := Subnet{Subnet: sn.String(), Gateway: firstHost(sn).String()}
	if o.Gateway != "" {
		gw := net.ParseIP(o.Gateway).To4()
		if gw == nil || !sn.Contains(gw) || gw.Equal(sn.IP) || gw.Equal(lastAddr(sn)) {
			return Subnet{}, fmt.Errorf("invalid --gateway %q: give a host address inside %s", o.Gateway, sn)
		}
		s.Gateway = gw.String()
	}
	if o.IPRange != "" {
		_, r, err := net.ParseCIDR(o.IPRange)
		if err != nil || !sn.Contains(r.IP) || !sn.Contains(lastAddr(r)) {
			return Subnet{}, fmt.Errorf("invalid --ip-range %q: give a CIDR inside %s", o.IPRange, sn)
		}
		s.LeaseRange = &LeaseRange{StartIP: r.IP.String(), EndIP: lastAddr(r).String()}
	}
	return s, nil
}

func overlapsAny(sn *net.IPNet, used []*net.IPNet) bool {
	for _, u := range used {
		if u.Contains(sn.IP) || sn.Contains(u.IP) {
			return true
		}
	}
	return false
}

// chooseBridge names the bridge of a new network: roost1, roost2, ...
func chooseBridge(nets []*Network) string {
	taken := map[string]bool{}
	for _, x := range nets {
		taken[x.Interface] = true
	}
	for i := 1; ; i++ {
		if name := fmt.Sprintf("roost%d", i); !taken[name] {
			return name
		}
	}
}

// Remove deletes a network's record; it must have no member unless the
// caller removed them (force). The default network cannot be removed.
func (m *Manager) Remove(ref string) (*Network, error) {
	var n *Network
	err := m.DB.Update(func(tx *state.Tx) (err error) {
		if n, err = m.get(tx, ref); err != nil {
			return err
		}
		if n.ID == defaultID {
			return fmt.Errorf("default network %s cannot be removed", ref)
		}
		if len(n.Leases) > 0 {
			return fmt.Errorf("network %s has running containers: stop them, disconnect them, or use --force: %w", n.Name, ErrInUse)
		}
		return tx.Delete(state.Networks, n.ID)
	})
	if err != nil {
		return nil, err
	}
	_ = m.removeBridge(n)
	m.event(events.Remove, n)
	return n, nil
}

// notFoundError is a missing network in Podman's words, which scripts match;
// errors.Is(err, ErrNotFound) holds.
type notFoundError string

func (e notFoundError) Error() string {
	return "unable to find network with name or ID " + string(e) + ": network not found"
}

func (notFoundError) Unwrap() error { return ErrNotFound }
