package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
)

// netFlags are create's and run's network flags, as Podman names them.
type netFlags struct {
	networks, dns, dnsSearch, dnsOptions []string
	addHosts, aliases, publish           []string
	ip                                   string
	noHosts, publishAll                  bool
	// warnings are printed on stderr once the options are made.
	warnings []string
}

func (f *netFlags) add(fl *pflag.FlagSet) {
	fl.StringArrayVar(&f.networks, "network", nil, "network: NAME (repeatable), none, host, private, container:NAME, ns:PATH, slirp4netns[:OPTS], pasta[:OPTS] (default: the roost network)")
	fl.StringArrayVar(&f.networks, "net", nil, "alias of --network")
	_ = fl.MarkHidden("net")
	fl.StringVar(&f.ip, "ip", "", "IPv4 address on the (first) network")
	fl.StringArrayVar(&f.dns, "dns", nil, "nameserver for the container's resolv.conf")
	fl.StringArrayVar(&f.dnsSearch, "dns-search", nil, "search domain for the container's resolv.conf")
	fl.StringArrayVar(&f.dnsOptions, "dns-option", nil, "option for the container's resolv.conf")
	fl.StringArrayVar(&f.addHosts, "add-host", nil, "add HOST:IP to the container's /etc/hosts")
	fl.BoolVar(&f.noHosts, "no-hosts", false, "keep the image's /etc/hosts")
	fl.StringArrayVar(&f.aliases, "network-alias", nil, "another name for the container on its networks (DNS)")
	fl.StringArrayVarP(&f.publish, "publish", "p", nil, "publish a port: [ip:][hostPort:]containerPort[/tcp|udp]")
	fl.BoolVarP(&f.publishAll, "publish-all", "P", false, "publish every port the image exposes to a free host port")
}

// options turns the flags into the container's network settings. rootless
// decides the default: Roost's network, or none for root.
func (f *netFlags) options(o *container.CreateOptions, rootless bool) error {
	n := container.NetOptions{DNSSearch: f.dnsSearch, DNSOptions: f.dnsOptions, AddHosts: f.addHosts, NoHosts: f.noHosts}
	for _, d := range f.dns {
		if net.ParseIP(d) == nil {
			return fmt.Errorf("invalid --dns %q: give an IP address", d)
		}
	}
	n.DNS = f.dns
	if f.ip != "" && net.ParseIP(f.ip).To4() == nil {
		return fmt.Errorf("invalid --ip %q: give an IPv4 address", f.ip)
	}
	nets := f.networks
	if len(nets) == 0 {
		if rootless {
			nets = []string{network.DefaultName}
		} else {
			nets = []string{container.NetNone}
		}
	}
	for _, v := range nets {
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
			n.Target = arg
		case "bridge":
			mode, special = container.NetBridge, false
			n.Networks = append(n.Networks, network.Request{Network: network.DefaultName})
		default:
			if err := network.ValidName(v); err != nil {
				return fmt.Errorf("invalid --network %q: give a network name, or none, host, private, container:NAME, ns:PATH, slirp4netns or pasta", v)
			}
			mode, special = container.NetBridge, false
			n.Networks = append(n.Networks, network.Request{Network: v})
		}
		if special && len(nets) > 1 {
			return fmt.Errorf("invalid --network %q: it cannot be combined with other --network values", v)
		}
		n.Mode = mode
	}
	if n.Mode == container.NetBridge {
		if f.ip != "" {
			n.Networks[0].IP = f.ip
		}
		for i := range n.Networks {
			n.Networks[i].Aliases = f.aliases
		}
	} else if f.ip != "" || len(f.aliases) > 0 {
		return fmt.Errorf("--ip and --network-alias need a network of Roost's: they cannot be used with --network %s", n.Mode)
	}
	var err error
	if o.Ports, err = container.ParsePorts(f.publish); err != nil {
		return err
	}
	o.PublishAll, o.Net = f.publishAll, n
	if n.Mode == container.NetHost && (len(o.Ports) > 0 || o.PublishAll) {
		// As Podman: the container's servers are on the host's ports already.
		o.Ports, o.PublishAll = nil, false
		f.warnings = append(f.warnings, "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use")
	}
	return nil
}
