package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pods"
)

// memberGiven says which of create's flags a pod decides for its members.
func memberGiven(cmd *cobra.Command, f *createFlags) pods.Given {
	fl := cmd.Flags()
	return pods.Given{
		Network:  fl.Changed("network") || fl.Changed("net"),
		Ports:    len(f.net.publish) > 0 || f.net.publishAll,
		Hostname: fl.Changed("hostname"),
	}
}

// checkPodFlags refuses, before anything is made, what a member of a pod
// cannot have. With new:NAME the published ports go to the new pod.
func checkPodFlags(cmd *cobra.Command, f *createFlags) error {
	if f.pod == "" {
		return nil
	}
	g := memberGiven(cmd, f)
	if strings.HasPrefix(f.pod, "new:") {
		g.Ports = false
	}
	return pods.CheckMember(g, nil)
}

// createInPod creates the container in --pod NAME, or in a pod made for
// it with --pod new:NAME (removed again if the container cannot be made).
func (a *app) createInPod(cmd *cobra.Command, f *createFlags, o container.CreateOptions) (*container.Container, error) {
	mgr, err := a.Pods()
	if err != nil {
		return nil, err
	}
	g := memberGiven(cmd, f)
	name, isNew := strings.CutPrefix(f.pod, "new:")
	if !isNew {
		return mgr.CreateMember(cmd.Context(), name, g, o)
	}
	po := pods.CreateOptions{Name: name, Infra: true, Share: pods.DefaultShare, Ports: o.Ports, PublishAll: o.PublishAll, Runtime: o.Run.Runtime}
	po.Net = container.NetOptions{Mode: container.NetBridge, Networks: o.Net.Networks, DNS: o.Net.DNS, AddHosts: o.Net.AddHosts}
	if !a.cfg.Rootless {
		po.Net = container.NetOptions{Mode: container.NetNone}
	}
	g.Ports = false
	o.Ports, o.PublishAll = nil, false
	p, err := mgr.Create(cmd.Context(), po)
	if err != nil {
		return nil, err
	}
	c, err := mgr.CreateMember(cmd.Context(), p.ID, g, o)
	if err != nil {
		_, _ = mgr.Remove(cmd.Context(), p.ID, pods.RemoveOptions{Force: true})
		return nil, err
	}
	return c, nil
}
