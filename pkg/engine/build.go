package engine

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/roost-containers/roost/pkg/image"
)

// BuildRequest is one `build`: a Containerfile and its context, the names
// to give the result, and what the steps may reach. compose `build:`,
// Quadlet `.build` files and the CLI all fill it.
type BuildRequest struct {
	// ContextDir is the build context on disk. When ContextTar is set it is
	// ignored: the tar (e.g. stdin for `build -`) is unpacked to a private
	// temporary directory first.
	ContextDir string    `json:"context,omitempty"`
	ContextTar io.Reader `json:"-"`
	// Containerfile is the file's path (relative paths are taken from the
	// context); empty: Containerfile, else Dockerfile, in the context.
	// When ContainerfileData is set it is the file's content (`-f -`) and
	// Containerfile only names it in messages.
	Containerfile     string `json:"containerfile,omitempty"`
	ContainerfileData []byte `json:"-"`

	Tags      []string          `json:"tags,omitempty"`      // names for the final image
	Target    string            `json:"target,omitempty"`    // last stage to build; empty: the last
	BuildArgs map[string]string `json:"buildArgs,omitempty"` // --build-arg (and --build-arg-file, merged)
	Labels    map[string]string `json:"labels,omitempty"`    // added to the final image
	// Annotations go on the final image's manifest (OCI format).
	Annotations map[string]string `json:"annotations,omitempty"`

	Pull     PullPolicy            `json:"pull,omitempty"`     // for FROM and COPY --from=image; empty: missing
	Registry image.RegistryOptions `json:"-"`
	Platform string                `json:"platform,omitempty"` // only this machine's is built

	NoCache bool `json:"noCache,omitempty"` // rebuild every step
	// Layers keeps one image per step (the cache); false commits only the
	// final image. The CLI defaults it to true like Podman.
	Layers bool   `json:"layers,omitempty"`
	Squash bool   `json:"squash,omitempty"` // the final image is one layer on its base
	Format string `json:"format,omitempty"` // "oci" (default) or "docker"
	// Timestamp, when set, is used for every created time and file time in
	// new layers, so builds are reproducible.
	Timestamp *time.Time `json:"timestamp,omitempty"`

	Network  string            `json:"network,omitempty"` // RUN's network mode; empty: the default
	AddHosts []string          `json:"addHosts,omitempty"`
	NoHosts  bool              `json:"noHosts,omitempty"`
	Ulimits  []string          `json:"ulimits,omitempty"`
	Secrets  map[string]string `json:"-"` // id -> source file, for RUN --mount=type=secret

	CacheFrom []string `json:"cacheFrom,omitempty"` // accepted; the local store is the cache
	CacheTo   []string `json:"cacheTo,omitempty"`

	// RemoveIntermediate removes RUN's containers after a successful step
	// (--rm, default true); ForceRemove also after a failed one. Roost
	// never leaves a build container behind, so both only shape messages.
	RemoveIntermediate bool `json:"rm,omitempty"`
	ForceRemove        bool `json:"forceRm,omitempty"`

	// Output receives the progress: "STEP n/m: ...", each RUN's output,
	// "--> Using cache ...", "COMMIT ...", "--> id". nil: nothing is
	// written. Quiet keeps step lines out (RUN output still goes to it).
	Output io.Writer `json:"-"`
	Quiet  bool      `json:"quiet,omitempty"`
	// PullProgress receives pulls' progress; nil: Output is used.
	PullProgress io.Writer `json:"-"`
}

// BuildResult is the built image.
type BuildResult struct {
	ImageID string   // full id of the final image
	Tags    []string // the names it was given (normalised)
	// Steps and Cached count the executed steps and those served from the
	// cache, for callers that report or test caching.
	Steps  int
	Cached int
}

// ErrBuildNotImplemented is returned until the builder is wired in.
var ErrBuildNotImplemented = errors.New("build: not implemented yet")

// Build builds the image the request describes.
func (e *Engine) Build(ctx context.Context, r BuildRequest) (BuildResult, error) {
	return BuildResult{}, ErrBuildNotImplemented
}
