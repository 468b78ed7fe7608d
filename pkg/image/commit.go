package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/storage"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/roost-containers/roost/pkg/config"
)

// Image formats a commit can write, with Podman's names.
const (
	FormatOCI    = "oci"
	FormatDocker = "docker"
)

// CommitOptions say what the new image is called and how its config differs
// from the base image's.
type CommitOptions struct {
	Name      string // "" leaves the image untagged (<none>)
	Format    string // FormatOCI (default) or FormatDocker
	Author    string // "" keeps the base image's
	Message   string // the history entry's comment
	CreatedBy string // the history entry's created_by: what the container ran
	// Container is how the container differs from its image; nil: not at
	// all. The Changes apply after it.
	Container *ContainerConfig
	Changes   []Change
	// Progress receives containers/image's copy lines ("Copying blob ...");
	// nil: nothing is written.
	Progress io.Writer
}

// CommitSource is the container a commit reads: its read-write layer and the
// image it was created from ("" for a container from no image).
type CommitSource struct {
	LayerID string
	ImageID string
}

// layerBlob is one layer of the new image: its uncompressed digest (which is
// also its diff ID), size, and how to read it.
type layerBlob struct {
	digest digest.Digest
	size   int64
	open   blobOpener
}

// Commit makes a new image from the base image's layers and one new layer
// holding the container layer's changes, with the base config edited by the
// options. The layers the base image has are reused, not copied.
func Commit(ctx context.Context, store cstorage.Store, cfg *config.Config, src CommitSource, o CommitOptions) (string, error) {
	named, err := commitName(o.Name)
	if err != nil {
		return "", err
	}
	if o.Format == "" {
		o.Format = FormatOCI
	}
	if o.Format != FormatOCI && o.Format != FormatDocker {
		return "", fmt.Errorf("unknown image format %q: use oci or docker", o.Format)
	}
	base, baseLayers, err := commitBase(ctx, store, src)
	if err != nil {
		return "", err
	}
	top, cleanup, err := diffLayer(store, src.LayerID, layerEdit{})
	if err != nil {
		return "", err
	}
	defer cleanup()
	configBlob, err := newConfig(base, top.digest, o)
	if err != nil {
		return "", err
	}
	cs, err := newCommitSource(configBlob, append(baseLayers, top), o.Format)
	if err != nil {
		return "", err
	}
	if err := copyToStore(ctx, store, cfg, cs, named, o.Progress); err != nil {
		return "", err
	}
	return cs.configDigest.Encoded(), nil
}

// CommitWarnings are what the user should hear before a commit: changes the
// format cannot carry are dropped.
func CommitWarnings(format string, changes []Change) []string {
	var out []string
	for _, c := range changes {
		if c.Instruction == "ONBUILD" && format != FormatDocker {
			out = append(out, fmt.Sprintf("%s: ONBUILD is not supported by the OCI image format and is ignored: use --format docker", c.Raw))
		}
	}
	return out
}

// commitName checks the name before any work: a bad name must not cost a
// layer diff, and must leave nothing behind.
func commitName(name string) (reference.Named, error) {
	if name == "" {
		return nil, nil
	}
	return NormalizeName(name)
}

// commitBase reads the base image's config and lists its layers bottom up; a
// container from no image starts from an empty config.
func commitBase(ctx context.Context, store cstorage.Store, src CommitSource) (*imgspecv1.Image, []layerBlob, error) {
	if src.ImageID == "" {
		return &imgspecv1.Image{
			Platform: imgspecv1.Platform{OS: "linux", Architecture: runtime.GOARCH},
			RootFS:   imgspecv1.RootFS{Type: "layers"},
		}, nil, nil
	}
	st, err := readStored(ctx, store, src.ImageID)
	if err != nil {
		return nil, nil, err
	}
	img, err := store.Image(src.ImageID)
	if err != nil {
		return nil, nil, fmt.Errorf("base image %s: %w", short(src.ImageID), err)
	}
	layers, err := imageLayers(store, img.TopLayer)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Equal(diffIDs(layers), st.config.RootFS.DiffIDs) {
		return nil, nil, fmt.Errorf("base image %s: its stored layers do not match its config's diff IDs", short(src.ImageID))
	}
	return st.config, layers, nil
}

// imageLayers walks from the top layer down and returns the layers bottom up.
func imageLayers(store cstorage.Store, top string) ([]layerBlob, error) {
	var out []layerBlob
	for id := top; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", short(id), err)
		}
		if l.UncompressedDigest == "" || l.UncompressedSize < 0 {
			return nil, fmt.Errorf("layer %s has no recorded uncompressed digest", short(id))
		}
		layerID := l.ID
		out = append(out, layerBlob{digest: l.UncompressedDigest, size: l.UncompressedSize, open: func() (io.ReadCloser, int64, error) {
			rc, err := store.Diff("", layerID, &cstorage.DiffOptions{Compression: compressionNone()})
			return rc, l.UncompressedSize, err
		}})
		id = l.Parent
	}
	slices.Reverse(out)
	return out, nil
}

func diffIDs(layers []layerBlob) []digest.Digest {
	out := make([]digest.Digest, len(layers))
	for i, l := range layers {
		out[i] = l.digest
	}
	return out
}

func compressionNone() *archive.Compression {
	c := archive.Uncompressed
	return &c
}

// diffLayer writes the container layer's changes against its parent (with
// whiteouts for deletions) to an unlinked temporary file, hashing as it goes:
// the manifest must name the layer's digest and size before copy reads it.
// Unlinked at once, the file cannot outlive a killed command.
func diffLayer(store cstorage.Store, layerID string, edit layerEdit) (layerBlob, func(), error) {
	raw, err := store.Diff("", layerID, &cstorage.DiffOptions{Compression: compressionNone()})
	if err != nil {
		return layerBlob{}, nil, fmt.Errorf("read the container's changes: %w", err)
	}
	defer raw.Close()
	var rc io.Reader = raw
	if len(edit.exclude) > 0 || edit.mtime != nil {
		rc = editLayer(raw, edit)
	}
	f, err := os.CreateTemp(tempDir(), "roost-commit-*.tar")
	if err != nil {
		return layerBlob{}, nil, fmt.Errorf("temporary file for the new layer: %w", err)
	}
	_ = os.Remove(f.Name())
	cleanup := func() { f.Close() }
	d := digest.Canonical.Digester()
	n, err := io.Copy(io.MultiWriter(f, d.Hash()), rc)
	if err != nil {
		cleanup()
		return layerBlob{}, nil, fmt.Errorf("read the container's changes: %w", err)
	}
	return layerBlob{digest: d.Digest(), size: n, open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(io.NewSectionReader(f, 0, n)), n, nil
	}}, cleanup, nil
}

// tempDir is where big temporary files go: $TMPDIR, else /var/tmp (on disk,
// where /tmp may be a small tmpfs), as Podman does.
func tempDir() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/var/tmp"
}

// newConfig is the base config with the changes applied, the new layer's
// diff ID and a history entry; it returns the config as the format wants it.
func newConfig(base *imgspecv1.Image, layer digest.Digest, o CommitOptions) ([]byte, error) {
	now := time.Now().UTC()
	img := *base
	img.Created = &now
	if o.Author != "" {
		img.Author = o.Author
	}
	edit := ConfigEdit{Config: base.Config}
	if o.Container != nil {
		o.Container.applyTo(&edit.Config)
	}
	Apply(o.Changes, &edit)
	img.Config = edit.Config
	img.RootFS.Type = "layers"
	img.RootFS.DiffIDs = append(slices.Clone(base.RootFS.DiffIDs), layer)
	img.History = append(slices.Clone(base.History), imgspecv1.History{
		Created: &now, CreatedBy: o.CreatedBy, Author: img.Author, Comment: o.Message,
	})
	if o.Format == FormatOCI {
		return json.Marshal(img) // ONBUILD has no place here: see CommitWarnings
	}
	return json.Marshal(dockerImage{Image: img, Comment: o.Message, Config: dockerConfig{ImageConfig: img.Config, OnBuild: edit.OnBuild}})
}

// dockerImage is Docker's config: OCI's fields and names plus the comment
// and ONBUILD triggers OCI has no place for.
type dockerImage struct {
	imgspecv1.Image
	Comment string       `json:"comment,omitempty"`
	Config  dockerConfig `json:"config"` // shadows Image.Config
}

type dockerConfig struct {
	imgspecv1.ImageConfig
	OnBuild []string `json:"OnBuild,omitempty"`
}

// newCommitSource builds the manifest over the config and layers. Layers are
// listed uncompressed, by their diff IDs, so storage recognises the base's
// layers as ones it holds.
func newCommitSource(configBlob []byte, layers []layerBlob, format string) (*commitSource, error) {
	return newAnnotatedSource(configBlob, layers, format, nil)
}

// newAnnotatedSource is newCommitSource with annotations on an OCI
// manifest (the docker format has no place for them).
func newAnnotatedSource(configBlob []byte, layers []layerBlob, format string, annotations map[string]string) (*commitSource, error) {
	s := &commitSource{config: configBlob, configDigest: digest.FromBytes(configBlob), blobs: map[digest.Digest]blobOpener{}}
	for _, l := range layers {
		s.blobs[l.digest] = l.open
	}
	var err error
	if format == FormatDocker {
		s.manifestType = manifest.DockerV2Schema2MediaType
		s.manifest, err = dockerManifest(s, layers)
	} else {
		s.manifestType = imgspecv1.MediaTypeImageManifest
		s.manifest, err = ociManifest(s, layers, annotations)
	}
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return s, nil
}

func ociManifest(s *commitSource, layers []layerBlob, annotations map[string]string) ([]byte, error) {
	m := imgspecv1.Manifest{
		Annotations: annotations,
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   imgspecv1.MediaTypeImageManifest,
		Config:      imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageConfig, Digest: s.configDigest, Size: int64(len(s.config))},
		Layers:      make([]imgspecv1.Descriptor, 0, len(layers)),
	}
	for _, l := range layers {
		m.Layers = append(m.Layers, imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageLayer, Digest: l.digest, Size: l.size})
	}
	return json.Marshal(m)
}

func dockerManifest(s *commitSource, layers []layerBlob) ([]byte, error) {
	cfg := manifest.Schema2Descriptor{MediaType: manifest.DockerV2Schema2ConfigMediaType, Digest: s.configDigest, Size: int64(len(s.config))}
	ls := make([]manifest.Schema2Descriptor, 0, len(layers))
	for _, l := range layers {
		ls = append(ls, manifest.Schema2Descriptor{MediaType: manifest.DockerV2SchemaLayerMediaTypeUncompressed, Digest: l.digest, Size: l.size})
	}
	return manifest.Schema2FromComponents(cfg, ls).Serialize()
}

// copyToStore writes the image into storage under the config's digest as its
// ID (what Podman does), with the name if there is one. The policy accepts
// anything here: the content is the user's own, already in storage.
func copyToStore(ctx context.Context, store cstorage.Store, cfg *config.Config, s *commitSource, named reference.Named, progress io.Writer) error {
	dest, err := storage.Transport.NewStoreReference(store, named, s.configDigest.Encoded())
	if err != nil {
		return fmt.Errorf("storage reference: %w", err)
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		return err
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	sys, done, err := copyContext(cfg, RegistryOptions{}, Platform{})
	if err != nil {
		return err
	}
	defer done()
	_, err = copy.Image(ctx, pc, dest, commitRef{s}, &copy.Options{ReportWriter: progress, SourceCtx: sys, DestinationCtx: sys})
	if err != nil {
		return fmt.Errorf("write the new image: %w", err)
	}
	if _, err := store.Image(s.configDigest.Encoded()); err != nil {
		return errors.Join(errors.New("the new image is not in storage after writing it"), err)
	}
	return nil
}
