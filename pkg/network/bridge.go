package network

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/slirp"
)

// ensureBridge makes n's bridge in the shared namespace, with the gateway
// address, if it is not there; a new bridge gets the firewall re-applied.
func (m *Manager) ensureBridge(h *netlink.Handle, n *Network) error {
	if _, err := h.LinkByName(n.Interface); err == nil {
		return nil
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Interface, MTU: MTU}}
	if err := h.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create bridge %s: %w", n.Interface, err)
	}
	link, err := h.LinkByName(n.Interface)
	if err != nil {
		return fmt.Errorf("find bridge %s: %w", n.Interface, err)
	}
	if err := fixMAC(h, link); err != nil {
		return fmt.Errorf("bridge %s: %w", n.Interface, err)
	}
	for _, s := range n.Subnets {
		addr, err := gatewayAddr(s)
		if err != nil {
			return err
		}
		if err := h.AddrReplace(link, addr); err != nil {
			return fmt.Errorf("address %s on %s: %w", addr, n.Interface, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("set %s up: %w", n.Interface, err)
	}
	return m.applyFirewall(h)
}

// fixMAC gives the bridge an address of its own. Left alone, a bridge takes
// the lowest address of its ports, so a container joining with a lower one
// changes the gateway's MAC under the others: their ARP entries go stale
// and their packets to the gateway (DNS, egress) are lost until they ask
// again, seconds later. An address set by hand stays.
func fixMAC(h *netlink.Handle, link netlink.Link) error {
	mac := make(net.HardwareAddr, 6)
	if _, err := rand.Read(mac); err != nil {
		return err
	}
	mac[0] = mac[0]&0xfe | 0x02 // unicast, locally administered
	if err := h.LinkSetHardwareAddr(link, mac); err != nil {
		return fmt.Errorf("set its MAC address: %w", err)
	}
	return nil
}

func gatewayAddr(s Subnet) (*netlink.Addr, error) {
	_, sn, err := net.ParseCIDR(s.Subnet)
	if err != nil {
		return nil, fmt.Errorf("bad subnet %q", s.Subnet)
	}
	return &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP(s.Gateway).To4(), Mask: sn.Mask}}, nil
}

// removeBridge deletes a removed network's bridge if the namespace exists.
func (m *Manager) removeBridge(n *Network) error {
	if !IsNetNS(m.SharedNetNS()) {
		return nil
	}
	h, err := handleIn(m.SharedNetNS())
	if err != nil {
		return err
	}
	defer h.Close()
	if link, err := h.LinkByName(n.Interface); err == nil {
		if err := h.LinkDel(link); err != nil {
			return fmt.Errorf("remove bridge %s: %w", n.Interface, err)
		}
	}
	return m.applyFirewall(h)
}

// applyFirewall writes the whole nftables table of the shared namespace from
// the bridges present: traffic stays within its own bridge or, unless the
// network is internal, leaves through the helper's tap, masqueraded. Networks
// never reach each other. It runs only when a bridge appears or goes, so a
// container start on an existing network spawns no process.
func (m *Manager) applyFirewall(h *netlink.Handle) error {
	nets, err := m.List()
	if err != nil {
		return err
	}
	var fwd, nat strings.Builder
	for _, n := range nets {
		if _, err := h.LinkByName(n.Interface); err != nil {
			continue
		}
		fmt.Fprintf(&fwd, "\t\tiifname %q oifname %q accept\n", n.Interface, n.Interface)
		if n.Internal {
			continue
		}
		fmt.Fprintf(&fwd, "\t\tiifname %q oifname %q accept\n", n.Interface, slirp.Tap)
		for _, s := range n.Subnets {
			fmt.Fprintf(&nat, "\t\tip saddr %s oifname %q masquerade\n", s.Subnet, slirp.Tap)
		}
	}
	script := "table inet roost\ndelete table inet roost\ntable inet roost {\n" +
		"\tchain forward {\n\t\ttype filter hook forward priority 0; policy drop;\n\t\tct state established,related accept\n" + fwd.String() + "\t}\n" +
		"\tchain postrouting {\n\t\ttype nat hook postrouting priority 100;\n" + nat.String() + "\t}\n}\n"
	return runNft(m.SharedNetNS(), script)
}

// runNft loads a ruleset with nft inside the namespace: the child is forked
// from a thread that is in it.
func runNft(ns, script string) error {
	bin, err := lookSbin("nft")
	if err != nil {
		return errors.New("nft is not installed: install the nftables package (e.g. `sudo apt-get install nftables`)")
	}
	return InNetNS(ns, func() error {
		cmd := exec.Command(bin, "-f", "-")
		cmd.Stdin = strings.NewReader(script)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("load firewall rules: %v: %s", err, strings.TrimSpace(out.String()))
		}
		return nil
	})
}

// lookSbin finds an administration tool on PATH, else in the sbin
// directories a user's PATH often lacks (Debian puts nft in /usr/sbin).
func lookSbin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
