package container

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// Namespaces a pod's infra container can share with the pod's members.
const (
	ShareNet = "net"
	ShareIPC = "ipc"
	ShareUTS = "uts"
	SharePID = "pid"
)

// PodLink ties a container to its pod (package pods). The pod's infra
// container holds the namespaces the pod shares; a member joins them at
// every start, so a pod restarted as a whole gets fresh namespaces.
type PodLink struct {
	ID string `json:"id"`
	// Infra is the infra container's id in a member's link; empty in the
	// infra's own link and in the members of a pod made with --infra=false.
	Infra   string `json:"infra,omitempty"`
	IsInfra bool   `json:"isInfra,omitempty"`
	// StopPodOnExit: the pod's exit policy is stop, so the member that
	// exits last stops the infra (see stopPodIfIdle).
	StopPodOnExit bool `json:"stopPodOnExit,omitempty"`
	// Share lists the namespaces a member joins: net, ipc, uts, pid.
	Share []string `json:"share,omitempty"`
}

// Shares says whether a member joins the infra's namespace ns.
func (p *PodLink) Shares(ns string) bool {
	return p != nil && p.Infra != "" && slices.Contains(p.Share, ns)
}

// ErrInfraNotRunning: a member cannot join the namespaces of a stopped infra.
var ErrInfraNotRunning = fmt.Errorf("the pod's infra container is not running")

// joinPod points a member's spec at the namespaces its infra holds. The
// network is joined through the member's --network container:INFRA; ipc,
// uts and pid by the infra process's /proc files, and a member sharing the
// network or uts uses the infra's /etc/hosts, resolv.conf and hostname, so
// the whole pod sees one set. At create the infra may not run yet: the
// bundle is only a check then, and every start writes it again.
func (e *Engine) joinPod(c *Container, o *spec.Options) error {
	p := c.Pod
	if p != nil && p.IsInfra {
		var err error
		o.SharedShm, err = e.mountPodShm(c)
		return err
	}
	if p == nil || p.Infra == "" {
		return nil
	}
	if p.Shares(ShareUTS) {
		o.Hostname = ""
	}
	infra, err := e.get(p.Infra)
	if err != nil {
		return fmt.Errorf("the infra container of the pod of %s is gone: remove the pod with `roost pod rm -f`: %w", c.Name, err)
	}
	e.refresh(infra)
	if infra.State.Status != StatusRunning || infra.State.Pid == 0 {
		if c.State.Status == StatusCreating {
			return nil
		}
		return fmt.Errorf("container %s: %w: start the pod with `roost pod start`", c.Name, ErrInfraNotRunning)
	}
	proc := "path:/proc/" + strconv.Itoa(infra.State.Pid) + "/ns/"
	dir := e.runDir(infra.ID)
	if p.Shares(ShareIPC) {
		o.Namespaces.IPC = proc + "ipc"
		o.SharedShm = e.podShmDir(infra.ID)
	}
	if p.Shares(ShareUTS) {
		o.Namespaces.UTS = proc + "uts"
		o.HostFiles.Hostname = filepath.Join(dir, "hostname")
	}
	if p.Shares(SharePID) {
		o.Namespaces.PID = proc + "pid"
	}
	if p.Shares(ShareNet) && !c.Net.NoHosts {
		o.HostFiles.Hosts = filepath.Join(dir, "hosts")
		o.HostFiles.ResolvConf = filepath.Join(dir, "resolv.conf")
		if !infra.Net.NoHosts {
			return e.writePodHosts(infra, c)
		}
	}
	return nil
}

// writePodHosts rewrites the infra's /etc/hosts, which the members sharing
// its network bind-mount, with the infra's entries and, as in Podman, one
// 127.0.0.1 line per running member, so members reach each other by name.
// A member that has exited drops out at the next member's start. The file
// is rewritten in place: the members' bind mounts see the new content.
func (e *Engine) writePodHosts(infra, c *Container) error {
	var all []Container
	if err := e.DB.View(func(tx *state.Tx) (err error) {
		all, err = state.List[Container](tx, state.Containers)
		return err
	}); err != nil {
		return fmt.Errorf("pod members: %w", err)
	}
	var b strings.Builder
	b.WriteString(hostsFile(infra, e.hostname(infra), e.hostsBase()))
	for i := range all {
		o := &all[i]
		if o.Pod == nil || o.Pod.ID != c.Pod.ID || o.Pod.IsInfra || o.ID == c.ID || !o.Pod.Shares(ShareNet) {
			continue
		}
		if e.refresh(o); o.State.Status == StatusRunning {
			fmt.Fprintf(&b, "127.0.0.1\t%s\n", o.Name)
		}
	}
	fmt.Fprintf(&b, "127.0.0.1\t%s\n", c.Name)
	path := filepath.Join(e.runDir(infra.ID), "hosts")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("pod /etc/hosts: %w", err)
	}
	return nil
}

// startInfra starts a member's infra container first, as Podman does for a
// member started on its own.
func (e *Engine) startInfra(ctx context.Context, c *Container) error {
	if c.Pod == nil || c.Pod.Infra == "" {
		return nil
	}
	infra, err := e.Start(ctx, c.Pod.Infra, StartOptions{})
	if err != nil {
		return fmt.Errorf("start the infra container of the pod of %s: %w", c.Name, err)
	}
	if infra.State.Status != StatusRunning {
		return fmt.Errorf("container %s: %w", c.Name, ErrInfraNotRunning)
	}
	return nil
}

// RandomName is a new name in the style of containers' (for pods without one).
func RandomName() string { return randomName() }
