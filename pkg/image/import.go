package image

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// ImportOptions say what import reads and what the new image is.
type ImportOptions struct {
	Source string    // a file or an http(s) URL; "" or "-": Reader
	Reader io.Reader // stdin
	CommitOptions
}

// Import makes an image of one layer from a tarball of a filesystem (what
// export writes, plain or compressed), its config edited by the changes,
// and returns its ID.
func Import(ctx context.Context, store cstorage.Store, cfg *config.Config, o ImportOptions) (string, error) {
	named, err := commitName(o.Name)
	if err != nil {
		return "", err
	}
	if o.Format == "" {
		o.Format = FormatOCI
	}
	in, closeIn, err := importInput(ctx, o)
	if err != nil {
		return "", err
	}
	defer closeIn()
	layer, cleanup, err := spoolLayer(in)
	if err != nil {
		return "", fmt.Errorf("import %s: %w", importName(o.Source), err)
	}
	defer cleanup()
	// Podman's words for the step, so history reads the same.
	o.CreatedBy = "/bin/sh -c #(nop) ADD file:" + layer.digest.Encoded() + " in /"
	base := &imgspecv1.Image{Platform: imgspecv1.Platform{OS: "linux", Architecture: runtime.GOARCH}, RootFS: imgspecv1.RootFS{Type: "layers"}}
	configBlob, err := newConfig(base, layer.digest, o.CommitOptions)
	if err != nil {
		return "", err
	}
	cs, err := newCommitSource(configBlob, []layerBlob{layer}, o.Format)
	if err != nil {
		return "", err
	}
	if err := copyToStore(ctx, store, cfg, cs, named, o.Progress); err != nil {
		return "", err
	}
	id := cs.configDigest.Encoded()
	record(cfg.Events, events.Import, id, importName(o.Source))
	return id, nil
}

func importName(src string) string {
	if src == "" {
		return "-"
	}
	return src
}

// importInput opens the tarball: a file, a URL or the reader.
func importInput(ctx context.Context, o ImportOptions) (io.Reader, func(), error) {
	nothing := func() {}
	switch {
	case o.Source == "" || o.Source == "-":
		return o.Reader, nothing, nil
	case strings.HasPrefix(o.Source, "http://") || strings.HasPrefix(o.Source, "https://"):
		body, err := download(ctx, o.Source)
		if err != nil {
			return nil, nothing, err
		}
		return body, func() { body.Close() }, nil
	}
	f, err := os.Open(o.Source)
	if err != nil {
		return nil, nothing, fmt.Errorf("import: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// spoolLayer writes the tarball, decompressed, to an unlinked temporary
// file, hashing it, and checks that it is a tar archive before any of it
// reaches storage.
func spoolLayer(in io.Reader) (layerBlob, func(), error) {
	rc, err := archive.DecompressStream(in)
	if err != nil {
		return layerBlob{}, nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(tempDir(), "roost-import-*.tar")
	if err != nil {
		return layerBlob{}, nil, fmt.Errorf("temporary file for the layer: %w", err)
	}
	_ = os.Remove(f.Name())
	cleanup := func() { f.Close() }
	d := digest.Canonical.Digester()
	n, err := io.Copy(io.MultiWriter(f, d.Hash()), rc)
	if err == nil {
		err = checkTar(io.NewSectionReader(f, 0, n))
	}
	if err != nil {
		cleanup()
		return layerBlob{}, nil, err
	}
	return layerBlob{digest: d.Digest(), size: n, open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(io.NewSectionReader(f, 0, n)), n, nil
	}}, cleanup, nil
}

// checkTar reads every header: a truncated or foreign file fails here.
func checkTar(r io.Reader) error {
	tr := tar.NewReader(r)
	for i := 0; ; i++ {
		_, err := tr.Next()
		if err == io.EOF && i > 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not a tar archive of a filesystem: %w", err)
		}
	}
}
