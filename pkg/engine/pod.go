package engine

import (
	"context"
	"errors"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// PodRequest is one pod to make: Options as parsed, and the infra's image
// when it runs one (InfraImage.Name empty: catatonit alone, no image).
type PodRequest struct {
	Options    pods.CreateOptions `json:"options"`
	InfraImage ImageRequest       `json:"infraImage"`
	// NetworkGiven: the caller chose the pod's network, DNS or hosts,
	// which only an infra container can hold.
	NetworkGiven bool `json:"networkGiven,omitempty"`
}

// CreatePod checks the request, picks the infra's runtime, resolves its
// image if it has one, and makes the pod.
func (e *Engine) CreatePod(ctx context.Context, r PodRequest) (*pods.Pod, error) {
	o := r.Options
	userNS := spec.NamespaceOptions{UserNS: o.UserNS, UIDMap: o.UIDMap, GIDMap: o.GIDMap}
	if err := userNS.CheckUserNamespace(); err != nil {
		return nil, err
	}
	if !o.Infra {
		switch {
		case r.NetworkGiven:
			return nil, errors.New("--network, --dns and --add-host need the pod's infra container: they cannot be used with --infra=false")
		case r.InfraImage.Name != "":
			return nil, errors.New("--infra-image needs the infra container: it cannot be used with --infra=false")
		}
	}
	mgr, err := e.Pods()
	if err != nil {
		return nil, err
	}
	if o.Infra && o.Runtime == "" {
		if o.Runtime, err = e.Runtime(); err != nil {
			return nil, err
		}
	}
	if r.InfraImage.Name == "" && o.Infra {
		r.InfraImage.Name = e.opts.Config.ContainersConf.Engine.InfraImage
	}
	if err := e.resolveInfraImage(ctx, r.InfraImage, &o); err != nil {
		return nil, err
	}
	return mgr.Create(ctx, o)
}

// resolveInfraImage pulls or finds the infra's image (--infra-image, else
// containers.conf's infra_image); none named: catatonit alone.
func (e *Engine) resolveInfraImage(ctx context.Context, r ImageRequest, o *pods.CreateOptions) error {
	if r.Name == "" {
		return nil
	}
	img, err := e.ResolveImage(ctx, r)
	if err != nil {
		return err
	}
	o.InfraImageID, o.InfraImageName, o.InfraImage = img.ID, img.Name, img.Config
	return nil
}

// RemoveContainerDepend is `rm --depend` (and `rm -a`): a container after
// those that depend on it; for a pod's infra container, the whole pod, as
// Podman removes the pod with its infra. It returns the ids removed.
func (e *Engine) RemoveContainerDepend(ctx context.Context, id string, o container.RemoveOptions) ([]string, error) {
	ce, err := e.Containers()
	if err != nil {
		return nil, err
	}
	c, err := ce.Get(id)
	if err != nil {
		return nil, err
	}
	if c.Pod == nil || !c.Pod.IsInfra {
		return ce.RemoveDepend(ctx, id, o)
	}
	pm, err := e.Pods()
	if err != nil {
		return nil, err
	}
	p, members, err := pm.GetWithContainers(ctx, c.Pod.ID)
	if err != nil {
		return nil, err
	}
	if _, err := pm.Remove(ctx, p.ID, pods.RemoveOptions{Force: o.Force, Timeout: o.Timeout}); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	return ids, nil
}
