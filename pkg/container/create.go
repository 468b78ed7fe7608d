package container

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/secrets"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// CreateOptions is everything `create` and `run` decide before the engine acts.
type CreateOptions struct {
	Name      string
	ImageID   string
	ImageName string
	Spec      spec.Options // the user's options; Spec.Image is the image's config
	Run       RunOptions
	Labels    map[string]string
	Replace   bool // --replace: remove a container of the same name first
	Net       NetOptions
	Ports     []PortMapping // -p; a HostPort of 0 gets a free port
	// PublishAll is -P: publish every port the image EXPOSEs to a free port.
	PublishAll bool
	// VolumesFrom names containers (NAME[:ro|rw]) whose volumes and bind
	// mounts this one mounts too.
	VolumesFrom []string
	// Pod makes the container a pod's infra or member; DependsOn names the
	// containers it needs (a member needs its infra).
	Pod       *PodLink
	DependsOn []string
	// CreateArgs are the create/run flags and arguments that made it, so
	// `generate systemd --new` can make it again.
	CreateArgs []string
	// Expose are ports ("80/tcp") added to the image's exposed ones, which
	// -P publishes (--expose).
	Expose []string
	// ImageVolume is what the image's VOLUMEs become: bind ("" too: an
	// anonymous volume each), tmpfs, or ignore (--image-volume).
	ImageVolume string
	// Secrets are the --secret options (secrets.ParseRef).
	Secrets []secrets.Ref
}

// ApplyImage merges --expose and --image-volume into the resolved image's
// configuration, which the container then starts from.
func (o *CreateOptions) ApplyImage() {
	img := &o.Spec.Image
	if len(o.Expose) > 0 {
		ports := make(map[string]struct{}, len(img.ExposedPorts)+len(o.Expose))
		for p := range img.ExposedPorts {
			ports[p] = struct{}{}
		}
		for _, p := range o.Expose {
			ports[p] = struct{}{}
		}
		img.ExposedPorts = ports
	}
	switch o.ImageVolume {
	case "ignore":
		img.Volumes = nil
	case "tmpfs":
		for p := range img.Volumes {
			o.Spec.Mounts = append(o.Spec.Mounts, spec.Mount{Type: spec.TypeTmpfs, Source: "tmpfs", Destination: p})
		}
		img.Volumes = nil
	}
}

// ParseExpose reads --expose PORT[-PORT][/PROTO] into "PORT/PROTO" entries.
func ParseExpose(list []string) ([]string, error) {
	var out []string
	for _, v := range list {
		ports, proto, _ := strings.Cut(v, "/")
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return nil, fmt.Errorf("invalid --expose %q: the protocol must be tcp, udp or sctp", v)
		}
		lo, hi, isRange := strings.Cut(ports, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		b := a
		if err == nil && isRange {
			b, err = strconv.ParseUint(hi, 10, 16)
		}
		if err != nil || a == 0 || b < a {
			return nil, fmt.Errorf("invalid --expose %q: give a port or a range such as 8000-8010", v)
		}
		for p := a; p <= b; p++ {
			out = append(out, fmt.Sprintf("%d/%s", p, proto))
		}
	}
	return out, nil
}

// ErrNameInUse is returned when --name names an existing container.
var ErrNameInUse = state.ErrNameInUse

// nameInUse is Podman's refusal of a taken name, word for word (scripts
// and Podman's tests match it), naming the container that holds it.
func (e *Engine) nameInUse(name string) error {
	holder := "another container"
	if c, err := e.get(name); err == nil {
		holder = c.ID
	}
	return fmt.Errorf("creating container storage: the container name %q is already in use by %s. You have to remove that container to be able to reuse that name: that %w", name, holder, ErrNameInUse)
}

// Create makes a container: its record, its storage, and a prepared bundle
// that proves the spec is sound (the command exists, the user resolves). On
// any failure nothing is left behind.
func (e *Engine) Create(ctx context.Context, o CreateOptions) (*Container, error) {
	e.Reconcile(ctx)
	if o.Name == "" {
		o.Name = randomName()
	} else if err := ValidName(o.Name); err != nil {
		return nil, err
	}
	if err := e.checkNet(&o); err != nil {
		return nil, err
	}
	deps, err := e.resolveRequired(o.DependsOn)
	if err != nil {
		return nil, err
	}
	o.DependsOn = deps
	uses, err := e.resolveSecrets(o.Secrets)
	if err != nil {
		return nil, err
	}
	if o.Replace {
		if err := e.replace(ctx, o.Name); err != nil {
			return nil, err
		}
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	// Held until Create returns, however it returns: a record left
	// 'creating' with this lease free is Reconcile's to remove.
	lease, err := state.TakeLease(e.leaseDir())
	if err != nil {
		return nil, err
	}
	defer lease.Release()
	release, madeVolumes, err := e.claimVolumes(ctx, &o)
	if err != nil {
		return nil, err
	}
	c := &Container{
		ID: id, Name: o.Name, Created: time.Now().UTC(),
		ImageID: o.ImageID, ImageName: o.ImageName, Labels: o.Labels,
		Spec: o.Spec, Run: o.Run, Net: o.Net, Ports: o.Ports,
		Pod: o.Pod, DependsOn: o.DependsOn,
		CreateArgs: o.CreateArgs, Secrets: uses,
		State: State{Status: StatusCreating, Lease: lease.ID},
	}
	err = e.save(c)
	release() // recorded: the volumes are in use now
	if err != nil {
		e.dropVolumes(madeVolumes)
		if errors.Is(err, state.ErrNameInUse) {
			return nil, e.nameInUse(o.Name)
		}
		return nil, err
	}
	if err := e.build(c); err != nil {
		e.discard(ctx, c)
		e.dropVolumes(madeVolumes)
		return nil, err
	}
	e.event(c, events.Create)
	return c, nil
}

// build gives a new record its storage and bundle, then marks it created.
func (e *Engine) build(c *Container) error {
	if err := e.createLayer(c); err != nil {
		return err
	}
	if err := e.copySecrets(c); err != nil {
		return err
	}
	res, err := e.prepare(c)
	if err != nil {
		return err
	}
	_, err = e.update(c.ID, func(r *Container) error {
		r.Command = res.Spec.Process.Args
		r.Spec.Namespaces.UIDMappings = c.Spec.Namespaces.UIDMappings
		r.Spec.Namespaces.GIDMappings = c.Spec.Namespaces.GIDMappings
		r.State = State{Status: StatusCreated}
		*c = *r
		return nil
	})
	return err
}

// discard removes whatever a failed create made: storage, run dir, record.
func (e *Engine) discard(ctx context.Context, c *Container) {
	_ = e.teardown(ctx, c)
	_ = e.DB.Update(func(tx *state.Tx) error { return tx.Delete(state.Containers, c.ID) })
}

// replace removes the container named name, if there is one (--replace).
func (e *Engine) replace(ctx context.Context, name string) error {
	id, err := e.DB.NameID(state.Containers, name)
	if err == nil {
		_, err = e.Remove(ctx, id, RemoveOptions{Force: true})
	}
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("replace %s: %w", name, err)
	}
	return nil
}
