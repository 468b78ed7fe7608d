package container

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/slirp/portfwd"
)

// Network modes (--network).
const (
	NetBridge    = "bridge"      // on one or more of Roost's networks
	NetNone      = "none"        // only lo
	NetHost      = "host"        // the host's network
	NetPrivate   = "private"     // a new empty namespace, as none
	NetContainer = "container"   // another container's namespace
	NetPath      = "ns"          // a namespace file
	NetSlirp     = "slirp4netns" // own namespace, own slirp4netns
	NetPasta     = "pasta"       // own namespace, own pasta
)

// NetOptions are a container's network settings and, while it runs, what it got.
type NetOptions struct {
	Mode string `json:"mode,omitempty"`
	// Target is container:'s container id, ns:'s path, or the helper's options.
	Target     string            `json:"target,omitempty"`
	Networks   []network.Request `json:"networks,omitempty"`
	DNS        []string          `json:"dns,omitempty"`
	DNSSearch  []string          `json:"dnsSearch,omitempty"`
	DNSOptions []string          `json:"dnsOptions,omitempty"`
	AddHosts   []string          `json:"addHosts,omitempty"` // host:ip
	NoHosts    bool              `json:"noHosts,omitempty"`
	// Attached and HostAddr are set while the container runs.
	Attached []network.Attachment `json:"attached,omitempty"`
	HostAddr string               `json:"hostAddr,omitempty"` // host.containers.internal
}

// ownNetNS: the modes in which Roost makes the container's namespace file.
func (o NetOptions) ownNetNS() bool {
	return o.Mode == NetBridge || o.Mode == NetSlirp || o.Mode == NetPasta
}

// checkNet validates the options at create time, so bad input leaves nothing.
func (e *Engine) checkNet(o *CreateOptions) error {
	n := &o.Net
	if n.Mode == "" {
		n.Mode = NetNone
	}
	switch n.Mode {
	case NetBridge:
		seen := map[string]bool{}
		for i, r := range n.Networks {
			nw, err := e.Networks.Get(r.Network)
			if err != nil {
				return err
			}
			n.Networks[i].Network = nw.Name
			if seen[nw.Name] {
				return fmt.Errorf("network %s is given twice", nw.Name)
			}
			seen[nw.Name] = true
		}
	case NetContainer:
		other, err := e.Get(n.Target)
		if err != nil {
			return fmt.Errorf("--network container:%s: %w", n.Target, err)
		}
		n.Target = other.ID
		// The namespace's owner cannot go first (rm refuses, --depend
		// removes this one before it), as in Podman.
		if !slices.Contains(o.DependsOn, other.ID) {
			o.DependsOn = append(o.DependsOn, other.ID)
		}
	}
	if len(o.Ports) > 0 || o.PublishAll {
		if !n.ownNetNS() {
			return fmt.Errorf("published ports need a network of Roost's own: they cannot be used with --network %s", n.Mode)
		}
	}
	for _, h := range n.AddHosts {
		if name, ip, ok := strings.Cut(h, ":"); !ok || name == "" || ip == "" {
			return fmt.Errorf("invalid --add-host %q: use HOST:IP", h)
		}
	}
	var err error
	// A busy or privileged port is found at start, as in Podman: `run`
	// then fails as a start does and keeps the container (or removes it
	// with --rm).
	o.Ports, err = completePorts(o.Ports, o.PublishAll, o.Spec.Image.ExposedPorts)
	return err
}

// specNetwork is the spec's network namespace for the container's mode.
func (e *Engine) specNetwork(c *Container) (string, error) {
	switch c.Net.Mode {
	case "":
		return c.Spec.Namespaces.Network, nil // a record from before networking
	case NetBridge, NetSlirp, NetPasta:
		return "path:" + e.Networks.ContainerNetNS(c.ID), nil
	case NetPath:
		return "path:" + c.Net.Target, nil
	case NetContainer:
		other, err := e.get(c.Net.Target)
		if err != nil {
			return "", fmt.Errorf("--network container:%.12s: the container is gone: %w", c.Net.Target, err)
		}
		if other.Net.ownNetNS() {
			return "path:" + e.Networks.ContainerNetNS(other.ID), nil
		}
		e.refresh(other)
		if other.State.Status != StatusRunning || other.State.Pid == 0 {
			return "", fmt.Errorf("--network container:%s: that container is not running: start it first", other.Name)
		}
		return "path:/proc/" + strconv.Itoa(other.State.Pid) + "/ns/net", nil
	}
	return c.Net.Mode, nil
}

// netUp gives a starting container its network: checks the published ports,
// makes its namespace, attaches it or starts its helper, records what it got
// and rewrites /etc/hosts and resolv.conf. On failure nothing is left.
func (e *Engine) netUp(c *Container) (err error) {
	if err := portfwd.Check(monitorPorts(c.Ports)); err != nil {
		return err
	}
	if !c.Net.ownNetNS() {
		return nil
	}
	nsPath := e.Networks.ContainerNetNS(c.ID)
	_ = network.RemoveNetNS(nsPath) // a stale file from a killed run
	if err := network.CreateNetNS(nsPath); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			e.netDown(c)
		}
	}()
	switch c.Net.Mode {
	case NetBridge:
		c.Net.Attached, err = e.Networks.Attach(network.Member{ID: c.ID, Name: c.Name, NetNS: nsPath}, c.Net.Networks)
		c.Net.HostAddr = e.Networks.HostAddr()
	default:
		c.Net.HostAddr, err = e.Networks.StartPrivate(c.ID, c.Net.Mode, c.Net.Target, monitorPorts(c.Ports))
	}
	if err != nil {
		return err
	}
	if _, err = e.update(c.ID, func(r *Container) error {
		r.Net.Attached, r.Net.HostAddr = c.Net.Attached, c.Net.HostAddr
		return nil
	}); err != nil {
		return err
	}
	_, err = writeHostFiles(e.runDir(c.ID), c, e.hostname(c), e.resolvers(c), e.hostsBase())
	return err
}

// netDown undoes netUp: leases released, veths and the namespace file gone,
// a private helper killed. It is safe to call more than once.
func (e *Engine) netDown(c *Container) {
	if !c.Net.ownNetNS() {
		return
	}
	if c.Net.Mode == NetBridge {
		atts := c.Net.Attached
		if len(atts) == 0 { // not recorded (a kill mid-start): release by name
			for _, r := range c.Net.Networks {
				atts = append(atts, network.Attachment{Network: r.Network})
			}
		}
		_ = e.Networks.Detach(c.ID, atts)
	} else {
		e.Networks.StopPrivate(c.ID)
	}
	_ = network.RemoveNetNS(e.Networks.ContainerNetNS(c.ID))
	c.Net.Attached, c.Net.HostAddr = nil, ""
	_, _ = e.update(c.ID, func(r *Container) error {
		r.Net.Attached, r.Net.HostAddr = nil, ""
		return nil
	})
}

// forwardedByMonitor are the ports the monitor forwards: all of them, but
// for --network pasta, whose own helper forwards them keeping the client's
// source address.
func forwardedByMonitor(c *Container) []monitor.Port {
	if network.PastaForwards(c.Net.Mode) {
		return nil
	}
	return monitorPorts(c.Ports)
}

// monitorPorts converts the published ports for the monitor's forwarder.
func monitorPorts(ports []PortMapping) []monitor.Port {
	var out []monitor.Port
	for _, p := range ports {
		out = append(out, monitor.Port{HostIP: p.HostIP, HostPort: p.HostPort, ContainerPort: p.ContainerPort, Protocol: p.Protocol})
	}
	return out
}

func (e *Engine) hostname(c *Container) string {
	if c.Spec.Hostname != "" {
		return c.Spec.Hostname
	}
	return c.ID[:12]
}

// resolvers is the nameserver list for the container's resolv.conf.
func (e *Engine) resolvers(c *Container) []string {
	if len(c.Net.DNS) > 0 {
		return c.Net.DNS
	}
	host := hostResolvers()
	switch c.Net.Mode {
	case NetBridge:
		return e.Networks.Nameservers(c.Net.Attached)
	case NetSlirp:
		_, dns := network.SlirpAddrs(c.Net.Target)
		return []string{dns}
	}
	return host
}

// hostResolvers are the host's nameservers that a container can reach:
// loopback ones only answer on the host itself.
func hostResolvers() []string {
	var out []string
	for _, l := range resolvLines("nameserver") {
		if !strings.HasPrefix(l, "127.") && l != "::1" {
			out = append(out, l)
		}
	}
	return out
}

func resolvLines(key string) []string {
	b, _ := os.ReadFile("/etc/resolv.conf")
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == key {
			out = append(out, f[1:]...)
		}
	}
	return out
}

// Connect puts a running container on one more network (network connect).
func (e *Engine) Connect(ctx context.Context, ref string, r network.Request) error {
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return err
	}
	defer l.Unlock()
	nw, err := e.Networks.Get(r.Network)
	if err != nil {
		return err
	}
	r.Network = nw.Name
	if c.Net.Mode != NetBridge {
		return fmt.Errorf("container %s uses --network %s: only containers on Roost's networks can be connected", c.Name, c.Net.Mode)
	}
	for _, x := range c.Net.Networks {
		if x.Network == r.Network {
			return fmt.Errorf("container %s is already connected to network %s", c.Name, r.Network)
		}
	}
	if c.State.Status == StatusRunning {
		a, err := e.Networks.Connect(network.Member{ID: c.ID, Name: c.Name, NetNS: e.Networks.ContainerNetNS(c.ID)}, r, c.Net.Attached)
		if err != nil {
			return err
		}
		c.Net.Attached = append(c.Net.Attached, *a)
	}
	c.Net.Networks = append(c.Net.Networks, r)
	if _, err := e.update(c.ID, func(x *Container) error {
		x.Net.Networks, x.Net.Attached = c.Net.Networks, c.Net.Attached
		return nil
	}); err != nil {
		return err
	}
	e.netEvent(c, events.Connect, r.Network)
	if c.State.Status == StatusRunning {
		_, err = writeHostFiles(e.runDir(c.ID), c, e.hostname(c), e.resolvers(c), e.hostsBase())
	}
	return err
}

// Disconnect takes a container off a network; a running one loses the
// interface at once.
func (e *Engine) Disconnect(ctx context.Context, ref, netName string) error {
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return err
	}
	defer l.Unlock()
	nw, err := e.Networks.Get(netName)
	if err != nil {
		return err
	}
	var keep []network.Request
	for _, x := range c.Net.Networks {
		if x.Network != nw.Name {
			keep = append(keep, x)
		}
	}
	if len(keep) == len(c.Net.Networks) {
		return fmt.Errorf("container %s is not connected to network %s", c.Name, nw.Name)
	}
	var gone, stay []network.Attachment
	for _, a := range c.Net.Attached {
		if a.Network == nw.Name {
			gone = append(gone, a)
		} else {
			stay = append(stay, a)
		}
	}
	if len(gone) > 0 {
		if err := e.Networks.Detach(c.ID, gone); err != nil {
			return err
		}
	}
	if _, err = e.update(c.ID, func(x *Container) error {
		x.Net.Networks, x.Net.Attached = keep, stay
		return nil
	}); err != nil {
		return err
	}
	e.netEvent(c, events.Disconnect, nw.Name)
	if c.State.Status == StatusRunning {
		// /etc/hosts must stop naming the address just given up.
		c.Net.Networks, c.Net.Attached = keep, stay
		_, err = writeHostFiles(e.runDir(c.ID), c, e.hostname(c), e.resolvers(c), e.hostsBase())
	}
	return err
}

// UsersOf lists the containers configured on a network.
func (e *Engine) UsersOf(netName string) ([]Container, error) {
	all, err := e.List(context.Background(), ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	var out []Container
	for _, c := range all {
		for _, r := range c.Net.Networks {
			if r.Network == netName {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}

// sweepNetwork releases what killed containers and commands left: leases of
// containers that do not run, and their namespace files.
func (e *Engine) sweepNetwork(ctx context.Context) {
	// A container's lock is held while it starts, so waiting for it means
	// a start in progress is not mistaken for leftovers.
	running := func(id string) bool {
		l, err := e.lock(ctx, id)
		if err != nil {
			return true
		}
		defer l.Unlock()
		c, err := e.get(id)
		if err != nil {
			// The run directory, its namespaces and its locks are shared by
			// every store (--root) of the user: a container this store does
			// not know may belong to another one, whose monitor still runs.
			if e.monitorRuns(id) {
				return true
			}
			l.Remove()
			return false
		}
		e.refresh(c)
		return c.State.Status == StatusRunning || c.State.Status == StatusUnknown || c.State.Status == StatusStopping || c.State.Status == StatusCreating
	}
	_ = e.Networks.Sweep(running)
	dir := filepath.Dir(e.Networks.ContainerNetNS("x"))
	entries, _ := os.ReadDir(dir)
	for _, ent := range entries {
		id := ent.Name()
		if len(id) != 64 || running(id) {
			continue
		}
		e.Networks.StopPrivate(id)
		_ = network.RemoveNetNS(filepath.Join(dir, id))
	}
}

// monitorRuns tells whether a monitor still serves the container's run
// directory, whichever store the container was made in.
func (e *Engine) monitorRuns(id string) bool {
	st, err := monitor.ReadState(e.runDir(id))
	return err == nil && st.MonitorAlive
}
