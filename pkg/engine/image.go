package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/spec"
)

// PullPolicy says when creating a container pulls its image, with Podman's
// names (compose's spellings map onto them in ParsePullPolicy).
type PullPolicy string

const (
	PullMissing PullPolicy = "missing" // only when not stored (the default)
	PullAlways  PullPolicy = "always"  // every time; a failure fails
	PullNever   PullPolicy = "never"   // never; an image not stored fails
	PullNewer   PullPolicy = "newer"   // every time, but a stored image is used when the pull fails
)

// ParsePullPolicy reads --pull, compose's pull_policy and an API's value.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch s {
	case "", "missing", "if_not_present", "ifnotpresent", "IfNotPresent":
		return PullMissing, nil
	case "always", "Always", "true":
		return PullAlways, nil
	case "never", "Never", "false":
		return PullNever, nil
	case "newer":
		return PullNewer, nil
	}
	return "", fmt.Errorf("invalid pull policy %q: use always, missing, never or newer", s)
}

// ImageRequest names the image a container is made from and how to get it.
type ImageRequest struct {
	Name     string                `json:"name"`
	Pull     PullPolicy            `json:"pull,omitempty"`
	Platform string                `json:"platform,omitempty"` // OS/ARCH[/VARIANT]; empty: this machine's
	Registry image.RegistryOptions `json:"-"`
	// Progress receives the pull's progress (lines, or bars on a
	// terminal); nil: nothing is written.
	Progress io.Writer `json:"-"`
}

// ResolvedImage is a stored image ready to make containers from.
type ResolvedImage struct {
	ID     string
	Name   string // the name to record: the image's first name, else what was asked
	Config spec.ImageConfig
	// Health is a Docker-format image's HEALTHCHECK; nil: none.
	Health *image.HealthConfig
}

// ErrImageNotLocal: the pull policy is never and the image is not stored.
// Its text is Podman's, which scripts match exactly.
var ErrImageNotLocal = errors.New("image not known")

// ResolveImage finds the image, pulling it as the request's policy says.
func (e *Engine) ResolveImage(ctx context.Context, r ImageRequest) (ResolvedImage, error) {
	store, err := e.Store()
	if err != nil {
		return ResolvedImage{}, err
	}
	if image.OnDisk(r.Name) {
		// An archive or directory is loaded on every use, as Podman's run
		// does: the file, not a stored copy, is what was asked for.
		img, err := e.pull(ctx, store, r)
		if err != nil {
			return ResolvedImage{}, err
		}
		return e.describe(ctx, store, img, r.Name)
	}
	policy := r.Pull
	if policy == "" {
		policy = PullMissing
	}
	img, _, findErr := image.Find(store, r.Name)
	if findErr != nil && !errors.Is(findErr, cstorage.ErrImageUnknown) {
		return ResolvedImage{}, findErr
	}
	stored := findErr == nil
	switch policy {
	case PullNever:
		if !stored {
			return ResolvedImage{}, fmt.Errorf("%s: %w", r.Name, ErrImageNotLocal)
		}
	case PullMissing, PullAlways, PullNewer:
		if policy != PullMissing || !stored {
			pulled, err := e.pull(ctx, store, r)
			switch {
			case err == nil:
				img = pulled
			case policy == PullNewer && stored:
				// newer: what is stored serves when the registry cannot.
			default:
				return ResolvedImage{}, err
			}
		}
	default:
		return ResolvedImage{}, fmt.Errorf("invalid pull policy %q: use always, missing, never or newer", policy)
	}
	return e.describe(ctx, store, img, r.Name)
}

func (e *Engine) pull(ctx context.Context, store cstorage.Store, r ImageRequest) (*cstorage.Image, error) {
	po := image.PullOptions{RegistryOptions: r.Registry, Progress: r.Progress}
	if r.Platform != "" {
		var err error
		if po.Platform, err = image.ParsePlatform(r.Platform); err != nil {
			return nil, err
		}
	}
	ids, err := image.Pull(ctx, store, e.opts.Config, r.Name, po)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Find(store, ids[0])
	return img, err
}

func (e *Engine) describe(ctx context.Context, store cstorage.Store, img *cstorage.Image, asked string) (ResolvedImage, error) {
	details, err := image.Inspect(ctx, store, []string{img.ID})
	if err != nil {
		return ResolvedImage{}, err
	}
	name := asked
	if len(img.Names) > 0 {
		name = img.Names[0]
	}
	return ResolvedImage{ID: img.ID, Name: name, Config: details[0].Config, Health: details[0].HealthCheck}, nil
}
