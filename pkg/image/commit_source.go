package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// commitSource serves a committed image to containers/image's copy, which
// then writes it into storage the way a pull does: base layers the store
// already holds are reused, the new layer is stored, and the manifest and
// config are recorded. Nothing of it is written anywhere but storage.
type commitSource struct {
	manifest     []byte
	manifestType string
	config       []byte
	configDigest digest.Digest
	blobs        map[digest.Digest]blobOpener // layers by their digest
}

// blobOpener opens one layer's uncompressed tar and says its size.
type blobOpener func() (io.ReadCloser, int64, error)

var errCommitSourceOnly = errors.New("a commit source can only be read")

// commitTransport names the source in containers/image's messages and policy
// lookups; it is never parsed from user input.
type commitTransport struct{}

func (commitTransport) Name() string { return "roost-commit" }
func (commitTransport) ParseReference(string) (types.ImageReference, error) {
	return nil, errCommitSourceOnly
}
func (commitTransport) ValidatePolicyConfigurationScope(string) error { return nil }

// commitRef is the types.ImageReference of a commitSource.
type commitRef struct{ src *commitSource }

func (r commitRef) Transport() types.ImageTransport     { return commitTransport{} }
func (r commitRef) StringWithinTransport() string       { return r.src.configDigest.String() }
func (r commitRef) DockerReference() reference.Named    { return nil }
func (r commitRef) PolicyConfigurationIdentity() string { return "" }
func (r commitRef) PolicyConfigurationNamespaces() []string {
	return nil
}

func (r commitRef) NewImage(context.Context, *types.SystemContext) (types.ImageCloser, error) {
	return nil, errCommitSourceOnly
}

func (r commitRef) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return r.src, nil
}

func (r commitRef) NewImageDestination(context.Context, *types.SystemContext) (types.ImageDestination, error) {
	return nil, errCommitSourceOnly
}

func (r commitRef) DeleteImage(context.Context, *types.SystemContext) error {
	return errCommitSourceOnly
}

func (s *commitSource) Reference() types.ImageReference { return commitRef{s} }
func (s *commitSource) Close() error                    { return nil }
func (s *commitSource) HasThreadSafeGetBlob() bool      { return false }

func (s *commitSource) GetManifest(_ context.Context, instance *digest.Digest) ([]byte, string, error) {
	if instance != nil {
		return nil, "", fmt.Errorf("a committed image has no manifest list")
	}
	return s.manifest, s.manifestType, nil
}

func (s *commitSource) GetBlob(_ context.Context, info types.BlobInfo, _ types.BlobInfoCache) (io.ReadCloser, int64, error) {
	if info.Digest == s.configDigest {
		return io.NopCloser(bytes.NewReader(s.config)), int64(len(s.config)), nil
	}
	open, ok := s.blobs[info.Digest]
	if !ok {
		return nil, -1, fmt.Errorf("blob %s is not part of the committed image", info.Digest)
	}
	return open()
}

func (s *commitSource) GetSignatures(context.Context, *digest.Digest) ([][]byte, error) {
	return nil, nil
}

// LayerInfosForCopy: nil means the manifest's own layer list is right.
func (s *commitSource) LayerInfosForCopy(context.Context, *digest.Digest) ([]types.BlobInfo, error) {
	return nil, nil
}
