package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	ciimage "go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/shortnames"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// PullOptions say where and how to pull from.
type PullOptions struct {
	RegistryOptions
	Platform Platform
	AllTags  bool // pull every tag of the repository
	// Progress receives what Podman prints while pulling: "Trying to pull ...",
	// "Copying blob ..." lines, or progress bars when it is a terminal.
	// nil: nothing is written.
	Progress io.Writer
	// Layers receives each blob's progress (new, read, done, skipped), for
	// a caller that reports it in its own shape (the API's JSON stream);
	// nil: none is sent. The caller drains it until Pull returns.
	Layers chan types.ProgressProperties
}

// puller holds what one pull command needs across candidates and tags.
type puller struct {
	store  cstorage.Store
	sys    *types.SystemContext
	policy *signature.PolicyContext
	opts   PullOptions
	intro  string // how a short name was resolved, said before the first pull
}

// Pull copies an image from a registry into storage and returns the IDs of the
// images pulled (one, or one per tag with AllTags). A short name is resolved
// through registries.conf. An image already present with the same manifest is
// not copied again: the pull only adds the name.
func Pull(ctx context.Context, store cstorage.Store, cfg *config.Config, name string, opts PullOptions) ([]string, error) {
	if OnDisk(name) {
		return pullFromDisk(ctx, store, cfg, name, opts)
	}
	name = dropTagOfDigested(strings.TrimPrefix(name, "docker://"))
	if _, err := reference.ParseNormalizedNamed(name); err != nil {
		return nil, fmt.Errorf("invalid image reference %q: %w: use NAME[:TAG] or NAME@sha256:DIGEST", name, err)
	}
	sys, done, err := copyContext(cfg, opts.RegistryOptions, opts.Platform)
	if err != nil {
		return nil, err
	}
	defer done()
	pol, err := policy(cfg)
	if err != nil {
		return nil, err
	}
	pc, err := signature.NewPolicyContext(pol)
	if err != nil {
		return nil, fmt.Errorf("signature policy: %w", err)
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	p := &puller{store: store, sys: sys, policy: pc, opts: opts}
	if opts.AllTags {
		return p.allTags(ctx, name)
	}
	id, err := p.resolveAndPull(ctx, name)
	if err != nil {
		return nil, err
	}
	record(cfg.Events, events.Pull, id, name)
	return []string{id}, nil
}

func (p *puller) say(format string, args ...any) {
	if p.opts.Progress != nil {
		fmt.Fprintf(p.opts.Progress, format+"\n", args...)
	}
}

// trying says which reference is being pulled, once the registry has
// answered for it: a pull that fails before then says it all in its error.
func (p *puller) trying(named reference.Named) {
	if p.intro != "" {
		p.say("%s", p.intro)
		p.intro = ""
	}
	p.say("Trying to pull %s...", named)
}

// resolveAndPull tries each registry a short name may come from, in order.
func (p *puller) resolveAndPull(ctx context.Context, name string) (string, error) {
	resolved, err := p.resolve(name)
	if err != nil {
		return "", err
	}
	p.intro = resolved.Description()
	var errs []error
	for _, c := range resolved.PullCandidates {
		id, err := p.pullOne(ctx, c.Value)
		if err == nil {
			if err := c.Record(); err != nil {
				p.say("WARNING: %v", err)
			}
			return id, nil
		}
		errs = append(errs, explainPull(c.Value, err, p.sys))
	}
	if len(errs) == 1 {
		return "", errs[0]
	}
	return "", fmt.Errorf("pulling %q failed from every candidate registry: %w", name, errors.Join(errs...))
}

// allTags pulls every tag of one repository.
func (p *puller) allTags(ctx context.Context, name string) ([]string, error) {
	if n, err := reference.ParseNormalizedNamed(name); err != nil || !reference.IsNameOnly(n) {
		return nil, fmt.Errorf("--all-tags takes a repository without a tag or digest, not %q", name)
	}
	resolved, err := p.resolve(name)
	if err != nil {
		return nil, err
	}
	repo := reference.TrimNamed(resolved.PullCandidates[0].Value)
	ref, err := docker.NewReference(reference.TagNameOnly(repo))
	if err != nil {
		return nil, err
	}
	tags, err := docker.GetRepositoryTags(ctx, p.sys, ref)
	if err != nil {
		return nil, explainPull(repo, err, p.sys)
	}
	var ids []string
	for _, t := range tags {
		tagged, err := reference.WithTag(repo, t)
		if err != nil {
			return ids, err
		}
		id, err := p.pullOne(ctx, tagged)
		if err != nil {
			return ids, explainPull(tagged, err, p.sys)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// pullOne pulls one fully qualified reference, or only names the local image
// when the registry's manifest is already stored.
func (p *puller) pullOne(ctx context.Context, named reference.Named) (string, error) {
	ref, err := docker.NewReference(named)
	if err != nil {
		return "", err
	}
	src, err := ref.NewImageSource(ctx, p.sys)
	if err != nil {
		return "", err
	}
	defer src.Close()
	if id, err := p.present(ctx, src, named); err != nil || id != "" {
		return id, err
	}
	stored, err := p.storeLayers(ctx, src)
	if err != nil {
		return "", err
	}
	dest, err := storage.Transport.ParseStoreReference(p.store, named.String())
	if err != nil {
		return "", err
	}
	if err := p.copyImage(ctx, ref, dest, stored); err != nil {
		return "", err
	}
	img, err := storage.Transport.GetStoreImage(p.store, dest)
	if err != nil {
		return "", fmt.Errorf("find the pulled image: %w", err)
	}
	return img.ID, nil
}

// copyImage copies what storage lacks of the image: all of it, or, once
// storeLayers stored the layers, the config, manifest and image record.
func (p *puller) copyImage(ctx context.Context, ref, dest types.ImageReference, layersStored bool) error {
	report, layers, finish := p.opts.Progress, p.opts.Layers, func() {}
	if layersStored {
		report, layers, finish = p.copyReport()
	}
	defer finish()
	_, err := copy.Image(ctx, p.policy, dest, ref, &copy.Options{
		ReportWriter:       report,
		Progress:           layers,
		ProgressInterval:   layerProgressInterval(layers),
		SourceCtx:          p.sys,
		DestinationCtx:     p.sys,
		ImageListSelection: copy.CopySystemImage,
	})
	return err
}

// present returns the ID of a stored image whose manifest is the one the
// registry serves now for this platform, after giving it the name; "" when
// there is none and the image must be copied. The signature policy governs
// naming a local copy as it governs copying.
func (p *puller) present(ctx context.Context, src types.ImageSource, named reference.Named) (string, error) {
	d, _, err := chosenManifest(ctx, p.sys, src)
	if err != nil {
		return "", err
	}
	// Checked here as well as by the copy, so that a refused image fails
	// before any progress is printed, and a local copy is not named against it.
	if ok, err := p.policy.IsRunningImageAllowed(ctx, ciimage.UnparsedInstance(src, nil)); !ok {
		return "", fmt.Errorf("source image rejected: %w", err)
	}
	p.trying(named)
	imgs, err := p.store.ImagesByDigest(d)
	if err != nil || len(imgs) == 0 {
		return "", nil
	}
	id := imgs[0].ID
	if err := p.store.AddNames(id, []string{named.String()}); err != nil {
		return "", fmt.Errorf("name image %s: %w", short(id), err)
	}
	return id, nil
}

// chosenManifest returns the digest of the manifest a pull would store:
// the registry's manifest, or the instance of an index chosen for the
// platform; and that instance (nil without an index).
func chosenManifest(ctx context.Context, sys *types.SystemContext, src types.ImageSource) (digest.Digest, *digest.Digest, error) {
	mb, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return "", nil, err
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		d, err := manifest.Digest(mb)
		return d, nil, err
	}
	list, err := manifest.ListFromBlob(mb, mt)
	if err != nil {
		return "", nil, fmt.Errorf("parse image index: %w", err)
	}
	d, err := list.ChooseInstance(sys)
	if err != nil {
		return "", nil, err
	}
	return d, &d, nil
}

// resolve turns a short name into the names to try (registries.conf's
// aliases and search registries). Where no file sets
// unqualified-search-registries, containers/image says no configuration
// was found even when the user's file exists; Roost names the file to
// edit instead.
func (p *puller) resolve(name string) (*shortnames.Resolved, error) {
	resolved, err := shortnames.Resolve(p.sys, name)
	if err == nil {
		return resolved, nil
	}
	if strings.Contains(err.Error(), "no containers-registries.conf(5) was found") {
		//nolint:staticcheck // the one file a user edits is what the line must name
		if path := sysregistriesv2.ConfigPath(p.sys); path != "" {
			return nil, fmt.Errorf("resolve %q: short-name %q did not resolve to an alias and no unqualified-search registries are defined in %q: add unqualified-search-registries there, or give a full name (REGISTRY/NAME)", name, name, path)
		}
	}
	return nil, fmt.Errorf("resolve %q: %w", name, err)
}
