package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/directory"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	ociarchive "go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// LoadOptions say what load reads: a file, directory or URL, else Reader.
type LoadOptions struct {
	Input  string
	Reader io.Reader // read when Input is empty (stdin)
	// Progress receives copy progress; nil: nothing is written.
	Progress io.Writer
}

// loadable is one image found in an archive and the names it carries.
type loadable struct {
	ref   types.ImageReference
	names []reference.Named
}

// Load stores every image of an archive or directory in any format save
// writes, keeping IDs and names, and returns the names loaded (an unnamed
// image as sha256:ID), as Podman prints them.
func Load(ctx context.Context, store cstorage.Store, cfg *config.Config, o LoadOptions) ([]string, error) {
	path, cleanup, err := loadInput(ctx, o)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	sys, done, err := copyContext(cfg, RegistryOptions{}, Platform{})
	if err != nil {
		return nil, err
	}
	defer done()
	found, closeSrc, err := openLoadable(sys, path)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	_, loaded, err := storeAll(ctx, store, cfg, sys, found, o.Progress, events.LoadFromArchive)
	if err != nil {
		return loaded, fmt.Errorf("load %s: %w", path, err)
	}
	return loaded, nil
}

// storeAll copies every image found into storage, recording status for
// each name: the IDs and the names stored (an unnamed image as sha256:ID).
func storeAll(ctx context.Context, store cstorage.Store, cfg *config.Config, sys *types.SystemContext, found []loadable, progress io.Writer, status events.Status) (ids, loaded []string, err error) {
	pc, err := acceptAll()
	if err != nil {
		return nil, nil, err
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	for _, l := range found {
		id, names, err := loadOne(ctx, store, sys, pc, l, progress)
		if err != nil {
			return ids, loaded, err
		}
		ids, loaded = append(ids, id), append(loaded, names...)
		record(cfg.Events, status, id, names...)
	}
	return ids, loaded, nil
}

// loadInput is a local path to read: the input itself, or a temporary
// copy of a URL or of the reader.
func loadInput(ctx context.Context, o LoadOptions) (string, func(), error) {
	nothing := func() {}
	if o.Input != "" && !strings.HasPrefix(o.Input, "http://") && !strings.HasPrefix(o.Input, "https://") {
		if _, err := os.Stat(o.Input); err != nil {
			return "", nothing, fmt.Errorf("load: %w", err)
		}
		return o.Input, nothing, nil
	}
	r := o.Reader
	if o.Input != "" {
		body, err := download(ctx, o.Input)
		if err != nil {
			return "", nothing, err
		}
		defer body.Close()
		r = body
	}
	dir, cleanup, err := OperationTempDir()
	if err != nil {
		return "", nothing, fmt.Errorf("load: a temporary directory in %s (set TMPDIR to a writable one): %w", tempDir(), err)
	}
	f, err := os.Create(filepath.Join(dir, "archive.tar"))
	if err != nil {
		cleanup()
		return "", nothing, fmt.Errorf("load: %w", err)
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nothing, fmt.Errorf("load: read the archive: %w", err)
	}
	return f.Name(), cleanup, nil
}

func download(ctx context.Context, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("load %s: %s", url, resp.Status)
	}
	return resp.Body, nil
}

// openLoadable finds the images in path, trying each format save writes;
// when none fits, the one line says why for each.
func openLoadable(sys *types.SystemContext, path string) ([]loadable, func(), error) {
	nothing := func() {}
	st, err := os.Stat(path)
	if err != nil {
		return nil, nothing, fmt.Errorf("load: %w", err)
	}
	var errs []string
	if st.IsDir() {
		if l, err := ociDirImages(path); err == nil {
			return l, nothing, nil
		} else {
			errs = append(errs, "oci: "+err.Error())
		}
		if l, err := dockerDirImage(sys, path); err == nil {
			return l, nothing, nil
		} else {
			errs = append(errs, "dir: "+err.Error())
		}
	} else {
		if l, closer, err := dockerArchiveImages(sys, path); err == nil {
			return l, closer, nil
		} else {
			errs = append(errs, "docker-archive: "+err.Error())
		}
		if l, err := ociArchiveImage(sys, path); err == nil {
			return l, nothing, nil
		} else {
			errs = append(errs, "oci-archive: "+err.Error())
		}
	}
	return nil, nothing, fmt.Errorf("payload does not match any of the supported image formats: %s", strings.Join(errs, "; "))
}

func dockerArchiveImages(sys *types.SystemContext, path string) ([]loadable, func(), error) {
	r, err := dockerarchive.NewReader(sys, path)
	if err != nil {
		return nil, nil, err
	}
	lists, err := r.List()
	if err != nil || len(lists) == 0 {
		r.Close()
		if err == nil {
			err = errors.New("no image in the archive")
		}
		return nil, nil, err
	}
	var out []loadable
	for _, refs := range lists {
		l := loadable{ref: refs[0]}
		for _, ref := range refs {
			if n := ref.DockerReference(); n != nil {
				l.names = append(l.names, n)
			}
		}
		out = append(out, l)
	}
	return out, func() { r.Close() }, nil
}

func ociArchiveImage(sys *types.SystemContext, path string) ([]loadable, error) {
	ref, err := ociarchive.NewReference(path, "")
	if err != nil {
		return nil, err
	}
	desc, err := ociarchive.LoadManifestDescriptorWithContext(sys, ref)
	if err != nil {
		return nil, err
	}
	return []loadable{{ref: ref, names: ociName(desc.Annotations)}}, nil
}

func ociDirImages(path string) ([]loadable, error) {
	if _, err := os.Stat(filepath.Join(path, "index.json")); err != nil {
		return nil, err
	}
	ref, err := layout.NewReference(path, "")
	if err != nil {
		return nil, err
	}
	desc, err := layout.LoadManifestDescriptor(ref)
	if err != nil {
		return nil, err
	}
	return []loadable{{ref: ref, names: ociName(desc.Annotations)}}, nil
}

func dockerDirImage(_ *types.SystemContext, path string) ([]loadable, error) {
	if _, err := os.Stat(filepath.Join(path, "manifest.json")); err != nil {
		return nil, err
	}
	ref, err := directory.NewReference(path)
	if err != nil {
		return nil, err
	}
	return []loadable{{ref: ref}}, nil
}

// ociName is the image's name from the OCI ref.name annotation, when it
// is a full name as save writes it; a bare tag names nothing.
func ociName(ann map[string]string) []reference.Named {
	n, err := reference.ParseNormalizedNamed(ann["org.opencontainers.image.ref.name"])
	if err != nil || !strings.ContainsAny(ann["org.opencontainers.image.ref.name"], "/:") {
		return nil
	}
	return []reference.Named{reference.TagNameOnly(n)}
}

// loadOne copies one image into storage under its config digest (its ID
// where it was saved) and gives it every name it carried.
func loadOne(ctx context.Context, store cstorage.Store, sys *types.SystemContext, pc *signature.PolicyContext, l loadable, progress io.Writer) (string, []string, error) {
	var first reference.Named
	if len(l.names) > 0 {
		first = l.names[0]
	}
	// The ID is the config's digest, as where the image was saved; an
	// unnamed image needs it given, as the reference has nothing else.
	id, err := configDigest(ctx, sys, l.ref)
	if err != nil {
		return "", nil, err
	}
	dest, err := storage.Transport.NewStoreReference(store, first, id)
	if err != nil {
		return "", nil, err
	}
	if _, err := copy.Image(ctx, pc, dest, l.ref, &copy.Options{ReportWriter: progress, SourceCtx: sys, DestinationCtx: sys}); err != nil {
		return "", nil, err
	}
	img, err := store.Image(id)
	if err != nil {
		return "", nil, fmt.Errorf("find the loaded image: %w", err)
	}
	var names []string
	for _, n := range l.names {
		names = append(names, n.String())
	}
	if len(names) > 1 {
		if err := store.AddNames(img.ID, names[1:]); err != nil {
			return "", nil, fmt.Errorf("name image %s: %w", short(img.ID), err)
		}
	}
	if len(names) == 0 {
		names = []string{"sha256:" + img.ID}
	}
	return img.ID, names, nil
}

func configDigest(ctx context.Context, sys *types.SystemContext, ref types.ImageReference) (string, error) {
	img, err := ref.NewImage(ctx, sys)
	if err != nil {
		return "", err
	}
	defer img.Close()
	return img.ConfigInfo().Digest.Encoded(), nil
}
