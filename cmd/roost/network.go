package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/network"
)

// addNetworkCommands adds `network` and its verbs, as Podman has them.
func addNetworkCommands(a *app, root *cobra.Command) {
	group := &cobra.Command{Use: "network", Short: "Manage networks"}
	group.AddCommand(newNetworkCreateCommand(a), newNetworkLsCommand(a), newNetworkInspectCommand(a),
		newNetworkRmCommand(a), newNetworkPruneCommand(a), newNetworkExistsCommand(a),
		newNetworkConnectCommand(a), newNetworkDisconnectCommand(a), newNetworkReloadCommand(a))
	root.AddCommand(group)
}

// networks is the network manager; the commands that touch containers use
// the engine's instead.
func (a *app) networks() *network.Manager {
	return a.Core().Networks()
}

func newNetworkCreateCommand(a *app) *cobra.Command {
	var o network.CreateOptions
	var labels, opts []string
	var ignore bool
	cmd := &cobra.Command{
		Use:   "create [options] NAME",
		Short: "Create a network",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Labels, err = keyValues("label", labels); err != nil {
				return err
			}
			if o.Options, err = keyValues("opt", opts); err != nil {
				return err
			}
			o.Name = args[0]
			n, err := a.networks().Create(o)
			if ignore && errors.Is(err, network.ErrExists) {
				fmt.Fprintln(a.out, o.Name)
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, n.Name)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Driver, "driver", "d", "bridge", "driver: bridge")
	fl.StringVar(&o.Subnet, "subnet", "", "subnet in CIDR form (default: the next free 10.89.N.0/24)")
	fl.StringVar(&o.Gateway, "gateway", "", "gateway address (default: the subnet's first)")
	fl.StringVar(&o.IPRange, "ip-range", "", "hand out addresses from this CIDR only")
	fl.BoolVar(&o.Internal, "internal", false, "no way out: members reach only each other")
	fl.BoolVar(&o.IPv6, "ipv6", false, "enable IPv6 (recorded; addresses are IPv4 in this version)")
	stringArray(fl, &labels, "label", nil, "set a label (KEY=VALUE)")
	stringArrayP(fl, &opts, "opt", "o", nil, "driver option (KEY=VALUE); Roost's bridge takes none yet")
	fl.BoolVar(&o.DisableDNS, "disable-dns", false, "no DNS for the network's members: they resolve through the host, as on the default network")
	fl.BoolVar(&ignore, "ignore", false, "do nothing if the network exists")
	return cmd
}

var networkHeaders = map[string]string{"ID": "NETWORK ID"}

func newNetworkLsCommand(a *app) *cobra.Command {
	var f string
	var quiet, noTrunc, noHeading bool
	var filters []string
	cmd := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List networks",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			match, err := network.ParseFilter(filters, network.ListFilterKeys)
			if err != nil {
				return err
			}
			nets, err := a.networks().List()
			if err != nil {
				return err
			}
			var rows []network.Listing
			var views []network.Inspect
			for _, n := range nets {
				if match.Match(n) {
					rows = append(rows, network.NewListing(n))
					views = append(views, network.NewInspect(n))
				}
			}
			switch {
			case quiet:
				for _, r := range rows {
					fmt.Fprintln(a.out, r.Name)
				}
				return nil
			case format.IsJSON(f):
				return format.List(a.out, f, "", nil, views, false)
			}
			def := "table {{.ID}}\t{{.Name}}\t{{.Driver}}"
			if noTrunc {
				def = "table {{.FullID}}\t{{.Name}}\t{{.Driver}}"
			}
			return format.List(a.out, f, def, networkHeaders, rows, noHeading)
		},
	}
	cmd.Flags().StringVar(&f, "format", "", "json or a Go template ({{.ID}} {{.Name}} {{.Driver}} {{.Labels}} ...)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the names")
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "print full network ids")
	cmd.Flags().BoolVar(&noHeading, "noheading", false, "do not print the header row")
	stringArrayP(cmd.Flags(), &filters, "filter", "f", nil, "filter: name=REGEX, id=, label=KEY[=VALUE], label!=..., driver=, until= (repeatable)")
	return cmd
}

func newNetworkInspectCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:   "inspect [options] NETWORK [NETWORK...]",
		Short: "Show networks as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out []network.Inspect
			for _, ref := range args {
				n, err := a.networks().Get(ref)
				if err != nil {
					return err
				}
				out = append(out, network.NewInspect(n))
			}
			if f == "" || format.IsJSON(f) {
				return format.JSON(a.out, out)
			}
			return format.Each(a.out, f, out)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "json or a Go template applied to each network")
	return cmd
}

func newNetworkRmCommand(a *app) *cobra.Command {
	var force bool
	var timeout uint
	cmd := &cobra.Command{
		Use:     "rm [options] NETWORK [NETWORK...]",
		Aliases: []string{"remove"},
		Short:   "Remove networks",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			for _, ref := range args {
				o := engine.NetworkRemoveOptions{Force: force, Timeout: changedUint(cmd, "time", timeout)}
				name, err := a.Core().RemoveNetwork(cmd.Context(), ref, o)
				if force && errors.Is(err, network.ErrNotFound) {
					continue // --force: a network already gone is no error, as in Podman
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(a.out, name)
			}
			return networkRmExit(errors.Join(errs...))
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "also remove the containers using the network")
	cmd.Flags().UintVarP(&timeout, "time", "t", 0, "with --force, seconds a running container has to stop before it is killed (default: killed at once)")
	return cmd
}

// networkRmExit gives Podman's exit codes for `network rm`: 1 when a
// network does not exist, 2 when one is in use, 125 otherwise.
func networkRmExit(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, network.ErrNotFound):
		return &exitError{code: 1, err: err}
	case errors.Is(err, network.ErrInUse):
		return &exitError{code: 2, err: err}
	}
	return err
}

func newNetworkPruneCommand(a *app) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove networks no container uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			match, err := network.ParseFilter(filters, network.PruneFilterKeys)
			if err != nil {
				return err
			}
			removed, err := a.Core().PruneNetworks(cmd.Context(), match.Match)
			for _, name := range removed {
				fmt.Fprintln(a.out, name)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (Roost never asks)")
	stringArray(cmd.Flags(), &filters, "filter", nil, "only prune networks matching: label=KEY[=VALUE], label!=..., until=TIME (repeatable)")
	return cmd
}

func newNetworkExistsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exists NETWORK",
		Short: "Exit 0 if the network exists, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.networks().Get(args[0]); errors.Is(err, network.ErrNotFound) {
				return &exitError{code: 1}
			} else if err != nil {
				return err
			}
			return nil
		},
	}
}

func newNetworkConnectCommand(a *app) *cobra.Command {
	var aliases []string
	var ip string
	cmd := &cobra.Command{
		Use:   "connect [options] NETWORK CONTAINER",
		Short: "Connect a container to a network",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			return eng.Connect(cmd.Context(), args[1], network.Request{Network: args[0], IP: ip, Aliases: aliases})
		},
	}
	stringArray(cmd.Flags(), &aliases, "alias", nil, "another name for the container on this network")
	cmd.Flags().StringVar(&ip, "ip", "", "IPv4 address on this network")
	return cmd
}

func newNetworkDisconnectCommand(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "disconnect [options] NETWORK CONTAINER",
		Short: "Disconnect a container from a network",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			return eng.Disconnect(cmd.Context(), args[1], args[0])
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "accepted for compatibility")
	return cmd
}

func newNetworkReloadCommand(a *app) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "reload [options] [CONTAINER...]",
		Short: "Restore networking (egress helper, bridges, firewall) for running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !all && len(args) == 0 {
				return errors.New("network reload needs containers or --all")
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if err := eng.Networks.Reload(); err != nil {
				return err
			}
			ids := args
			if all {
				list, err := eng.List(cmd.Context(), container.ListOptions{})
				if err != nil {
					return err
				}
				ids = nil
				for _, c := range list {
					if c.Net.Mode == container.NetBridge {
						ids = append(ids, c.ID)
					}
				}
			}
			for _, ref := range ids {
				c, err := eng.Get(ref)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.out, c.ID)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "all running containers")
	return cmd
}
