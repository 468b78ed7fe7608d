package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// CreateRequest is one container to make. Options is the container as
// asked, in its parsed form (the Parse* functions of this package and of
// pkg/spec turn user syntax into it, the same for every front end); the
// engine resolves the image, picks the runtime, fills the defaults and
// checks what only it can check.
type CreateRequest struct {
	Image   ImageRequest            `json:"image"`
	Options container.CreateOptions `json:"options"`
	// Pod is NAME to join an existing pod, or new:NAME to make one for
	// this container (its published ports go to the new pod).
	Pod string `json:"pod,omitempty"`
	// Given says which settings the caller set explicitly among those a
	// pod decides for its members (network, ports, hostname).
	Given pods.Given `json:"given,omitempty"`
	// CIDFile receives the new container's id; the container is removed
	// again if it cannot be written.
	CIDFile string `json:"cidfile,omitempty"`
	// Unset marks the settings the user left to containers.conf although
	// Options carries a value for them (a flag's own default).
	Unset Unset `json:"unset,omitempty"`
	// NoImageHealthcheck is --no-healthcheck: the image's HEALTHCHECK is
	// not used (without it, a container with no health check of its own
	// gets the image's).
	NoImageHealthcheck bool `json:"noImageHealthcheck,omitempty"`
}

// CreateResult is the container made, and what the caller should tell.
type CreateResult struct {
	Container *container.Container
	Warnings  []string
}

// CreateContainer makes a container. On any failure nothing is left: no
// record, no storage, no pod made for it, no cidfile.
func (e *Engine) CreateContainer(ctx context.Context, r CreateRequest) (CreateResult, error) {
	if err := applyConfDefaults(e.opts.Config.ContainersConf, &r); err != nil {
		return CreateResult{}, err
	}
	o := r.Options
	if err := o.Spec.Namespaces.CheckUserNamespace(); err != nil {
		return CreateResult{}, err
	}
	if err := e.applyRunDefaults(&o.Run); err != nil {
		return CreateResult{}, err
	}
	if err := checkPod(r); err != nil {
		return CreateResult{}, err
	}
	if err := checkCIDFile(r.CIDFile); err != nil {
		return CreateResult{}, err
	}
	warnings := e.applyCgroups(&o.Spec)
	if o.Run.CgroupsMode == "disabled" {
		o.Spec.Cgroups = false
	}
	applyPidsLimit(e.opts.Config.ContainersConf.Containers.PidsLimit, &o.Spec)
	// The image last among the checks: a pull is the slow part. A caller
	// that made several containers of one image (compose's replicas)
	// resolved it once and passes it in Options with no Image.Name.
	if r.Image.Name != "" || o.ImageID == "" {
		img, err := e.ResolveImage(ctx, r.Image)
		if err != nil {
			return CreateResult{}, err
		}
		o.ImageID, o.ImageName, o.Spec.Image = img.ID, img.Name, img.Config
		if o.Run.Health == nil && !r.NoImageHealthcheck {
			o.Run.Health = imageHealth(img.Health)
		}
	}
	if err := e.resolveImageMounts(ctx, o.Spec.Mounts); err != nil {
		return CreateResult{}, err
	}
	o.ApplyImage()
	withConfEnv(e.opts.Config.ContainersConf.Containers.Env, &o.Spec.Image)
	c, err := e.create(ctx, r, o)
	if err != nil {
		return CreateResult{Warnings: warnings}, err
	}
	if r.CIDFile != "" {
		if err := writeNew(r.CIDFile, c.ID); err != nil {
			e.removeMadeFor(ctx, c, r)
			return CreateResult{}, fmt.Errorf("--cidfile: %w", err)
		}
	}
	return CreateResult{Container: c, Warnings: warnings}, nil
}

// imageHealth is an image's HEALTHCHECK as the container's health check;
// nil for none (or NONE).
func imageHealth(h *image.HealthConfig) *monitor.HealthConfig {
	if h == nil {
		return nil
	}
	test, err := container.HealthTest(h.Test)
	if err != nil || test == nil {
		return nil
	}
	c := monitor.HealthConfig{Test: test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}.WithDefaults()
	if c.Validate() != nil {
		return nil
	}
	return &c
}

// checkCIDFile refuses a --cidfile that exists: another container may own
// it (Podman's words).
func checkCIDFile(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("container id file exists. Ensure another container is not using it or delete %s", path)
	}
	return nil
}

// applyRunDefaults fills and checks how the monitor will run the container:
// one place for what every front end would otherwise decide again.
func (e *Engine) applyRunDefaults(r *container.RunOptions) error {
	var err error
	if r.SdNotify, err = monitor.ParseSdNotify(r.SdNotify, e.opts.NotifySocket != ""); err != nil {
		return err
	}
	if r.Remove && r.Restart.Policy != "" && r.Restart.Policy != monitor.RestartNo {
		return errors.New("--rm and --restart cannot be used together: a removed container cannot restart")
	}
	if r.LogDriver, err = ParseLogDriver(r.LogDriver); err != nil {
		return err
	}
	if r.LogMaxSize > 0 && r.LogMaxFiles == 0 {
		r.LogMaxFiles = 1
	}
	if r.HealthOnFailure, err = monitor.ParseHealthOnFailure(r.HealthOnFailure); err != nil {
		return err
	}
	if r.HealthOnFailure != monitor.HealthActionNone && r.Health == nil {
		return errors.New("cannot set on-failure action to " + r.HealthOnFailure + " without a health check")
	}
	switch r.CgroupsMode {
	case "", "enabled", "disabled", "no-conmon", "split":
	default:
		return fmt.Errorf("invalid cgroup mode %q", r.CgroupsMode)
	}
	if r.Health != nil {
		h := r.Health.WithDefaults()
		if err := h.Validate(); err != nil {
			return err
		}
		r.Health = &h
	}
	if r.Runtime == "" {
		if r.Runtime, err = e.Runtime(); err != nil {
			return err
		}
	}
	return nil
}

// Runtime is the OCI runtime binary new containers get: roost.conf's or
// --runtime's choice, else the first of crun and runc that works here.
func (e *Engine) Runtime() (string, error) {
	b, err := runtime.ChooseCached(e.opts.Config.Runtime, e.opts.Config.RunDir)
	if err != nil {
		return "", err
	}
	return b.Path, nil
}

// checkPod refuses, before anything is pulled or made, what a member of a
// pod cannot have. With new:NAME the published ports go to the new pod.
func checkPod(r CreateRequest) error {
	if r.Pod == "" {
		return nil
	}
	g := r.Given
	if strings.HasPrefix(r.Pod, "new:") {
		g.Ports = false
	}
	// Whether --hostname is allowed depends on the pod sharing uts (with
	// new:NAME it goes to the new pod): CreateMember decides with the pod.
	g.Hostname = false
	return pods.CheckMember(g, nil)
}

func (e *Engine) create(ctx context.Context, r CreateRequest, o container.CreateOptions) (*container.Container, error) {
	if r.Pod == "" {
		ce, err := e.Containers()
		if err != nil {
			return nil, err
		}
		return ce.Create(ctx, o)
	}
	mgr, err := e.Pods()
	if err != nil {
		return nil, err
	}
	name, isNew := strings.CutPrefix(r.Pod, "new:")
	if !isNew {
		return mgr.CreateMember(ctx, name, r.Given, o)
	}
	return e.createInNewPod(ctx, mgr, name, r.Given, o)
}

// createInNewPod makes pod NAME with the container's network and published
// ports, then the container in it; the pod goes again if the container
// cannot be made.
func (e *Engine) createInNewPod(ctx context.Context, mgr *pods.Manager, name string, g pods.Given, o container.CreateOptions) (*container.Container, error) {
	po := pods.CreateOptions{Name: name, Infra: true, ShareParent: true, Share: pods.DefaultShare, Ports: o.Ports, PublishAll: o.PublishAll, Runtime: o.Run.Runtime}
	po.Net = container.NetOptions{Mode: container.NetBridge, Networks: o.Net.Networks, DNS: o.Net.DNS, AddHosts: o.Net.AddHosts}
	if !e.opts.Config.Rootless {
		po.Net = container.NetOptions{Mode: container.NetNone}
	}
	g.Ports = false
	o.Ports, o.PublishAll = nil, false
	if g.Hostname { // Podman gives the new pod the container's --hostname
		po.Hostname, g.Hostname = o.Spec.Hostname, false
	}
	infra := ImageRequest{Name: e.opts.Config.ContainersConf.Engine.InfraImage}
	if err := e.resolveInfraImage(ctx, infra, &po); err != nil {
		return nil, err
	}
	p, err := mgr.Create(ctx, po)
	if err != nil {
		return nil, err
	}
	c, err := mgr.CreateMember(ctx, p.ID, g, o)
	if err != nil {
		_, _ = mgr.Remove(ctx, p.ID, pods.RemoveOptions{Force: true})
		return nil, err
	}
	return c, nil
}

// removeMadeFor undoes a create: the container, and the pod made for it.
func (e *Engine) removeMadeFor(ctx context.Context, c *container.Container, r CreateRequest) {
	if name, isNew := strings.CutPrefix(r.Pod, "new:"); isNew {
		if mgr, err := e.Pods(); err == nil {
			_, _ = mgr.Remove(ctx, name, pods.RemoveOptions{Force: true})
			return
		}
	}
	if ce, err := e.Containers(); err == nil {
		_, _ = ce.Remove(ctx, c.ID, container.RemoveOptions{Force: true})
	}
}

// writeNew writes a file that must not exist yet (O_EXCL: two creates
// racing for one --cidfile cannot both win).
func writeNew(path, data string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// resolveImageMounts names each --mount type=image by its image's id: the
// image must be stored (none is pulled for a mount, as in Podman), and a
// later tag elsewhere must not change what the container sees.
func (e *Engine) resolveImageMounts(ctx context.Context, mounts []spec.Mount) error {
	for i, m := range mounts {
		if m.Type != spec.TypeImage {
			continue
		}
		img, err := e.ResolveImage(ctx, ImageRequest{Name: m.Source, Pull: PullNever})
		if err != nil {
			return fmt.Errorf("image mount at %s: %w", m.Destination, err)
		}
		mounts[i].Source = img.ID
	}
	return nil
}
