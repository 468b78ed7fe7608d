package compose

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/image"
)

// DownOptions are `compose down`'s choices.
type DownOptions struct {
	Volumes       bool  // -v: the project's named volumes and anonymous ones
	RemoveOrphans bool  // also containers of services no longer in the file
	Timeout       *uint // -t: seconds before SIGKILL
	// RemoveImages (--rmi): "all" the services' images, "local" only
	// those without a custom tag (built under PROJECT-SERVICE), "" none.
	RemoveImages string
}

// Down stops and removes the project's containers (dependents first), then
// its networks, and with Volumes its volumes: only objects labelled with
// this project, so nothing of another project or of the user is touched.
func (c *Compose) Down(ctx context.Context, o DownOptions) error {
	if o.RemoveImages != "" && o.RemoveImages != "all" && o.RemoveImages != "local" {
		return fmt.Errorf("invalid --rmi %q: use all or local", o.RemoveImages)
	}
	list, err := c.Containers(ctx, true, true)
	if err != nil {
		return err
	}
	var targets []container.Container
	for _, ct := range list {
		if _, known := c.Project.Services[ct.Labels[LabelService]]; !known && !o.RemoveOrphans && ct.Labels[LabelOneOff] != "True" {
			if _, off := c.Project.DisabledServices[ct.Labels[LabelService]]; !off {
				c.warn(ct.Name, "orphan container left: remove it with --remove-orphans")
				continue
			}
		}
		targets = append(targets, ct)
	}
	if err := c.removeInWaves(ctx, targets, o.Timeout); err != nil {
		return err
	}
	if err := c.removeNetworks(ctx); err != nil {
		return err
	}
	if err := c.removeSecrets(); err != nil {
		return err
	}
	if o.Volumes {
		if err := c.removeVolumes(ctx); err != nil {
			return err
		}
	}
	if o.RemoveImages != "" {
		c.removeImages(o.RemoveImages == "local")
	}
	return nil
}

// removeImages removes the services' images (with local, only those
// built without an image: name), each as far as it can: one still used by
// another container stays, as with Docker Compose.
func (c *Compose) removeImages(local bool) {
	store := c.Engine.Store
	for _, name := range c.Project.ServiceNames() {
		s := c.Project.Services[name]
		ref := ImageName(c.Project, s)
		if ref == "" || (local && s.Image != "") {
			continue
		}
		img, _, err := image.Find(store, ref)
		if err != nil {
			continue
		}
		if _, err := store.DeleteImage(img.ID, true); err == nil {
			c.progress("Image", ref, "Removed")
		}
	}
}

// removeInWaves stops and removes containers dependents first, as Docker
// Compose does: each wave is every container no remaining one depends on,
// removed in parallel, so a project's stop timeouts overlap instead of
// adding up.
func (c *Compose) removeInWaves(ctx context.Context, left []container.Container, timeout *uint) error {
	for len(left) > 0 {
		needed := map[string]bool{}
		for _, ct := range left {
			if s, ok := c.Project.Services[ct.Labels[LabelService]]; ok {
				for dep := range s.DependsOn {
					needed[dep] = true
				}
			}
		}
		var wave, rest []container.Container
		for _, ct := range left {
			if needed[ct.Labels[LabelService]] {
				rest = append(rest, ct)
			} else {
				wave = append(wave, ct)
			}
		}
		if len(wave) == 0 { // a cycle, which loading refuses: one at a time
			wave, rest = c.reverseOrder(rest)[:1], c.reverseOrder(rest)[1:]
		}
		errs := make([]error, len(wave))
		var wg sync.WaitGroup
		for i, ct := range wave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = c.removeContainer(ctx, ct, timeout)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		left = rest
	}
	return nil
}

// reverseOrder puts dependents before what they depend on.
func (c *Compose) reverseOrder(list []container.Container) []container.Container {
	rank := map[string]int{}
	for i, n := range order(c.Project, c.Project.ServiceNames()) {
		rank[n] = i + 1
	}
	out := append([]container.Container(nil), list...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank[out[j].Labels[LabelService]] > rank[out[j-1].Labels[LabelService]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (c *Compose) removeNetworks(ctx context.Context) error {
	nets, err := c.Engine.Networks.List()
	if err != nil {
		return err
	}
	for _, n := range nets {
		if n.Labels[LabelProject] != c.Project.Name {
			continue
		}
		_, err := c.Core.RemoveNetwork(ctx, n.ID, engine.NetworkRemoveOptions{})
		var inUse *engine.NetworkInUseError
		if errors.As(err, &inUse) {
			c.warn(n.Name, fmt.Sprintf("network kept: %d other container(s) still use it", len(inUse.Users)))
			continue
		}
		if err != nil {
			return fmt.Errorf("remove network %s: %w", n.Name, err)
		}
		c.progress("Network", n.Name, "Removed")
	}
	return nil
}

func (c *Compose) removeVolumes(ctx context.Context) error {
	vols, err := c.Engine.Volumes.List()
	if err != nil {
		return err
	}
	for _, v := range vols {
		if v.Labels[LabelProject] != c.Project.Name {
			continue
		}
		if _, err := c.Engine.RemoveVolume(ctx, v.Name, container.VolumeRemoveOptions{}); err != nil {
			return fmt.Errorf("remove volume %s: %w", v.Name, err)
		}
		c.progress("Volume", v.Name, "Removed")
	}
	return nil
}

// Action is one of the lifecycle commands over a project's containers.
type Action string

const (
	ActStart   Action = "start"
	ActStop    Action = "stop"
	ActRestart Action = "restart"
	ActKill    Action = "kill"
	ActPause   Action = "pause"
	ActUnpause Action = "unpause"
	ActRemove  Action = "rm"
)

// ActionOptions shape a lifecycle command.
type ActionOptions struct {
	Services []string
	Timeout  *uint
	Signal   syscall.Signal // kill
	// Stopped: rm also removes... only stopped containers unless Force.
	Force bool
}

// Do applies the action to the services' containers: starts in dependency
// order, stops with dependents first.
func (c *Compose) Do(ctx context.Context, act Action, o ActionOptions) error {
	names, err := c.ServiceNames(o.Services)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	list, err := c.Containers(ctx, true, false)
	if err != nil {
		return err
	}
	list = c.reverseOrder(list)
	if act == ActStart || act == ActUnpause {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	for _, ct := range list {
		if !want[ct.Labels[LabelService]] {
			continue
		}
		if err := c.act(ctx, act, ct, o); err != nil {
			return err
		}
	}
	return nil
}

func (c *Compose) act(ctx context.Context, act Action, ct container.Container, o ActionOptions) error {
	running := ct.State.Status == container.StatusRunning
	var err error
	done := map[Action]string{ActStart: "Started", ActStop: "Stopped", ActRestart: "Restarted", ActKill: "Killed", ActPause: "Paused", ActUnpause: "Unpaused", ActRemove: "Removed"}[act]
	switch act {
	case ActStart:
		if running {
			return nil
		}
		_, err = c.Engine.Start(ctx, ct.ID, container.StartOptions{})
	case ActStop:
		if !running {
			return nil
		}
		_, err = c.Engine.Stop(ctx, ct.ID, o.Timeout)
	case ActRestart:
		if running {
			if _, err = c.Engine.Stop(ctx, ct.ID, o.Timeout); err != nil {
				break
			}
		}
		_, err = c.Engine.Start(ctx, ct.ID, container.StartOptions{})
	case ActKill:
		if !running {
			return nil
		}
		_, err = c.Engine.Kill(ctx, ct.ID, o.Signal)
	case ActPause:
		_, err = c.Engine.Pause(ctx, ct.ID)
	case ActUnpause:
		_, err = c.Engine.Unpause(ctx, ct.ID)
	case ActRemove:
		if running && !o.Force {
			return nil // Docker Compose removes only stopped containers
		}
		_, err = c.Engine.Remove(ctx, ct.ID, container.RemoveOptions{Force: o.Force, Timeout: o.Timeout})
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("%s %s: %w", act, ct.Name, err)
	}
	c.progress("Container", ct.Name, done)
	return nil
}
