package image

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/directory"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	ociarchive "go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// The formats save writes, with Podman's names.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
	FormatOCIDir        = "oci-dir"
	FormatDockerDir     = "docker-dir"
)

// SaveOptions say where and how save writes images.
type SaveOptions struct {
	Format string // one of the Format* names; empty: docker-archive
	Output string // the archive file, or the directory of a *-dir format
	// Uncompressed keeps an OCI format's layers uncompressed, as stored.
	Uncompressed bool
	// Progress receives copy progress; nil: nothing is written.
	Progress io.Writer
}

// saved is one image to save and the name it goes under ("" by ID).
type saved struct {
	id   string
	name reference.Named
}

// Save writes the named images to o.Output. Several images go into one
// docker-archive; the other formats hold one image. An image named by ID
// is saved without a name, as Podman does.
func Save(ctx context.Context, store cstorage.Store, cfg *config.Config, names []string, o SaveOptions) error {
	format := o.Format
	if format == "" {
		format = FormatDockerArchive
	}
	switch format {
	case FormatDockerArchive, FormatOCIArchive, FormatOCIDir, FormatDockerDir:
	default:
		return fmt.Errorf("unknown format %q: use docker-archive, oci-archive, oci-dir or docker-dir", format)
	}
	if len(names) > 1 && format != FormatDockerArchive {
		return fmt.Errorf("%s holds one image: save several with --format docker-archive", format)
	}
	imgs, err := findSaved(store, names)
	if err != nil {
		return err
	}
	sys, done, err := copyContext(cfg, RegistryOptions{}, Platform{})
	if err != nil {
		return err
	}
	defer done()
	sys.OCIAcceptUncompressedLayers = o.Uncompressed
	pc, err := acceptAll()
	if err != nil {
		return err
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	if format == FormatDockerArchive {
		err = saveDockerArchive(ctx, store, sys, pc, imgs, o)
	} else {
		err = saveOne(ctx, store, sys, pc, format, imgs[0], o)
	}
	if err != nil {
		return fmt.Errorf("save to %s: %w", o.Output, err)
	}
	for i, s := range imgs {
		record(cfg.Events, events.Save, s.id, names[i])
	}
	return nil
}

func findSaved(store cstorage.Store, names []string) ([]saved, error) {
	var out []saved
	for _, n := range names {
		img, matched, err := Find(store, n)
		if err != nil {
			return nil, err
		}
		if isList(store, img) {
			return nil, listRefused(img, n)
		}
		s := saved{id: img.ID}
		if matched != "" {
			if s.name, err = reference.ParseNormalizedNamed(matched); err != nil {
				return nil, err
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// acceptAll is the policy for copies between the user's own storage and
// files: there is no signature to check.
func acceptAll() (*signature.PolicyContext, error) {
	return signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
}

func saveDockerArchive(ctx context.Context, store cstorage.Store, sys *types.SystemContext, pc *signature.PolicyContext, imgs []saved, o SaveOptions) error {
	w, err := dockerarchive.NewWriter(sys, o.Output)
	if err != nil {
		return err
	}
	for _, s := range imgs {
		var tagged reference.NamedTagged
		if t, ok := s.name.(reference.NamedTagged); ok {
			tagged = t
		}
		dest, err := w.NewReference(tagged)
		if err != nil {
			return errors.Join(err, w.Close())
		}
		if err := copyFromStore(ctx, store, sys, pc, s.id, dest, "", o.Progress); err != nil {
			return errors.Join(err, w.Close())
		}
	}
	return w.Close()
}

func saveOne(ctx context.Context, store cstorage.Store, sys *types.SystemContext, pc *signature.PolicyContext, format string, s saved, o SaveOptions) error {
	name := ""
	if s.name != nil {
		name = s.name.String()
	}
	var dest types.ImageReference
	var err error
	mime := ""
	switch format {
	case FormatOCIArchive:
		dest, err = ociarchive.NewReference(o.Output, name)
		mime = "application/vnd.oci.image.manifest.v1+json"
	case FormatOCIDir:
		dest, err = layout.NewReference(o.Output, name)
		mime = "application/vnd.oci.image.manifest.v1+json"
	case FormatDockerDir:
		dest, err = directory.NewReference(o.Output)
		mime = manifest.DockerV2Schema2MediaType
	default:
		return fmt.Errorf("unknown format %q: use docker-archive, oci-archive, oci-dir or docker-dir", format)
	}
	if err != nil {
		return err
	}
	return copyFromStore(ctx, store, sys, pc, s.id, dest, mime, o.Progress)
}

// copyFromStore copies one stored image, by ID, to dest.
func copyFromStore(ctx context.Context, store cstorage.Store, sys *types.SystemContext, pc *signature.PolicyContext, id string, dest types.ImageReference, mime string, progress io.Writer) error {
	src, err := storage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return err
	}
	_, err = copy.Image(ctx, pc, dest, src, &copy.Options{
		ReportWriter:          progress,
		SourceCtx:             sys,
		DestinationCtx:        sys,
		ForceManifestMIMEType: mime,
	})
	return err
}
