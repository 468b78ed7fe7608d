package network

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"

	"github.com/roost-containers/roost/pkg/network/dns"
	"github.com/roost-containers/roost/pkg/scope"
	"github.com/roost-containers/roost/slirp"
)

// The shared namespace holds every network's bridge. It is made by the first
// container that needs it and removed, with its egress helper, when the last
// lease is released.

// helperPidFile records the shared namespace's egress helper.
func (m *Manager) helperPidFile() string { return filepath.Join(m.RunDir, "netns", "roost.helper") }

func (m *Manager) backend() string {
	if m.Backend == slirp.Pasta {
		return slirp.Pasta
	}
	return slirp.Slirp4netns
}

// Egress is the state of the shared namespace's way out, for info and inspect.
type Egress struct {
	Backend   string `json:"backend"`
	Namespace bool   `json:"namespace"` // the shared namespace exists
	Up        bool   `json:"up"`        // its helper runs
	Pid       int    `json:"pid,omitempty"`
}

// EgressStatus reports the shared namespace and its helper.
func (m *Manager) EgressStatus() Egress {
	e := Egress{Backend: m.backend(), Namespace: IsNetNS(m.SharedNetNS())}
	if rec, alive := slirp.Read(m.helperPidFile()); alive && e.Namespace {
		e.Up, e.Pid, e.Backend = true, rec.Pid, rec.Backend
	}
	return e
}

// ensureShared makes the shared namespace and starts its helper when either
// is missing (a helper killed with -9 is replaced here). The caller holds m.lock().
func (m *Manager) ensureShared() (*netlink.Handle, error) {
	ns := m.SharedNetNS()
	if !IsNetNS(ns) {
		slirp.Stop(m.helperPidFile())
		if err := RemoveNetNS(ns); err != nil {
			return nil, err
		}
		if err := m.createShared(ns); err != nil {
			_ = RemoveNetNS(ns)
			return nil, err
		}
	}
	h, err := handleIn(ns)
	if err != nil {
		return nil, err
	}
	if _, alive := slirp.Read(m.helperPidFile()); !alive {
		if err := m.startHelper(ns); err != nil {
			h.Close()
			return nil, err
		}
	}
	return h, nil
}

func (m *Manager) createShared(ns string) error {
	if err := CreateNetNS(ns); err != nil {
		return err
	}
	h, err := handleIn(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := loUp(h); err != nil {
		return err
	}
	// Containers' traffic is routed from their bridge to the helper's tap.
	return writeSysctl(ns, "net/ipv4/ip_forward", "1")
}

func (m *Manager) startHelper(ns string) error {
	slirp.Stop(m.helperPidFile())
	rec, err := slirp.Start(slirp.Options{
		Backend: m.backend(), NetNS: ns, PidFile: m.helperPidFile(),
		LogFile: filepath.Join(m.RunDir, "netns", "roost.helper.log"), MTU: MTU,
		AllowHostLoopback: true, Extra: m.helperExtra(),
	})
	if err != nil {
		return err
	}
	// Every container's egress: not the unit's that happened to start it. A
	// failed move is survivable: the next command replaces a killed helper.
	_ = scope.Move("egress", "Roost shared network egress ("+rec.Backend+")", rec.Pid)
	return m.saveHostAddr(ns)
}

// helperExtra: pasta forwards DNS queries sent to PastaDNS to the host's
// resolver, the responder's upstream when the host's is on loopback.
func (m *Manager) helperExtra() []string {
	if m.backend() == slirp.Pasta {
		return []string{"--dns-forward", PastaDNS}
	}
	return nil
}

// hostAddrFile keeps the address that reaches the host's loopback from the
// shared namespace: slirp4netns's 10.0.2.2, or pasta's gateway.
func (m *Manager) hostAddrFile() string { return filepath.Join(m.RunDir, "netns", "roost.hostaddr") }

func (m *Manager) saveHostAddr(ns string) error {
	addr := slirp.SlirpGateway
	if m.backend() == slirp.Pasta {
		gw, err := defaultGateway(ns)
		if err != nil {
			return err
		}
		addr = gw
	}
	return os.WriteFile(m.hostAddrFile(), []byte(addr), 0o600)
}

// HostAddr is the address containers on the bridges use for
// host.containers.internal.
func (m *Manager) HostAddr() string {
	if b, err := os.ReadFile(m.hostAddrFile()); err == nil && net.ParseIP(string(b)) != nil {
		return string(b)
	}
	return slirp.SlirpGateway
}

func defaultGateway(ns string) (string, error) {
	h, err := handleIn(ns)
	if err != nil {
		return "", err
	}
	defer h.Close()
	routes, err := h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return "", fmt.Errorf("read routes: %w", err)
	}
	for _, r := range routes {
		if isDefault(r.Dst) && r.Gw != nil {
			return r.Gw.String(), nil
		}
	}
	return "", errors.New("the egress helper set no default route in the network namespace")
}

// teardownIfIdle removes the shared namespace and stops its helper once no
// network has a lease left. The caller holds m.lock().
func (m *Manager) teardownIfIdle() error {
	leases, err := m.Leases()
	if err != nil {
		return err
	}
	if len(leases) > 0 {
		return nil
	}
	m.stopReaper()
	_ = os.Remove(m.idleFile())
	dns.Stop(m.RunDir)
	slirp.Stop(m.helperPidFile())
	slirp.StopStrays(m.SharedNetNS())
	_ = os.Remove(m.hostAddrFile())
	_ = os.Remove(filepath.Join(m.RunDir, "netns", "roost.helper.log"))
	return RemoveNetNS(m.SharedNetNS())
}

// Reload restores egress for every member: it restarts a dead helper and
// re-applies the bridges' addresses and firewall. With no member running
// there is nothing to reload.
func (m *Manager) Reload() error {
	l, err := m.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	leases, err := m.Leases()
	if err != nil || len(leases) == 0 {
		return err
	}
	h, err := m.ensureShared()
	if err != nil {
		return err
	}
	defer h.Close()
	nets, err := m.List()
	if err != nil {
		return err
	}
	for _, n := range nets {
		if _, ok := leases[n.Name]; ok {
			if err := m.ensureBridge(h, n); err != nil {
				return err
			}
		}
	}
	return m.applyFirewall(h)
}

func loUp(h *netlink.Handle) error {
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("find lo: %w", err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}

// isDefault: netlink reports the default route's destination as nil or 0.0.0.0/0.
func isDefault(dst *net.IPNet) bool {
	if dst == nil {
		return true
	}
	ones, _ := dst.Mask.Size()
	return ones == 0
}
