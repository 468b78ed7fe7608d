package pods

import (
	"context"
	"errors"
	"slices"

	"github.com/roost-containers/roost/pkg/container"
)

// Given says which of a member's options the user set: a pod decides those
// itself, and Podman refuses them on a member.
type Given struct {
	Network, Ports, Hostname bool
}

// Errors a member meets, in Podman's words.
var (
	ErrMemberPorts    = errors.New("invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod")
	ErrMemberNetwork  = errors.New("invalid config provided: networks must be defined when the pod is created: network cannot be configured when it is shared with a pod")
	ErrMemberHostname = errors.New("invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration")
)

// CheckMember refuses the options a container of a pod sharing its network
// (or uts) cannot have. It needs no pod, so bad input fails first.
func CheckMember(g Given, share []string) error {
	net := share == nil || slices.Contains(share, container.ShareNet)
	uts := share == nil || slices.Contains(share, container.ShareUTS)
	switch {
	case g.Ports && net:
		return ErrMemberPorts
	case g.Network && net:
		return ErrMemberNetwork
	case g.Hostname && uts:
		return ErrMemberHostname
	}
	return nil
}

// CreateMember creates a container in pod ref, under the pod's lock so the
// pod cannot be removed meanwhile. A member sharing the network joins the
// infra's (--network container:INFRA) and depends on the infra.
func (m *Manager) CreateMember(ctx context.Context, ref string, g Given, o container.CreateOptions) (*container.Container, error) {
	p, l, err := m.locked(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	share := p.Share
	if p.Infra == "" {
		share = []string{}
	}
	if err := CheckMember(g, share); err != nil {
		return nil, err
	}
	o.Pod = &container.PodLink{ID: p.ID, StopPodOnExit: p.ExitPolicy == ExitStop}
	if p.Infra != "" {
		o.Pod.Infra, o.Pod.Share = p.Infra, p.Share
		o.DependsOn = append(o.DependsOn, p.Infra)
		if slices.Contains(p.Share, container.ShareNet) {
			o.Net = container.NetOptions{Mode: container.NetContainer, Target: p.Infra, NoHosts: o.Net.NoHosts}
		}
	}
	if ns := &o.Spec.Namespaces; ns.UserNS == "" && len(ns.UIDMap)+len(ns.GIDMap) == 0 {
		ns.UserNS, ns.UIDMap, ns.GIDMap = p.UserNS, p.UIDMap, p.GIDMap
	}
	if o.Run.CgroupParent == "" {
		o.Run.CgroupParent = p.CgroupPath // --cgroup-parent of its own wins, as in Podman
	}
	return m.Eng.Create(ctx, o)
}
