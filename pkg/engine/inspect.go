package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/network"
)

// The kinds of object inspect looks for, Podman's names.
const (
	KindContainer = "container"
	KindImage     = "image"
	KindVolume    = "volume"
	KindNetwork   = "network"
	KindPod       = "pod"
	KindAll       = "all"
)

// InspectRequest is what to inspect: refs of one kind (or of any, KindAll,
// looked for as a container, an image, a volume, a network, then a pod),
// or the latest container.
type InspectRequest struct {
	Kind   string
	Refs   []string
	Latest bool
	Size   bool // containers' SizeRw and SizeRootFs
}

// InspectResult holds what was found, in the order asked, and an error for
// each ref that was not: the caller shows both.
type InspectResult struct {
	Objects []any
	Errors  []error
}

// check refuses what Podman refuses, in its words.
func (r InspectRequest) check() error {
	switch r.Kind {
	case KindContainer, KindImage, KindVolume, KindNetwork, KindPod, KindAll:
	default:
		return fmt.Errorf("invalid type %q: must be %q, %q, %q, %q, %q, or %q", r.Kind, KindImage, KindContainer, KindPod, KindNetwork, KindVolume, KindAll)
	}
	switch {
	case r.Kind == KindImage && r.Latest:
		return fmt.Errorf("latest is not supported for type %q", KindImage)
	case (r.Kind == KindImage || r.Kind == KindPod) && r.Size:
		return fmt.Errorf("size is not supported for type %q", r.Kind)
	case r.Latest && len(r.Refs) > 0:
		return errors.New("--latest and arguments cannot be used together")
	case !r.Latest && len(r.Refs) == 0:
		return errors.New("no names or ids specified")
	}
	return nil
}

// Inspect looks up each ref. A ref not found is an entry of Errors, not a
// failure of the whole request; an error returned means nothing was done.
func (e *Engine) Inspect(ctx context.Context, r InspectRequest) (InspectResult, error) {
	if err := r.check(); err != nil {
		return InspectResult{}, err
	}
	refs := r.Refs
	kind := r.Kind
	if r.Latest {
		id, err := e.latestContainer(ctx)
		if err != nil {
			return InspectResult{}, err
		}
		refs, kind = []string{id}, KindContainer
	}
	var res InspectResult
	for _, ref := range refs {
		obj, err := e.inspectOne(ctx, kind, ref, r.Size)
		if err != nil {
			res.Errors = append(res.Errors, err)
			continue
		}
		res.Objects = append(res.Objects, obj)
	}
	return res, nil
}

// latestContainer is the id of the container created last.
func (e *Engine) latestContainer(ctx context.Context) (string, error) {
	c, err := e.Containers()
	if err != nil {
		return "", err
	}
	list, err := c.List(ctx, container.ListOptions{All: true})
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", errors.New("no containers to inspect: --latest needs at least one")
	}
	return list[0].ID, nil
}

// inspectOne finds ref as kind; KindAll tries every kind in Podman's order.
func (e *Engine) inspectOne(ctx context.Context, kind, ref string, size bool) (any, error) {
	if kind != KindAll {
		return e.inspectAs(ctx, kind, ref, size)
	}
	for _, k := range []string{KindContainer, KindImage, KindVolume, KindNetwork, KindPod} {
		if obj, err := e.inspectAs(ctx, k, ref, size); err == nil {
			return obj, nil
		}
	}
	return nil, fmt.Errorf("no such object: %q", ref)
}

func (e *Engine) inspectAs(ctx context.Context, kind, ref string, size bool) (any, error) {
	switch kind {
	case KindContainer:
		c, err := e.Containers()
		if err != nil {
			return nil, err
		}
		return c.InspectWith(ref, container.InspectOptions{Size: size})
	case KindImage:
		store, err := e.Store()
		if err != nil {
			return nil, err
		}
		d, err := image.Inspect(ctx, store, []string{ref})
		if err != nil {
			return nil, err
		}
		return d[0], nil
	case KindVolume:
		c, err := e.Containers()
		if err != nil {
			return nil, err
		}
		return c.InspectVolume(ref)
	case KindNetwork:
		n, err := e.Networks().Get(ref)
		if err != nil {
			return nil, err
		}
		return network.NewInspect(n), nil
	case KindPod:
		m, err := e.Pods()
		if err != nil {
			return nil, err
		}
		return m.Inspect(ctx, ref)
	}
	return nil, fmt.Errorf("invalid type %q", kind)
}
