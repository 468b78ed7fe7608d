package main

import (
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/engine"
)

// addNetworkFlags adds create's, run's and pod create's network flags, as
// Podman names them; engine.NetworkFlags.Parse reads them.
func addNetworkFlags(fl *pflag.FlagSet, f *engine.NetworkFlags) {
	stringArray(fl, &f.Networks, "network", nil, "network: NAME (repeatable), none, host, private, container:NAME, ns:PATH, slirp4netns[:OPTS], pasta[:OPTS] (default: the podman network, or containers.conf's default_network)")
	stringArray(fl, &f.Networks, "net", nil, "alias of --network")
	_ = fl.MarkHidden("net")
	fl.StringVar(&f.IP, "ip", "", "IPv4 address on the (first) network")
	stringArray(fl, &f.DNS, "dns", nil, "nameserver for the container's resolv.conf")
	stringArray(fl, &f.DNSSearch, "dns-search", nil, "search domain for the container's resolv.conf")
	stringArray(fl, &f.DNSOptions, "dns-option", nil, "option for the container's resolv.conf")
	stringArray(fl, &f.AddHosts, "add-host", nil, "add HOST:IP to the container's /etc/hosts")
	fl.BoolVar(&f.NoHosts, "no-hosts", false, "keep the image's /etc/hosts")
	stringArray(fl, &f.Aliases, "network-alias", nil, "another name for the container on its networks (DNS)")
	stringArrayP(fl, &f.Publish, "publish", "p", nil, "publish a port: [ip:][hostPort:]containerPort[/tcp|udp]")
	fl.BoolVarP(&f.PublishAll, "publish-all", "P", false, "publish every port the image exposes to a free host port")
}
