package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/storage"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
)

// BuildConfig is an image's config as a build reads and edits it: OCI's
// fields, plus Docker's that OCI has no place for (a health check, ONBUILD
// triggers, the SHELL), which only the docker format keeps.
type BuildConfig struct {
	imgspecv1.Image
	Comment string           `json:"comment,omitempty"`
	Config  BuildImageConfig `json:"config"` // shadows Image.Config
}

// BuildImageConfig is the runtime part of a BuildConfig.
type BuildImageConfig struct {
	imgspecv1.ImageConfig
	Healthcheck *HealthConfig `json:"Healthcheck,omitempty"`
	OnBuild     []string      `json:"OnBuild,omitempty"`
	Shell       []string      `json:"Shell,omitempty"`
}

// HealthConfig is Docker's image health check; durations in nanoseconds.
type HealthConfig struct {
	Test          []string      `json:",omitempty"`
	Interval      time.Duration `json:",omitempty"`
	Timeout       time.Duration `json:",omitempty"`
	StartPeriod   time.Duration `json:",omitempty"`
	StartInterval time.Duration `json:",omitempty"`
	Retries       int           `json:",omitempty"`
}

// EmptyBuildConfig is the config of FROM scratch.
func EmptyBuildConfig() BuildConfig {
	return BuildConfig{Image: imgspecv1.Image{
		Platform: imgspecv1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		RootFS:   imgspecv1.RootFS{Type: "layers"},
	}}
}

// ReadBuildConfig reads a stored image's config with Docker's extra fields.
func ReadBuildConfig(ctx context.Context, store cstorage.Store, id string) (BuildConfig, error) {
	ref, err := storage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return BuildConfig{}, err
	}
	img, err := ref.NewImage(ctx, nil)
	if err != nil {
		return BuildConfig{}, fmt.Errorf("open image %s: %w", short(id), err)
	}
	defer img.Close()
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return BuildConfig{}, fmt.Errorf("read the configuration of image %s: %w", short(id), err)
	}
	var c BuildConfig
	if err := json.Unmarshal(blob, &c); err != nil {
		return BuildConfig{}, fmt.Errorf("decode the configuration of image %s: %w", short(id), err)
	}
	return c, nil
}

// StepCommit is one build step's image: a base, at most one new layer, and
// the whole new config (the caller edits the base's).
type StepCommit struct {
	BaseID string // "" for FROM scratch
	// The new layer: the changes of a container's layer, or a layer tar
	// (uncompressed, read from its start); neither: an empty-layer step.
	ContainerLayer string
	LayerTar       *os.File
	Config         BuildConfig
	CreatedBy      string
	Format         string     // FormatOCI (default) or FormatDocker
	Created        *time.Time // nil: now
	Name           string     // "" leaves it untagged
	// Annotations go on the OCI manifest.
	Annotations map[string]string
	// Exclude are paths (absolute, in the image) left out of a container
	// layer: what the runtime set up for the step (/etc/hosts, mount
	// points), which is not the step's work.
	Exclude []string
}

// CommitStep writes a build step's image into storage and returns its ID.
func CommitStep(ctx context.Context, store cstorage.Store, cfg *config.Config, s StepCommit) (string, error) {
	named, err := commitName(s.Name)
	if err != nil {
		return "", err
	}
	layers, err := stepBaseLayers(store, s.BaseID, s.Config.RootFS.DiffIDs)
	if err != nil {
		return "", err
	}
	top, cleanup, err := stepLayer(store, s)
	if err != nil {
		return "", err
	}
	defer cleanup()
	c := s.Config
	now := time.Now().UTC()
	if s.Created != nil {
		now = s.Created.UTC()
	}
	c.Created = &now
	c.RootFS.Type = "layers"
	c.RootFS.DiffIDs = slices.Clone(c.RootFS.DiffIDs)
	c.History = append(slices.Clone(c.History), imgspecv1.History{Created: &now, CreatedBy: s.CreatedBy, EmptyLayer: top == nil})
	if top != nil {
		layers = append(layers, *top)
		c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, top.digest)
	}
	if s.Format == "" {
		s.Format = FormatOCI
	}
	blob, err := encodeBuildConfig(c, s.Format)
	if err != nil {
		return "", err
	}
	cs, err := newAnnotatedSource(blob, layers, s.Format, s.Annotations)
	if err != nil {
		return "", err
	}
	if err := copyToStore(ctx, store, cfg, cs, named, nil); err != nil {
		return "", err
	}
	return cs.configDigest.Encoded(), nil
}

// stepBaseLayers lists the base's layers and checks them against the diff
// IDs the config carries.
func stepBaseLayers(store cstorage.Store, baseID string, want []digest.Digest) ([]layerBlob, error) {
	if baseID == "" {
		if len(want) > 0 {
			return nil, fmt.Errorf("a config with layers but no base image")
		}
		return nil, nil
	}
	img, err := store.Image(baseID)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", short(baseID), err)
	}
	var layers []layerBlob
	if img.TopLayer != "" {
		if layers, err = imageLayers(store, img.TopLayer); err != nil {
			return nil, err
		}
	}
	if !slices.Equal(diffIDs(layers), want) {
		return nil, fmt.Errorf("base image %s: its stored layers do not match its config's diff IDs", short(baseID))
	}
	return layers, nil
}

// stepLayer is the step's new layer, nil when it has none.
func stepLayer(store cstorage.Store, s StepCommit) (*layerBlob, func(), error) {
	switch {
	case s.ContainerLayer != "":
		ex := map[string]bool{}
		for _, p := range s.Exclude {
			ex[strings.TrimPrefix(path.Clean("/"+p), "/")] = true
		}
		l, cleanup, err := diffLayer(store, s.ContainerLayer, layerEdit{exclude: ex, mtime: s.Created})
		if err != nil {
			return nil, nil, err
		}
		return &l, cleanup, nil
	case s.LayerTar != nil:
		l, err := tarLayer(s.LayerTar)
		return l, func() {}, err
	}
	return nil, func() {}, nil
}

// layerEdit says how a layer tar is rewritten on its way out of storage.
type layerEdit struct {
	exclude map[string]bool // paths left out
	// mtime, when set, is every entry's time (build --timestamp): the same
	// files then make the same layer whenever they were written.
	mtime *time.Time
}

// editLayer streams a layer tar with edit applied.
func editLayer(r io.Reader, edit layerEdit) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		tr, tw := tar.NewReader(r), tar.NewWriter(pw)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				pw.CloseWithError(tw.Close())
				return
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if edit.exclude[strings.TrimSuffix(strings.TrimPrefix(path.Clean("/"+hdr.Name), "/"), "/")] {
				continue
			}
			if edit.mtime != nil {
				setEntryTime(hdr, *edit.mtime)
			}
			if err := tw.WriteHeader(hdr); err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.Copy(tw, tr); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr
}

// tarLayer hashes a layer tar the caller wrote.
func tarLayer(f *os.File) (*layerBlob, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	d := digest.Canonical.Digester()
	n, err := io.Copy(d.Hash(), f)
	if err != nil {
		return nil, fmt.Errorf("read the new layer: %w", err)
	}
	return &layerBlob{digest: d.Digest(), size: n, open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(io.NewSectionReader(f, 0, n)), n, nil
	}}, nil
}

// encodeBuildConfig drops what the OCI format has no place for.
func encodeBuildConfig(c BuildConfig, format string) ([]byte, error) {
	if format == FormatDocker {
		return json.Marshal(c)
	}
	img := c.Image
	img.Config = c.Config.ImageConfig
	return json.Marshal(img)
}

// setEntryTime gives a tar entry one time for all of its times.
func setEntryTime(hdr *tar.Header, t time.Time) {
	hdr.ModTime = t.UTC()
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	for _, k := range []string{"mtime", "atime", "ctime"} {
		delete(hdr.PAXRecords, k)
	}
}
