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
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// Compose drives one project on the engine.
type Compose struct {
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
	list, err := eng.List(ctx, container.ListOptions{All: all})
	if err != nil {
		return nil, err
	}
	var out []container.Container
	for _, ct := range list {
		if ct.Labels[LabelProject] != project {
			continue
		}
		if ct.Labels[LabelOneOff] == "True" && !oneOff {
			continue
		}
		out = append(out, ct)
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

// imageFor finds the service's image, pulling it per pull_policy.
func (c *Compose) imageFor(ctx context.Context, s types.ServiceConfig, policy string) (string, string, spec.ImageConfig, error) {
	var cfg spec.ImageConfig
	if s.Image == "" {
		return "", "", cfg, fmt.Errorf("service %s has build: and no image: %w: build it with `roost build` and name it in image:", s.Name, errNoImage)
	}
	store := c.Engine.Store
	img, _, findErr := image.Find(store, s.Image)
	if policy == "" {
		policy = s.PullPolicy
	}
	need := findErr != nil
	switch policy {
	case types.PullPolicyAlways:
		need = true
	case types.PullPolicyNever:
		if findErr != nil {
			return "", "", cfg, fmt.Errorf("service %s: image %s is not known locally and pull_policy is never", s.Name, s.Image)
		}
		need = false
	case types.PullPolicyBuild:
		if findErr != nil {
			return "", "", cfg, fmt.Errorf("service %s: %w", s.Name, errNoImage)
		}
	}
	if need {
		if findErr != nil && !errors.Is(findErr, cstorage.ErrImageUnknown) {
			return "", "", cfg, findErr
		}
		po := image.PullOptions{Progress: c.Progress}
		if s.Platform != "" {
			var err error
			if po.Platform, err = image.ParsePlatform(s.Platform); err != nil {
				return "", "", cfg, fmt.Errorf("service %s: %w", s.Name, err)
			}
		}
		ids, err := image.Pull(ctx, store, c.Engine.Cfg, s.Image, po)
		if err != nil {
			return "", "", cfg, fmt.Errorf("service %s: %w", s.Name, err)
		}
		if img, _, err = image.Find(store, ids[0]); err != nil {
			return "", "", cfg, err
		}
	}
	details, err := image.Inspect(ctx, store, []string{img.ID})
	if err != nil {
		return "", "", cfg, err
	}
	name := s.Image
	if len(img.Names) > 0 {
		name = img.Names[0]
	}
	return img.ID, name, details[0].Config, nil
}

// Pull pulls the images of the services (all when names is empty).
func (c *Compose) Pull(ctx context.Context, names []string) error {
	names, err := c.ServiceNames(names)
	if err != nil {
		return err
	}
	for _, n := range names {
		s := c.Project.Services[n]
		if s.Image == "" {
			continue
		}
		if _, _, _, err := c.imageFor(ctx, s, types.PullPolicyAlways); err != nil {
			return err
		}
		c.progress("Image", s.Image, "Pulled")
	}
	return nil
}

// notFound is true for a container another command removed first.
func notFound(err error) bool { return errors.Is(err, state.ErrNotFound) }
