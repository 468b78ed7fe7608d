package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/state"
)

// Compose drives one project on the engine.
type Compose struct {
	// Core is the engine every front end calls; Engine its containers.
	Core    *engine.Engine
	Engine  *container.Engine
	Project *types.Project
	// Runtime is the OCI runtime binary new containers get.
	Runtime string
	// Progress receives pull progress; nil: nothing.
	Progress io.Writer
	// Report is told what happens (Progress, Warning, log lines...), for
	// the CLI to print; nil: nothing.
	Report func(Event)

	reportMu sync.Mutex // see emit
}

// Containers lists the project's containers (one-off ones too with
// oneOff), sorted by service then number.
func (c *Compose) Containers(ctx context.Context, all, oneOff bool) ([]container.Container, error) {
	return ProjectContainers(ctx, c.Engine, c.Project.Name, all, oneOff)
}

// ProjectContainers lists a project's containers by their labels.
func ProjectContainers(ctx context.Context, eng *container.Engine, project string, all, oneOff bool) ([]container.Container, error) {
	filters := []string{"label=" + LabelProject + "=" + project}
	if !oneOff {
		filters = append(filters, "label!="+LabelOneOff+"=True")
	}
	out, err := eng.List(ctx, container.ListOptions{All: all, Filters: filters})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Labels, out[j].Labels
		if a[LabelService] != b[LabelService] {
			return a[LabelService] < b[LabelService]
		}
		ni, _ := strconv.Atoi(a[LabelNumber])
		nj, _ := strconv.Atoi(b[LabelNumber])
		return ni < nj
	})
	return out, nil
}

// ServiceContainers are the containers of one service (not one-off).
func (c *Compose) ServiceContainers(ctx context.Context, service string) ([]container.Container, error) {
	list, err := c.Containers(ctx, true, false)
	if err != nil {
		return nil, err
	}
	var out []container.Container
	for _, ct := range list {
		if ct.Labels[LabelService] == service {
			out = append(out, ct)
		}
	}
	return out, nil
}

// ServiceNames lists names, or every service when names is empty, each
// checked against the project.
func (c *Compose) ServiceNames(names []string) ([]string, error) {
	if len(names) == 0 {
		return c.Project.ServiceNames(), nil
	}
	for _, n := range names {
		if _, ok := c.Project.Services[n]; !ok {
			return nil, fmt.Errorf("no such service: %s: see `roost compose config --services`", n)
		}
	}
	return names, nil
}

// imageFor finds the service's image, pulling it per pull_policy (policy,
// when given, overrides it), through the engine's one pull policy; a
// service with build: has its image built as when says instead.
func (c *Compose) imageFor(ctx context.Context, s types.ServiceConfig, policy string, when buildWhen) (serviceImage, error) {
	if s.Build != nil {
		return c.builtImage(ctx, s, when)
	}
	if policy == "" {
		policy = s.PullPolicy
	}
	r := engine.ImageRequest{Name: s.Image, Platform: s.Platform, Progress: c.Progress}
	var err error
	if policy == types.PullPolicyBuild {
		return serviceImage{}, fmt.Errorf("service %s has pull_policy: build and no build: section: add one, or another pull_policy", s.Name)
	}
	if r.Pull, err = engine.ParsePullPolicy(policy); err != nil {
		return serviceImage{}, fmt.Errorf("service %s: pull_policy: %w", s.Name, err)
	}
	return c.resolve(ctx, s, r)
}

// builtImage is a building service's image: the stored one, built first
// when missing or when asked (pull_policy: build rebuilds on every up).
func (c *Compose) builtImage(ctx context.Context, s types.ServiceConfig, when buildWhen) (serviceImage, error) {
	name := ImageName(c.Project, s)
	if when == buildMissing && s.PullPolicy == types.PullPolicyBuild {
		when = buildAlways
	}
	r := engine.ImageRequest{Name: name, Pull: engine.PullNever}
	if when != buildAlways {
		img, err := c.resolve(ctx, s, r)
		if !errors.Is(err, engine.ErrImageNotLocal) {
			return img, err
		}
		if when == buildNever {
			return img, fmt.Errorf("service %s: image %s is not built: build it with `roost compose build %s`, or leave out --no-build", s.Name, name, s.Name)
		}
	}
	if _, err := c.buildService(ctx, s, BuildOptions{Output: c.Progress}); err != nil {
		return serviceImage{}, err
	}
	return c.resolve(ctx, s, r)
}

// willBuild says whether builtImage will build the service's image: a
// stored image is used as it is, even when its build: could not be built
// now.
func (c *Compose) willBuild(ctx context.Context, s types.ServiceConfig, when buildWhen) bool {
	switch {
	case s.Build == nil || when == buildNever:
		return false
	case when == buildAlways || s.PullPolicy == types.PullPolicyBuild:
		return true
	}
	_, err := c.Core.ResolveImage(ctx, engine.ImageRequest{Name: ImageName(c.Project, s), Pull: engine.PullNever})
	return errors.Is(err, engine.ErrImageNotLocal)
}

func (c *Compose) resolve(ctx context.Context, s types.ServiceConfig, r engine.ImageRequest) (serviceImage, error) {
	img, err := c.Core.ResolveImage(ctx, r)
	if err != nil {
		return serviceImage{}, fmt.Errorf("service %s: %w", s.Name, err)
	}
	return serviceImage{id: img.ID, name: img.Name, config: img.Config}, nil
}

// Pull pulls the images of the services (all when names is empty); those
// that build their image are left to `compose build`.
func (c *Compose) Pull(ctx context.Context, names []string) error {
	names, err := c.ServiceNames(names)
	if err != nil {
		return err
	}
	for _, n := range names {
		s := c.Project.Services[n]
		if s.Image == "" || s.Build != nil {
			continue
		}
		if _, err := c.imageFor(ctx, s, types.PullPolicyAlways, buildNever); err != nil {
			return err
		}
		c.progress("Image", s.Image, "Pulled")
	}
	return nil
}

// notFound is true for a container another command removed first.
func notFound(err error) bool { return errors.Is(err, state.ErrNotFound) }
