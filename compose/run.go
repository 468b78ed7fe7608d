package compose

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/spec"
)

// RunOptions are `compose run`'s choices for a one-off container.
type RunOptions struct {
	Service    string
	Command    []string // empty: the service's
	Entrypoint *string
	Env        []string // KEY=VALUE over the service's
	Volumes    []string // -v, as `roost run -v`
	Ports      []string // -p
	User       string
	WorkDir    string
	Name       string
	Remove     bool // --rm
	NoDeps     bool
	Terminal   bool // -t (not -T)
	Stdin      bool // -i
}

// CreateOneOff starts the service's dependencies (unless NoDeps) and
// creates, without starting, a one-off container of the service, labelled
// oneoff so that up and ps leave it alone.
func (c *Compose) CreateOneOff(ctx context.Context, o RunOptions) (*container.Container, error) {
	s, ok := c.Project.Services[o.Service]
	if !ok {
		return nil, fmt.Errorf("no such service: %s: see `roost compose config --services`", o.Service)
	}
	if !o.NoDeps && len(s.DependsOn) > 0 {
		var deps []string
		for _, d := range sortedDeps(s) {
			if _, ok := c.Project.Services[d]; ok {
				deps = append(deps, d)
			}
		}
		if err := c.Up(ctx, UpOptions{Services: deps}); err != nil {
			return nil, err
		}
		if err := c.waitDeps(ctx, s); err != nil {
			return nil, err
		}
	}
	if err := c.ensureSecrets([]string{o.Service}); err != nil {
		return nil, err
	}
	img, err := c.imageFor(ctx, s, "", buildMissing)
	if err != nil {
		return nil, err
	}
	s.ContainerName = ""
	co, err := serviceOptions(c.Project, s, 1)
	if err != nil {
		return nil, err
	}
	co.Name = o.Name
	if co.Name == "" {
		co.Name = fmt.Sprintf("%s-%s-run-%s", c.Project.Name, s.Name, randomHex(6))
	}
	co.Labels[LabelOneOff] = "True"
	co.Labels[LabelNumber] = "1"
	if err := applyRunOptions(&co, o); err != nil {
		return nil, err
	}
	co.ImageID, co.ImageName, co.Spec.Image = img.id, img.name, img.config
	co.Run.Runtime = c.Runtime
	// a one-off container has no published ports of the service's, as in
	// Docker Compose without --service-ports
	res, err := c.Core.CreateContainer(ctx, engine.CreateRequest{Options: co})
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", s.Name, err)
	}
	return res.Container, nil
}

func applyRunOptions(co *container.CreateOptions, o RunOptions) error {
	p := &co.Spec.Process
	if len(o.Command) > 0 {
		p.Args = o.Command
	}
	if o.Entrypoint != nil {
		ep := []string{}
		if *o.Entrypoint != "" {
			ep = []string{*o.Entrypoint}
		}
		p.Entrypoint = &ep
	}
	p.Env = append(p.Env, o.Env...)
	if o.User != "" {
		p.User = o.User
	}
	if o.WorkDir != "" {
		p.WorkDir = o.WorkDir
	}
	p.Terminal, co.Run.Terminal, co.Run.Stdin = o.Terminal, o.Terminal, o.Stdin
	co.Run.Remove = o.Remove
	if o.Remove {
		co.Run.Restart.Policy = ""
	}
	co.Run.Health = nil
	for _, v := range o.Volumes {
		m, err := spec.ParseVolume(v)
		if err != nil && !errors.Is(err, spec.ErrNamedVolume) {
			return err
		}
		co.Spec.Mounts = append(co.Spec.Mounts, m)
	}
	ports, err := container.ParsePorts(o.Ports)
	if err != nil {
		return err
	}
	co.Ports = ports
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n*2]
}
