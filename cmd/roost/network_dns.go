package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/footprint"
	"github.com/roost-containers/roost/pkg/network/dns"
)

// addNetworkDNSCommand registers the hidden `network dns-serve`, the DNS
// responder started by dns.Ensure, under the network group (made hidden
// here if the group does not exist yet).
func addNetworkDNSCommand(a *app, root *cobra.Command) {
	group := findCommand(root, "network")
	if group == nil {
		group = &cobra.Command{Use: "network", Short: "Manage networks", Hidden: true}
		root.AddCommand(group)
	}
	group.AddCommand(newNetworkDNSServeCommand(a), newNetworkReapIdleCommand(a))
}

// newNetworkReapIdleCommand is the hidden `network reap-idle`: the process
// that ends the shared namespace once it has stayed idle for roost.conf's
// idle_grace (started by the network manager, pkg/network/idle.go).
func newNetworkReapIdleCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:    "reap-idle",
		Short:  "Tear the shared network namespace down once idle for the grace (started by roost)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.Core().Networks().ReapIdle()
		},
	}
}

// helperSettleDelay lets a helper finish its start before it returns what
// start-up used (footprint.Settle).
const helperSettleDelay = 500 * time.Millisecond

func settleSoon() {
	time.Sleep(helperSettleDelay)
	footprint.TrimThreads()
	footprint.Settle()
}

func findCommand(root *cobra.Command, name string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

func newNetworkDNSServeCommand(a *app) *cobra.Command {
	var runDir, egress string
	var egressOnly bool
	var readyFd int
	cmd := &cobra.Command{
		Use:    "dns-serve",
		Short:  "Answer DNS for user networks while they have running members (started by roost)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runDir == "" {
				runDir = a.cfg.RunDir
			}
			logf := func(format string, args ...any) {
				fmt.Fprintf(os.Stderr, "%s roost-dns[%d]: %s\n", time.Now().Format(time.RFC3339), os.Getpid(), fmt.Sprintf(format, args...))
			}
			report := dns.ReadyReporter(readyFd)
			return dns.Serve(cmd.Context(), dns.ServeOptions{
				RunDir:     runDir,
				NetNS:      filepath.Join(runDir, "netns", "roost"),
				EgressDNS:  egress,
				EgressOnly: egressOnly,
				Logf:       logf,
			}, func(err error) {
				report(err)
				if err == nil {
					// The responder lives as long as its networks' members:
					// what the CLI's start-up mapped is not its to keep.
					go settleSoon()
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&runDir, "run-dir", "", "Roost's run directory (default: the user's)")
	f.StringVar(&egress, "egress-dns", dns.SlirpDNS, "resolver of the namespace's egress, used in place of a loopback nameserver")
	f.BoolVar(&egressOnly, "egress-only", false, "forward every upstream question to --egress-dns alone")
	f.IntVar(&readyFd, "ready-fd", -1, "fd on which to report readiness")
	return cmd
}
