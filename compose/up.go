package compose

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/volume"
)

// UpOptions are `compose up`'s choices.
type UpOptions struct {
	Services      []string // empty: all
	ForceRecreate bool
	NoRecreate    bool
	NoDeps        bool
	RemoveOrphans bool
	// Scale overrides a service's replicas (--scale svc=N).
	Scale map[string]int
	// Wait: return once every container runs, and is healthy when it has a
	// healthcheck.
	Wait bool
	// RenewAnonVolumes (-V): recreated containers get new anonymous volumes.
	RenewAnonVolumes bool
	Pull             string // --pull: always, missing, never; "" the service's pull_policy
	// Build (--build) builds every image of a service with build: first;
	// NoBuild (--no-build) never builds, failing when an image is missing.
	// Without either, a missing image is built.
	Build, NoBuild bool
	Timeout        *uint // stop timeout for recreation
}

// pollEvery is how often waits look at containers' state again.
const pollEvery = 200 * time.Millisecond

// image is what a service's containers are created from.
type serviceImage struct {
	id, name string
	config   spec.ImageConfig
}

// Up creates and starts the services in dependency order, waiting for the
// conditions their dependents ask for, and recreates only what changed.
func (c *Compose) Up(ctx context.Context, o UpOptions) error {
	if err := c.checkUpOptions(o); err != nil {
		return err
	}
	names, err := c.upServices(o)
	if err != nil {
		return err
	}
	for _, n := range names {
		s := c.Project.Services[n]
		if want := c.replicas(s, o); want > 1 && s.ContainerName != "" {
			return fmt.Errorf("service %s has container_name %q and cannot have %d replicas: remove container_name to scale it", n, s.ContainerName, want)
		}
		if _, err := serviceOptions(c.Project, s, 1); err != nil {
			return err
		}
	}
	images, err := c.upImages(ctx, names, o)
	if err != nil {
		return err
	}
	if err := c.ensureNetworks(names); err != nil {
		return err
	}
	if err := c.ensureVolumes(names); err != nil {
		return err
	}
	if err := c.ensureSecrets(names); err != nil {
		return err
	}
	if err := c.orphans(ctx, o.RemoveOrphans); err != nil {
		return err
	}
	for _, n := range names {
		s := c.Project.Services[n]
		c.warnResources(s)
		if err := c.waitDeps(ctx, s); err != nil {
			return err
		}
		if err := c.converge(ctx, s, images[n], o); err != nil {
			return err
		}
	}
	if o.Wait {
		return c.waitReady(ctx, names)
	}
	return nil
}

// upImages finds, pulls or builds every service's image, checking every
// build: before the first build.
func (c *Compose) upImages(ctx context.Context, names []string, o UpOptions) (map[string]serviceImage, error) {
	when := buildMissing
	switch {
	case o.Build:
		when = buildAlways
	case o.NoBuild:
		when = buildNever
	}
	for _, n := range names {
		if s := c.Project.Services[n]; c.willBuild(ctx, s, when) {
			if _, _, err := buildRequest(c.Project, s, BuildOptions{}); err != nil {
				return nil, err
			}
		}
	}
	images := map[string]serviceImage{}
	for _, n := range names {
		img, err := c.imageFor(ctx, c.Project.Services[n], o.Pull, when)
		if err != nil {
			return nil, err
		}
		images[n] = img
	}
	return images, nil
}

// checkUpOptions refuses choices that contradict each other or the file,
// before anything is made.
func (c *Compose) checkUpOptions(o UpOptions) error {
	if o.Build && o.NoBuild {
		return errors.New("--build and --no-build cannot be used together")
	}
	if o.ForceRecreate && o.NoRecreate {
		return errors.New("--force-recreate and --no-recreate cannot be used together")
	}
	for svc := range o.Scale {
		if _, ok := c.Project.Services[svc]; !ok {
			return fmt.Errorf("invalid --scale: no such service: %s", svc)
		}
	}
	return nil
}

// upServices: the asked services and, unless --no-deps, what they need,
// in dependency order.
func (c *Compose) upServices(o UpOptions) ([]string, error) {
	names, err := c.ServiceNames(o.Services)
	if err != nil {
		return nil, err
	}
	if o.NoDeps {
		return names, nil
	}
	return order(c.Project, names), nil
}

func (c *Compose) replicas(s types.ServiceConfig, o UpOptions) int {
	if n, ok := o.Scale[s.Name]; ok {
		return n
	}
	return Replicas(s)
}

// ensureNetworks creates the project's networks its services use, with
// Docker Compose's labels; external ones must exist.
func (c *Compose) ensureNetworks(services []string) error {
	for _, key := range c.usedNetworks(services) {
		cfg := c.Project.Networks[key]
		name := NetworkName(c.Project, key)
		if _, err := c.Engine.Networks.Get(name); err == nil {
			continue
		} else if !errors.Is(err, network.ErrNotFound) {
			return err
		}
		if cfg.External {
			return fmt.Errorf("network %s declared as external, but could not be found: create it with `roost network create %s`", name, name)
		}
		o := network.CreateOptions{Name: name, Driver: cfg.Driver, Internal: cfg.Internal,
			Labels: map[string]string{LabelProject: c.Project.Name, LabelNetwork: key}}
		if o.Driver == "" {
			o.Driver = "bridge"
		}
		for k, v := range cfg.Labels {
			o.Labels[k] = v
		}
		if len(cfg.Ipam.Config) > 0 {
			pool := cfg.Ipam.Config[0]
			o.Subnet, o.Gateway, o.IPRange = pool.Subnet, pool.Gateway, pool.IPRange
		}
		if _, err := c.Engine.Networks.Create(o); err != nil {
			return fmt.Errorf("network %s: %w", name, err)
		}
		c.progress("Network", name, "Created")
	}
	return nil
}

// usedNetworks are the network keys the services join.
func (c *Compose) usedNetworks(services []string) []string {
	seen := map[string]bool{}
	for _, n := range services {
		s := c.Project.Services[n]
		if s.NetworkMode != "" && s.NetworkMode != "bridge" && s.NetworkMode != "default" {
			continue
		}
		if len(s.Networks) == 0 {
			seen["default"] = true
		}
		for k := range s.Networks {
			seen[k] = true
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ensureVolumes creates the project's named volumes its services mount.
func (c *Compose) ensureVolumes(services []string) error {
	seen := map[string]bool{}
	for _, n := range services {
		for _, v := range c.Project.Services[n].Volumes {
			if v.Type != types.VolumeTypeVolume || v.Source == "" || seen[v.Source] {
				continue
			}
			seen[v.Source] = true
			if err := c.ensureVolume(v.Source); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Compose) ensureVolume(key string) error {
	cfg := c.Project.Volumes[key]
	name := VolumeName(c.Project, key)
	if _, err := c.Engine.Volumes.Exact(name); err == nil {
		return nil
	}
	if cfg.External {
		return fmt.Errorf("volume %s declared as external, but could not be found: create it with `roost volume create %s`", name, name)
	}
	labels := map[string]string{LabelProject: c.Project.Name, LabelVolume: key}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	_, err := c.Engine.Volumes.Create(volume.CreateOptions{Name: name, Driver: cfg.Driver, Options: cfg.DriverOpts, Labels: labels, IgnoreExisting: true})
	if err != nil {
		return fmt.Errorf("volume %s: %w", name, err)
	}
	c.progress("Volume", name, "Created")
	return nil
}

// orphans are the project's containers of services no longer in the file.
func (c *Compose) orphans(ctx context.Context, remove bool) error {
	list, err := c.Containers(ctx, true, false)
	if err != nil {
		return err
	}
	for _, ct := range list {
		svc := ct.Labels[LabelService]
		if _, ok := c.Project.Services[svc]; ok {
			continue
		}
		if _, ok := c.Project.DisabledServices[svc]; ok {
			continue
		}
		if !remove {
			c.warn(ct.Name, fmt.Sprintf("orphan container of service %s: remove it with --remove-orphans", svc))
			continue
		}
		if err := c.removeContainer(ctx, ct, nil); err != nil {
			return err
		}
	}
	return nil
}

// warnResources: limits need cgroup v2 delegation, which this host may
// not give; Roost says so once and runs without them.
func (c *Compose) warnResources(s types.ServiceConfig) {
	limited := s.MemLimit > 0 || s.CPUS > 0 || s.PidsLimit > 0
	if d := s.Deploy; d != nil && (d.Resources.Limits != nil || d.Resources.Reservations != nil) {
		limited = true
	}
	if limited {
		c.warn(s.Name, "resource limits are not applied: cgroup v2 delegation is unavailable to Roost here; the service runs without them")
	}
}

// converge makes the service's containers match the file: creates missing
// ones, recreates changed ones, starts stopped ones, removes extra ones.
func (c *Compose) converge(ctx context.Context, s types.ServiceConfig, img serviceImage, o UpOptions) error {
	existing, err := c.ServiceContainers(ctx, s.Name)
	if err != nil {
		return err
	}
	want := c.replicas(s, o)
	hash := ConfigHash(s)
	byNumber := map[int]container.Container{}
	for _, ct := range existing {
		n, _ := strconv.Atoi(ct.Labels[LabelNumber])
		if n < 1 || n > want {
			if err := c.removeContainer(ctx, ct, o.Timeout); err != nil {
				return err
			}
			continue
		}
		byNumber[n] = ct
	}
	for n := 1; n <= want; n++ {
		ct, ok := byNumber[n]
		if !ok {
			if err := c.createAndStart(ctx, s, n, img, "Created"); err != nil {
				return err
			}
			continue
		}
		changed := ct.Labels[LabelConfigHash] != hash || ct.ImageID != img.id
		if o.ForceRecreate || (changed && !o.NoRecreate) {
			if err := c.removeContainer(ctx, ct, o.Timeout); err != nil {
				return err
			}
			if err := c.createAndStart(ctx, s, n, img, "Recreated"); err != nil {
				return err
			}
			continue
		}
		if ct.State.Status == container.StatusRunning {
			c.progress("Container", ct.Name, "Running")
			continue
		}
		if _, err := c.Engine.Start(ctx, ct.ID, container.StartOptions{}); err != nil {
			return fmt.Errorf("start %s: %w", ct.Name, err)
		}
		c.progress("Container", ct.Name, "Started")
	}
	return nil
}

func (c *Compose) createAndStart(ctx context.Context, s types.ServiceConfig, n int, img serviceImage, action string) error {
	ct, err := c.create(ctx, s, n, img)
	if err != nil {
		return err
	}
	c.progress("Container", ct.Name, action)
	if _, err := c.Engine.Start(ctx, ct.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start %s: %w", ct.Name, err)
	}
	c.progress("Container", ct.Name, "Started")
	return nil
}

func (c *Compose) create(ctx context.Context, s types.ServiceConfig, n int, img serviceImage) (*container.Container, error) {
	o, err := serviceOptions(c.Project, s, n)
	if err != nil {
		return nil, err
	}
	o.ImageID, o.ImageName, o.Spec.Image = img.id, img.name, img.config
	o.Run.Runtime = c.Runtime
	res, err := c.Core.CreateContainer(ctx, engine.CreateRequest{Options: o})
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", s.Name, err)
	}
	return res.Container, nil
}

// removeContainer stops and removes one container with its anonymous volumes.
func (c *Compose) removeContainer(ctx context.Context, ct container.Container, timeout *uint) error {
	if timeout == nil {
		t := ct.Run.StopTimeout
		timeout = &t
	}
	if ct.State.Status == container.StatusRunning {
		if _, err := c.Engine.Stop(ctx, ct.ID, timeout); err != nil && !notFound(err) {
			return fmt.Errorf("stop %s: %w", ct.Name, err)
		}
		c.progress("Container", ct.Name, "Stopped")
	}
	if _, err := c.Engine.Remove(ctx, ct.ID, container.RemoveOptions{Force: true, Volumes: true, Timeout: timeout}); err != nil && !notFound(err) {
		return fmt.Errorf("remove %s: %w", ct.Name, err)
	}
	c.progress("Container", ct.Name, "Removed")
	return nil
}

// waitDeps waits until every dependency of s meets its condition.
func (c *Compose) waitDeps(ctx context.Context, s types.ServiceConfig) error {
	for _, dep := range sortedDeps(s) {
		d := s.DependsOn[dep]
		if _, ok := c.Project.Services[dep]; !ok {
			continue // a disabled (profile) service that is not required
		}
		list, err := c.ServiceContainers(ctx, dep)
		if err != nil {
			return err
		}
		if len(list) == 0 && !d.Required {
			continue
		}
		for _, ct := range list {
			if err := c.waitCondition(ctx, ct, d.Condition); err != nil {
				return fmt.Errorf("dependency failed to start: %w", err)
			}
		}
	}
	return nil
}

// waitCondition polls one container until it meets cond.
func (c *Compose) waitCondition(ctx context.Context, ct container.Container, cond string) error {
	if cond == "" || cond == types.ServiceConditionStarted {
		return nil
	}
	reported := false
	for {
		cur, err := c.Engine.Get(ct.ID)
		if err != nil {
			return fmt.Errorf("container %s: %w", ct.Name, err)
		}
		done, err := meets(cur, cond)
		if err != nil || done {
			if done && cond == types.ServiceConditionHealthy {
				c.progress("Container", cur.Name, "Healthy")
			}
			return err
		}
		if !reported {
			c.progress("Container", cur.Name, "Waiting")
			reported = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// meets says whether a container has reached cond, or never will.
func meets(ct *container.Container, cond string) (bool, error) {
	exited := ct.State.Status == container.StatusExited
	switch cond {
	case types.ServiceConditionHealthy:
		if ct.Run.Health == nil {
			return false, fmt.Errorf("container %s has no healthcheck: service_healthy needs one", ct.Name)
		}
		switch {
		case exited:
			return false, fmt.Errorf("container %s exited (%d) before it was healthy", ct.Name, ct.State.ExitCode)
		case ct.State.Health == monitor.HealthHealthy:
			return true, nil
		case ct.State.Health == monitor.HealthUnhealthy:
			return false, fmt.Errorf("container %s is unhealthy", ct.Name)
		}
		return false, nil
	case types.ServiceConditionCompletedSuccessfully:
		if !exited || ct.State.Restarting {
			return false, nil
		}
		if ct.State.ExitCode != 0 {
			return false, fmt.Errorf("container %s exited (%d)", ct.Name, ct.State.ExitCode)
		}
		return true, nil
	}
	return false, fmt.Errorf("depends_on condition %q is not known: use service_started, service_healthy or service_completed_successfully", cond)
}

// waitReady (--wait) waits for every container to run, and to be healthy
// when it has a healthcheck.
func (c *Compose) waitReady(ctx context.Context, services []string) error {
	for _, n := range services {
		list, err := c.ServiceContainers(ctx, n)
		if err != nil {
			return err
		}
		for _, ct := range list {
			cond := types.ServiceConditionStarted
			if ct.Run.Health != nil {
				cond = types.ServiceConditionHealthy
			}
			if err := c.waitCondition(ctx, ct, cond); err != nil {
				return err
			}
			cur, err := c.Engine.Get(ct.ID)
			if err != nil {
				return err
			}
			if cur.State.Status != container.StatusRunning {
				return fmt.Errorf("container %s is not running (%s)", cur.Name, cur.State.Status)
			}
		}
	}
	return nil
}
