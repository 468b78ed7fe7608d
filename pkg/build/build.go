// Package build builds images from a Containerfile: it walks the stages the
// target needs, runs each instruction (RUN through the engine's container
// path, COPY and ADD as layers written here) and commits one image per step
// into storage, which is also the cache.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/build/containerfile"
	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/spec"
)

// Host is what the builder needs of the engine: the store, images by name
// (pulled as the build's policy says), and RUN steps run as containers.
type Host interface {
	Store() (cstorage.Store, error)
	Config() *config.Config
	ResolveImage(ctx context.Context, name string) (string, error)
	Run(ctx context.Context, r RunStep) (int, error)
}

// RunStep is one RUN: a container of ImageID with the step's config,
// command, extra environment and mounts. Commit is called with the
// container's layer after a zero exit, while the container still exists.
type RunStep struct {
	ImageID  string
	Config   spec.ImageConfig
	Args     []string
	Env      []string
	Mounts   []spec.Mount
	Network  string // "", "none", "host" or a network name
	AddHosts []string
	NoHosts  bool
	Ulimits  []string
	Output   io.Writer
	Commit   func(layerID string) error
}

// Options are one build's inputs, already read (the engine unpacks a
// context tar and reads the Containerfile).
type Options struct {
	ContextDir        string
	ContainerfileName string // for messages
	Containerfile     []byte
	Tags              []string
	Target            string
	BuildArgs         map[string]string
	Labels            map[string]string
	Annotations       map[string]string
	NoCache           bool
	Layers            bool
	Squash            bool
	Format            string
	Timestamp         *time.Time
	Network           string
	AddHosts          []string
	NoHosts           bool
	Ulimits           []string
	Secrets           map[string]string
	// CacheFrom and CacheTo are registry repositories that step images
	// are pulled from and pushed to, tagged with their cache keys.
	CacheFrom, CacheTo []string
	Output             io.Writer
	Quiet              bool
}

// Result is the built image.
type Result struct {
	ImageID string
	Tags    []string
	Steps   int
	Cached  int
}

// RunError is a RUN that exited non-zero; ExitCode is its own.
type RunError struct {
	Err      error
	ExitCode int
}

func (e *RunError) Error() string { return e.Err.Error() }
func (e *RunError) Unwrap() error { return e.Err }

// builder is one build's state.
type builder struct {
	host    Host
	store   cstorage.Store
	opts    Options
	file    *containerfile.File
	out     io.Writer
	meta    map[string]string // ARGs before FROM, resolved
	stages  []*stage          // by index; nil until built
	made    []string          // images this build committed (removed on failure)
	res     Result
	cache   *cache
	remote  *registryCache // nil without --cache-from and --cache-to
	tmpDirs []string
	mounts  map[string]string // image ID -> mounted root
	ignore  func(rel string) bool
}

// Build builds the target stage of the Containerfile.
func Build(ctx context.Context, host Host, o Options) (Result, error) {
	file, err := containerfile.Parse(o.ContainerfileName, o.Containerfile)
	if err != nil {
		return Result{}, err
	}
	store, err := host.Store()
	if err != nil {
		return Result{}, err
	}
	if o.Format == "" {
		o.Format = image.FormatOCI
	}
	if o.Format != image.FormatOCI && o.Format != image.FormatDocker {
		return Result{}, fmt.Errorf("unknown --format %q: use oci or docker", o.Format)
	}
	for _, t := range o.Tags {
		if _, err := image.NormalizeName(t); err != nil {
			return Result{}, err
		}
	}
	out := o.Output
	if out == nil {
		out = io.Discard
	}
	b := &builder{host: host, store: store, opts: o, file: file, out: out, cache: &cache{store: store}}
	if len(o.CacheFrom)+len(o.CacheTo) > 0 {
		if err := errors.Join(checkRepos("--cache-from", o.CacheFrom), checkRepos("--cache-to", o.CacheTo)); err != nil {
			return Result{}, err
		}
		b.remote = &registryCache{from: o.CacheFrom, to: o.CacheTo, store: store, cfg: host.Config(), out: out, warned: map[string]bool{}}
	}
	defer b.removeTemp()
	defer b.unmountAll()
	if b.ignore, err = ignoreFile(o.ContextDir, o.ContainerfileName); err != nil {
		return Result{}, err
	}
	id, err := b.build(ctx)
	if err != nil {
		b.removeMade(ctx, "")
		return Result{}, err
	}
	if !o.Layers {
		b.removeMade(ctx, id)
	}
	b.res.ImageID = id
	return b.res, nil
}

func (b *builder) build(ctx context.Context) (string, error) {
	b.meta = metaArgs(b.file.MetaArgs, b.opts.BuildArgs)
	target, err := b.targetIndex()
	if err != nil {
		return "", err
	}
	b.stages = make([]*stage, target+1)
	need := b.needed(target)
	multi := len(need) > 1
	n := 0
	for i := 0; i <= target; i++ {
		if !need[i] {
			continue
		}
		n++
		s := newStage(b, i, multi, n, len(need))
		if err := s.run(ctx); err != nil {
			return "", err
		}
		b.stages[i] = s
	}
	final := b.stages[target]
	return b.finish(ctx, final)
}

func (b *builder) targetIndex() (int, error) {
	if b.opts.Target == "" {
		return len(b.file.Stages) - 1, nil
	}
	i, ok := instructions.HasStage(b.file.Stages, b.opts.Target)
	if !ok {
		return 0, fmt.Errorf("%s: target stage %q not found", b.file.Name, b.opts.Target)
	}
	return i, nil
}

// needed marks the stages the target depends on: its base and the stages
// its COPY --from and RUN --mount from= name, transitively.
func (b *builder) needed(target int) map[int]bool {
	need := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if need[i] {
			return
		}
		need[i] = true
		for _, ref := range stageRefs(b.file.Stages[i], b.meta) {
			if j, ok := b.stageIndex(ref, i); ok {
				visit(j)
			}
		}
	}
	visit(target)
	return need
}

// stageIndex finds a stage by name or number among those before stage i.
func (b *builder) stageIndex(ref string, before int) (int, bool) {
	for j := 0; j < before; j++ {
		if strings.EqualFold(b.file.Stages[j].Name, ref) || fmt.Sprint(j) == ref {
			return j, true
		}
	}
	return 0, false
}

// finish applies --label and --annotation, squashes, tags and reports.
func (b *builder) finish(ctx context.Context, s *stage) (string, error) {
	if len(b.opts.Labels) > 0 || len(b.opts.Annotations) > 0 {
		if err := s.labelStep(ctx, b.opts.Labels, b.opts.Annotations); err != nil {
			return "", err
		}
	}
	id := s.imageID
	if b.opts.Squash && s.baseTop != id {
		var err error
		if id, err = s.squash(ctx); err != nil {
			return "", err
		}
	}
	if id == "" {
		return "", errors.New("the build made no image: a FROM scratch stage with no instruction")
	}
	if len(b.opts.Tags) > 0 {
		b.say("COMMIT %s\n", b.opts.Tags[0])
	} else {
		b.say("COMMIT\n")
	}
	b.say("--> %.11s\n", id)
	if len(b.opts.Tags) > 0 {
		if err := image.Tag(b.store, id, b.opts.Tags, b.host.Config().Events); err != nil {
			return "", err
		}
		for _, t := range b.opts.Tags {
			n, _ := image.NormalizeName(t)
			b.res.Tags = append(b.res.Tags, n.String())
			b.say("Successfully tagged %s\n", n.String())
		}
	}
	return id, nil
}

// say writes a progress line unless quiet.
func (b *builder) say(format string, args ...any) {
	if !b.opts.Quiet {
		fmt.Fprintf(b.out, format, args...)
	}
}

// removeMade removes the images this build committed, but keep: a failed
// build leaves nothing half-made, and --layers=false keeps only the result.
func (b *builder) removeMade(ctx context.Context, keep string) {
	for i := len(b.made) - 1; i >= 0; i-- {
		if b.made[i] != keep {
			_, _ = b.store.DeleteImage(b.made[i], true)
		}
	}
}

func (b *builder) tempDir() (string, error) {
	d, err := os.MkdirTemp(tempRoot(), "roost-build-*")
	if err == nil {
		b.tmpDirs = append(b.tmpDirs, d)
	}
	return d, err
}

func (b *builder) removeTemp() {
	for _, d := range b.tmpDirs {
		_ = os.RemoveAll(d)
	}
}

func tempRoot() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/var/tmp"
}
