package engine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"time"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/roost-containers/roost/pkg/build"
	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/container"
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

	Pull     PullPolicy            `json:"pull,omitempty"` // for FROM and COPY --from=image; empty: missing
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

	// CacheFrom and CacheTo are registry repositories sharing step images
	// (tagged with their cache keys), as Buildah's.
	CacheFrom []string `json:"cacheFrom,omitempty"`
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

// Build builds the image the request describes. A failed build leaves no
// image of its own and no container; a failing RUN's error is a
// *build.RunError carrying the command's exit code.
func (e *Engine) Build(ctx context.Context, r BuildRequest) (BuildResult, error) {
	if r.Platform != "" {
		if err := checkBuildPlatform(r.Platform); err != nil {
			return BuildResult{}, err
		}
	}
	dir := r.ContextDir
	if r.ContextTar != nil {
		tmp, err := os.MkdirTemp(buildTempRoot(), "roost-build-context-*")
		if err != nil {
			return BuildResult{}, err
		}
		defer os.RemoveAll(tmp)
		if err := unpackContext(r.ContextTar, tmp, &r); err != nil {
			return BuildResult{}, err
		}
		dir = tmp
	}
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return BuildResult{}, err
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return BuildResult{}, fmt.Errorf("build context %s: not a directory", r.ContextDir)
	}
	name, data, err := readContainerfile(dir, r)
	if err != nil {
		return BuildResult{}, err
	}
	out := r.Output
	res, err := build.Build(ctx, &buildHost{e: e, r: r}, build.Options{
		ContextDir: dir, ContainerfileName: name, Containerfile: data, Tags: r.Tags, Target: r.Target,
		BuildArgs: r.BuildArgs, Labels: r.Labels, Annotations: r.Annotations, NoCache: r.NoCache,
		Layers: r.Layers, Squash: r.Squash, Format: r.Format, Timestamp: r.Timestamp, Network: r.Network,
		AddHosts: r.AddHosts, NoHosts: r.NoHosts, Ulimits: r.Ulimits, Secrets: r.Secrets, Output: out, Quiet: r.Quiet,
		CacheFrom: r.CacheFrom, CacheTo: r.CacheTo,
	})
	if err != nil {
		return BuildResult{}, err
	}
	return BuildResult{ImageID: res.ImageID, Tags: res.Tags, Steps: res.Steps, Cached: res.Cached}, nil
}

// unpackContext reads `build -`'s standard input: a tar (compressed or
// not) is the context; anything else is the Containerfile, with an empty
// context, as in Podman and Docker.
func unpackContext(in io.Reader, dir string, r *BuildRequest) error {
	br := bufio.NewReaderSize(in, 1<<16)
	head, _ := br.Peek(512)
	if isTarStream(head) {
		if err := archive.Untar(br, dir, &archive.TarOptions{}); err != nil {
			return fmt.Errorf("read the build context from its tar: %w", err)
		}
		return nil
	}
	data, err := io.ReadAll(br)
	if err != nil {
		return fmt.Errorf("read the Containerfile from standard input: %w", err)
	}
	if r.ContainerfileData == nil && r.Containerfile == "" {
		r.Containerfile, r.ContainerfileData = "Containerfile", data
	}
	return nil
}

// isTarStream: a tar header ("ustar" at 257) or a compressed stream's magic.
func isTarStream(head []byte) bool {
	for _, magic := range [][]byte{{0x1f, 0x8b}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z', 0}, {0x28, 0xb5, 0x2f, 0xfd}} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	return len(head) >= 262 && string(head[257:262]) == "ustar"
}

func checkBuildPlatform(p string) error {
	own := "linux/" + goruntime.GOARCH
	if p != own && !strings.HasPrefix(p, own+"/") {
		return fmt.Errorf("--platform=%s: Roost builds only for this machine's platform, %s", p, own)
	}
	return nil
}

// readContainerfile reads the request's file: its data, the path given
// (relative: in the context), else Containerfile or Dockerfile in the
// context. The name returned is what messages call it.
func readContainerfile(dir string, r BuildRequest) (string, []byte, error) {
	if r.ContainerfileData != nil {
		name := r.Containerfile
		if name == "" || name == "-" {
			name = "Containerfile"
		}
		return name, r.ContainerfileData, nil
	}
	if r.Containerfile != "" {
		p := r.Containerfile
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return "", nil, fmt.Errorf("read the Containerfile: %w", err)
		}
		return filepath.Base(p), data, nil
	}
	for _, n := range []string{"Containerfile", "Dockerfile"} {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err == nil {
			return n, data, nil
		}
		if !os.IsNotExist(err) {
			return "", nil, fmt.Errorf("read %s: %w", n, err)
		}
	}
	return "", nil, fmt.Errorf("no Containerfile or Dockerfile in %s: give one with -f", dir)
}

func buildTempRoot() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/var/tmp"
}

// buildHost is the engine as the builder sees it.
type buildHost struct {
	e *Engine
	r BuildRequest
}

func (h *buildHost) Store() (cstorage.Store, error) { return h.e.Store() }
func (h *buildHost) Config() *config.Config         { return h.e.opts.Config }

func (h *buildHost) ResolveImage(ctx context.Context, name string) (string, error) {
	progress := h.r.PullProgress
	if progress == nil && !h.r.Quiet {
		progress = h.r.Output
	}
	img, err := h.e.ResolveImage(ctx, ImageRequest{Name: name, Pull: h.r.Pull, Registry: h.r.Registry, Progress: progress})
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// Run is a RUN step: a container made and run as `roost run` makes and
// runs one, its layer committed on success, and always removed.
func (h *buildHost) Run(ctx context.Context, s build.RunStep) (int, error) {
	var req CreateRequest
	o := &req.Options
	o.ImageID, o.Spec.Image = s.ImageID, s.Config
	o.Spec.Process.Entrypoint = &[]string{}
	o.Spec.Process.Args = s.Args
	o.Spec.Process.Env = s.Env
	o.Spec.Process.Ulimits = s.Ulimits
	o.Spec.Mounts = s.Mounts
	o.ImageVolume = "ignore"
	o.Labels = map[string]string{container.BuildLabel: "true"}
	nf := NetworkFlags{AddHosts: s.AddHosts, NoHosts: s.NoHosts}
	if s.Network != "" {
		nf.Networks = []string{s.Network}
	}
	ns, err := nf.Parse(h.e.opts.Config.Rootless)
	if err != nil {
		return 0, err
	}
	o.Net = ns.Net
	res, err := h.e.CreateContainer(ctx, req)
	if err != nil {
		return 0, err
	}
	id := res.Container.ID
	ce, err := h.e.Containers()
	if err != nil {
		return 0, err
	}
	defer func() {
		_, _ = ce.Remove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true, Volumes: true})
	}()
	// A cancelled build (Ctrl-C, SIGTERM) stops the step at once.
	stop := context.AfterFunc(ctx, func() { _, _ = ce.Kill(context.WithoutCancel(ctx), id, syscall.SIGKILL) })
	defer stop()
	sres, err := h.e.RunSession(ctx, SessionRequest{ID: id, IO: SessionIO{Stdout: s.Output, Stderr: s.Output}})
	if err != nil {
		return 0, err
	}
	if sres.ExitCode != 0 {
		return sres.ExitCode, nil
	}
	store, err := h.e.Store()
	if err != nil {
		return 0, err
	}
	sc, err := store.Container(id)
	if err != nil {
		return 0, fmt.Errorf("the RUN container's storage: %w", err)
	}
	return 0, s.Commit(sc.LayerID)
}
