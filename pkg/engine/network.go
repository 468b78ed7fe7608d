package engine

import (
	"fmt"
	"net"
	"strings"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
)

// NetworkFlags are a container's or a pod's network as the user types it
// (create's and run's flags, as Podman names them).
type NetworkFlags struct {
	// Networks: NAME (several), none, host, private, container:NAME,
	// ns:PATH, slirp4netns[:OPTS], pasta[:OPTS]; empty: the default.
	Networks   []string `json:"networks,omitempty"`
	IP         string   `json:"ip,omitempty"`
	DNS        []string `json:"dns,omitempty"`
	DNSSearch  []string `json:"dnsSearch,omitempty"`
	DNSOptions []string `json:"dnsOptions,omitempty"`
	AddHosts   []string `json:"addHosts,omitempty"`
	NoHosts    bool     `json:"noHosts,omitempty"`
	Aliases    []string `json:"aliases,omitempty"`
	Publish    []string `json:"publish,omitempty"` // [ip:][hostPort:]containerPort[/tcp|udp]
	PublishAll bool     `json:"publishAll,omitempty"`
}

// NetworkSettings are the parsed network of a container, and what the user
// should be told about it.
type NetworkSettings struct {
	Net        container.NetOptions
	Ports      []container.PortMapping
	PublishAll bool
	Warnings   []string
}

// Parse checks the flags and fills the default: Roost's network when
// rootless, none for root.
func (f NetworkFlags) Parse(rootless bool) (NetworkSettings, error) {
	var s NetworkSettings
	if err := f.checkAddresses(); err != nil {
		return s, err
	}
	n := container.NetOptions{DNS: f.DNS, DNSSearch: f.DNSSearch, DNSOptions: f.DNSOptions, AddHosts: f.AddHosts, NoHosts: f.NoHosts}
	nets := f.Networks
	if len(nets) == 0 {
		nets = []string{container.NetNone}
		if rootless {
			nets = []string{network.DefaultName}
		}
	}
	for _, v := range nets {
		if err := addNetwork(&n, v, len(nets)); err != nil {
			return s, err
		}
	}
	if err := f.applyAddressing(&n); err != nil {
		return s, err
	}
	ports, err := container.ParsePorts(f.Publish)
	if err != nil {
		return s, err
	}
	s.Net, s.Ports, s.PublishAll = n, ports, f.PublishAll
	if n.Mode == container.NetHost && (len(s.Ports) > 0 || s.PublishAll) {
		// As Podman: the container's servers are on the host's ports already.
		s.Ports, s.PublishAll = nil, false
		s.Warnings = append(s.Warnings, "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use")
	}
	return s, nil
}

func (f NetworkFlags) checkAddresses() error {
	for _, d := range f.DNS {
		if net.ParseIP(d) == nil {
			return fmt.Errorf("invalid --dns %q: give an IP address", d)
		}
	}
	if f.IP != "" && net.ParseIP(f.IP).To4() == nil {
		return fmt.Errorf("invalid --ip %q: give an IPv4 address", f.IP)
	}
	return nil
}

// addNetwork reads one --network value into n; count is how many were given
// (the special modes stand alone).
func addNetwork(n *container.NetOptions, v string, count int) error {
	mode, arg, hasArg := strings.Cut(v, ":")
	special := true
	switch mode {
	case container.NetNone, container.NetHost, container.NetPrivate:
		if hasArg {
			return fmt.Errorf("invalid --network %q: %s takes no options", v, mode)
		}
	case container.NetContainer, container.NetPath:
		if arg == "" {
			return fmt.Errorf("invalid --network %q: give %s:%s", v, mode, map[string]string{container.NetContainer: "NAME", container.NetPath: "/PATH"}[mode])
		}
		if mode == container.NetPath && !strings.HasPrefix(arg, "/") {
			return fmt.Errorf("invalid --network %q: the namespace path must be absolute", v)
		}
		n.Target = arg
	case container.NetSlirp, container.NetPasta:
		if mode == container.NetSlirp {
			if err := network.CheckSlirpOptions(arg); err != nil {
				return err
			}
		}
		n.Target = arg
	case "bridge", "podman": // Docker's and Podman's names of the default network
		mode, special = container.NetBridge, false
		n.Networks = append(n.Networks, network.Request{Network: network.DefaultName})
	default:
		if err := network.ValidName(v); err != nil {
			return fmt.Errorf("invalid --network %q: give a network name, or none, host, private, container:NAME, ns:PATH, slirp4netns or pasta", v)
		}
		mode, special = container.NetBridge, false
		n.Networks = append(n.Networks, network.Request{Network: v})
	}
	if special && count > 1 {
		return fmt.Errorf("invalid --network %q: it cannot be combined with other --network values", v)
	}
	n.Mode = mode
	return nil
}

// applyAddressing gives --ip to the first of Roost's networks and the
// aliases to each; other modes have no address of Roost's to give.
func (f NetworkFlags) applyAddressing(n *container.NetOptions) error {
	if n.Mode != container.NetBridge {
		if f.IP != "" || len(f.Aliases) > 0 {
			return fmt.Errorf("--ip and --network-alias need a network of Roost's: they cannot be used with --network %s", n.Mode)
		}
		return nil
	}
	if f.IP != "" {
		n.Networks[0].IP = f.IP
	}
	for i := range n.Networks {
		n.Networks[i].Aliases = f.Aliases
	}
	return nil
}
