package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// PushOptions say where and how push writes an image.
type PushOptions struct {
	RegistryOptions
	Format           string // oci, v2s2 (docker) or v2s1; empty: as stored
	DigestFile       string // where to write the pushed manifest's digest
	Compression      string // gzip (default) or zstd
	RemoveSignatures bool
	// Progress receives copy progress; nil: nothing is written.
	Progress io.Writer
	// Layers receives each blob's progress, as PullOptions.Layers.
	Layers chan types.ProgressProperties
}

// Push copies a stored image to dest: a registry (docker://, or a bare
// NAME[:TAG]) or any containers/image transport (oci:, oci-archive:,
// docker-archive:, dir:). An empty dest is the image's own name in its
// registry. It returns the digest of the manifest written.
func Push(ctx context.Context, store cstorage.Store, cfg *config.Config, name, dest string, o PushOptions) (digest.Digest, error) {
	mime, err := pushMIME(o.Format)
	if err != nil {
		return "", err
	}
	img, matched, err := Find(store, name)
	if err != nil {
		return "", err
	}
	if isList(store, img) && dest != "" {
		return ManifestPush(ctx, store, cfg, name, dest, o)
	}
	if isList(store, img) {
		return "", listRefused(img, name)
	}
	if dest == "" {
		if dest = matched; dest == "" {
			return "", fmt.Errorf("%s is an image ID: give the destination", name)
		}
	}
	destRef, err := pushDestination(dest)
	if err != nil {
		return "", err
	}
	sys, done, err := copyContext(cfg, o.RegistryOptions, Platform{})
	if err != nil {
		return "", err
	}
	defer done()
	co, err := pushCopyOptions(sys, mime, o)
	if err != nil {
		return "", err
	}
	if err := preflight(ctx, sys, destRef); err != nil {
		return "", err
	}
	d, err := pushCopy(ctx, store, cfg, img.ID, destRef, co)
	if err != nil {
		return "", explainPush(sys, destRef, err)
	}
	if o.DigestFile != "" {
		if err := os.WriteFile(o.DigestFile, []byte(d.String()), 0o644); err != nil {
			return d, fmt.Errorf("write the digest file: %w", err)
		}
	}
	record(cfg.Events, events.Push, img.ID, transportsName(destRef))
	return d, nil
}

func pushMIME(format string) (string, error) {
	switch format {
	case "":
		return "", nil
	case "oci":
		return imgspecv1.MediaTypeImageManifest, nil
	case "v2s2", "docker":
		return manifest.DockerV2Schema2MediaType, nil
	case "v2s1":
		return manifest.DockerV2Schema1SignedMediaType, nil
	}
	return "", fmt.Errorf("unknown --format %q: use oci, v2s2 or v2s1", format)
}

// pushDestination reads TRANSPORT:DETAILS with the transports Roost
// links in (docker, docker-archive, oci, oci-archive, dir), else a
// registry reference ("localhost:5000/x" has a port, not a transport).
func pushDestination(dest string) (types.ImageReference, error) {
	if name, rest, ok := strings.Cut(dest, ":"); ok && !strings.ContainsAny(name, "./") && !isPort(rest) {
		t := transports.Get(name)
		if t == nil {
			return nil, fmt.Errorf("invalid destination %q: unknown transport %q: use docker, docker-archive, oci, oci-archive or dir", dest, name)
		}
		ref, err := t.ParseReference(rest)
		if err != nil {
			return nil, fmt.Errorf("invalid destination %q: %w", dest, err)
		}
		return ref, nil
	}
	ref, err := docker.ParseReference("//" + dest)
	if err != nil {
		return nil, fmt.Errorf("invalid destination %q: %w: use NAME[:TAG] or TRANSPORT:DETAILS", dest, err)
	}
	return ref, nil
}

// isPort: "localhost:5000/x" names a registry host and port.
func isPort(rest string) bool {
	digits := strings.SplitN(rest, "/", 2)[0]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

func transportsName(ref types.ImageReference) string {
	if ref.Transport().Name() == docker.Transport.Name() {
		return strings.TrimPrefix(ref.StringWithinTransport(), "//")
	}
	return ref.Transport().Name() + ":" + ref.StringWithinTransport()
}

func pushCopyOptions(sys *types.SystemContext, mime string, o PushOptions) (*copy.Options, error) {
	co := &copy.Options{
		ReportWriter:          o.Progress,
		Progress:              o.Layers,
		ProgressInterval:      layerProgressInterval(o.Layers),
		SourceCtx:             sys,
		DestinationCtx:        sys,
		ForceManifestMIMEType: mime,
		RemoveSignatures:      o.RemoveSignatures,
	}
	switch o.Compression {
	case "", "gzip":
	case "zstd":
		alg, err := compression.AlgorithmByName("zstd")
		if err != nil {
			return nil, err
		}
		dsys := *sys
		dsys.CompressionFormat = &alg
		co.DestinationCtx = &dsys
	default:
		return nil, fmt.Errorf("unknown --compression-format %q: use gzip or zstd", o.Compression)
	}
	return co, nil
}

func pushCopy(ctx context.Context, store cstorage.Store, cfg *config.Config, id string, dest types.ImageReference, co *copy.Options) (digest.Digest, error) {
	pol, err := policy(cfg)
	if err != nil {
		return "", err
	}
	pc, err := signature.NewPolicyContext(pol)
	if err != nil {
		return "", fmt.Errorf("signature policy: %w", err)
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	src, err := storageRefByID(store, id)
	if err != nil {
		return "", err
	}
	mb, err := copy.Image(ctx, pc, dest, src, co)
	if err != nil {
		return "", err
	}
	return manifest.Digest(mb)
}

// preflight asks a registry destination for its tags before anything is
// copied, so that an unreachable registry or a refusal is one line with
// no progress before it. Any other answer (a new repository) goes on.
func preflight(ctx context.Context, sys *types.SystemContext, dest types.ImageReference) error {
	if dest.Transport().Name() != docker.Transport.Name() {
		return nil
	}
	_, err := docker.GetRepositoryTags(ctx, sys, dest)
	if err == nil {
		return nil
	}
	if kind, _ := classify(reference.Domain(dest.DockerReference()), err); kind == ErrUnreachable || kind == ErrAuth || kind == ErrBadLogin {
		return explainPush(sys, dest, err)
	}
	return nil
}

// explainPush says a failed push in one line. A refusal is said in
// Podman's words ("unauthorized: authentication required", which scripts
// match) with what to do about it.
func explainPush(sys *types.SystemContext, dest types.ImageReference, err error) error {
	named := dest.DockerReference()
	if named == nil || dest.Transport().Name() != docker.Transport.Name() {
		return fmt.Errorf("pushing to %s: %w", transportsName(dest), err)
	}
	registry := reference.Domain(named)
	e := explain("pushing "+named.String(), registry, err)
	var re *registryError
	if !errors.As(e, &re) || (re.kind != ErrAuth && re.kind != ErrBadLogin) {
		return e
	}
	hint := fmt.Sprintf("run `roost login %s` first or pass --creds USER:PASSWORD", registry)
	switch {
	case sys.DockerAuthConfig != nil:
		hint = "the registry refused the credentials given with --creds"
	case hasCredentials(sys, named):
		hint = fmt.Sprintf("the registry refused the stored credentials: run `roost login %s` again", registry)
	}
	return &refusedPush{fmt.Sprintf("pushing %s: unauthorized: authentication required: %s", named, hint)}
}

// refusedPush is a push the registry refused; errors.Is(err, ErrAuth).
type refusedPush struct{ msg string }

func (e *refusedPush) Error() string        { return e.msg }
func (e *refusedPush) Is(target error) bool { return target == ErrAuth }

func storageRefByID(store cstorage.Store, id string) (types.ImageReference, error) {
	return storage.Transport.NewStoreReference(store, nil, id)
}
