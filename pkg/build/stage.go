package build

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/roost-containers/roost/pkg/build/containerfile"
	"github.com/roost-containers/roost/pkg/image"
)

// stage is one FROM and its instructions as they are built.
type stage struct {
	b       *builder
	index   int
	def     instructions.Stage
	prefix  string // "[n/m] " in a multi-stage build
	step    int
	total   int
	imageID string // the image the next step builds on ("" after FROM scratch)
	baseTop string // the base image, for --squash
	config  image.BuildConfig
	args    map[string]string // ARGs the stage declared, with their values
	cmdSet  bool              // CMD was given in this stage
	lex     *shell.Lex
}

func newStage(b *builder, i int, multi bool, n, of int) *stage {
	s := &stage{b: b, index: i, def: b.file.Stages[i], args: map[string]string{}, lex: shell.NewLex(b.file.Escape)}
	if multi {
		s.prefix = fmt.Sprintf("[%d/%d] ", n, of)
	}
	s.total = len(s.def.Commands) + 1
	return s
}

func (s *stage) name() string { return s.b.file.Name }

func (s *stage) run(ctx context.Context) error {
	s.step = 1
	s.b.say("%sSTEP %d/%d: %s\n", s.prefix, s.step, s.total, s.def.SourceCode)
	if err := s.from(ctx); err != nil {
		return containerfile.At(s.name(), fromLocation(s.def), err)
	}
	triggers, err := s.onbuildTriggers()
	if err != nil {
		return err
	}
	for _, c := range triggers {
		if err := s.exec(ctx, c); err != nil {
			return containerfile.At(s.name(), fromLocation(s.def), fmt.Errorf("ONBUILD trigger %q of the base image: %w", c.(fmt.Stringer).String(), err))
		}
	}
	for _, c := range s.def.Commands {
		s.step++
		s.b.say("%sSTEP %d/%d: %s\n", s.prefix, s.step, s.total, c.(fmt.Stringer).String())
		if err := s.exec(ctx, c); err != nil {
			var re *RunError
			if errors.As(err, &re) {
				re.Err = containerfile.At(s.name(), c, re.Err)
				return re
			}
			return containerfile.At(s.name(), c, err)
		}
	}
	return nil
}

type located []parser.Range

func (l located) Location() []parser.Range { return l }

func fromLocation(s instructions.Stage) located { return located(s.Location) }

// from resolves the stage's base: scratch, an earlier stage or an image.
func (s *stage) from(ctx context.Context) error {
	base, _, err := s.lex.ProcessWord(s.def.BaseName, envOf(s.b.meta))
	if err != nil {
		return err
	}
	if err := s.checkPlatform(); err != nil {
		return err
	}
	switch {
	case base == "scratch":
		s.config = image.EmptyBuildConfig()
		return nil
	case base == "":
		return errors.New("FROM names no image")
	}
	if j, ok := s.b.stageIndex(base, s.index); ok {
		prev := s.b.stages[j]
		s.imageID, s.baseTop, s.config = prev.imageID, prev.imageID, prev.config
		if s.imageID == "" {
			s.config = image.EmptyBuildConfig()
		}
		return nil
	}
	id, err := s.b.host.ResolveImage(ctx, base)
	if err != nil {
		return err
	}
	s.imageID, s.baseTop = id, id
	s.config, err = image.ReadBuildConfig(ctx, s.b.store, id)
	return err
}

func (s *stage) checkPlatform() error {
	p := s.def.Platform
	if p == "" {
		return nil
	}
	p, _, err := s.lex.ProcessWord(p, envOf(s.b.meta))
	if err != nil {
		return err
	}
	own := "linux/" + runtime.GOARCH
	if p != own && !strings.HasPrefix(p, own+"/") {
		return fmt.Errorf("--platform=%s: Roost builds only for this machine's platform, %s", p, own)
	}
	return nil
}

// onbuildTriggers parses the base image's ONBUILD triggers, which run
// before the stage's own instructions and are not inherited further.
func (s *stage) onbuildTriggers() ([]instructions.Command, error) {
	list := s.config.Config.OnBuild
	if len(list) == 0 {
		return nil, nil
	}
	s.config.Config.OnBuild = nil
	f, err := containerfile.Parse("ONBUILD", []byte("FROM scratch\n"+strings.Join(list, "\n")+"\n"))
	if err != nil {
		return nil, fmt.Errorf("the base image's ONBUILD triggers: %w", err)
	}
	return f.Stages[0].Commands, nil
}

// vars are the variables expansion sees: the stage's ARGs under its ENV.
func (s *stage) vars() map[string]string {
	m := maps.Clone(s.args)
	for _, kv := range s.config.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func (s *stage) expand(c instructions.Command) error {
	env := envOf(s.vars())
	exp := func(word string) (string, error) {
		v, _, err := s.lex.ProcessWord(word, env)
		return v, err
	}
	if e, ok := c.(instructions.SupportsSingleWordExpansion); ok {
		if err := e.Expand(exp); err != nil {
			return err
		}
	}
	if e, ok := c.(instructions.SupportsSingleWordExpansionRaw); ok {
		return e.ExpandRaw(exp)
	}
	return nil
}

// exec runs one instruction.
func (s *stage) exec(ctx context.Context, c instructions.Command) error {
	if err := s.expand(c); err != nil {
		return err
	}
	switch c := c.(type) {
	case *instructions.RunCommand:
		return s.runStep(ctx, c)
	case *instructions.CopyCommand:
		return s.copyStep(ctx, c)
	case *instructions.AddCommand:
		return s.addStep(ctx, c)
	case *instructions.ArgCommand:
		s.declareArgs(c)
		return s.done()
	}
	edit, err := s.configEdit(c)
	if err != nil {
		return err
	}
	return s.commit(ctx, step{createdBy: createdBy(c), edit: edit})
}

// declareArgs gives each ARG its value: --build-arg, else the default,
// else the value before FROM.
func (s *stage) declareArgs(c *instructions.ArgCommand) {
	for _, kv := range c.Args {
		switch v, ok := s.b.opts.BuildArgs[kv.Key]; {
		case ok:
			s.args[kv.Key] = v
		case kv.Value != nil:
			s.args[kv.Key] = *kv.Value
		default:
			s.args[kv.Key] = s.b.meta[kv.Key]
		}
	}
}

// done ends a step that commits nothing (ARG): it prints nothing more,
// as Podman does.
func (s *stage) done() error { return nil }

func createdBy(c instructions.Command) string {
	return "/bin/sh -c #(nop) " + c.(fmt.Stringer).String()
}

// configEdit is what a config-only instruction changes.
func (s *stage) configEdit(c instructions.Command) (func(*image.BuildConfig), error) {
	switch c := c.(type) {
	case *instructions.EnvCommand:
		return func(b *image.BuildConfig) {
			for _, kv := range c.Env {
				b.Config.Env = setEnv(b.Config.Env, kv.Key, kv.Value)
			}
		}, nil
	case *instructions.WorkdirCommand:
		return func(b *image.BuildConfig) {
			b.Config.WorkingDir = path.Join("/", b.Config.WorkingDir, c.Path)
			if path.IsAbs(c.Path) {
				b.Config.WorkingDir = path.Clean(c.Path)
			}
		}, nil
	case *instructions.UserCommand:
		return func(b *image.BuildConfig) { b.Config.User = c.User }, nil
	case *instructions.LabelCommand:
		return func(b *image.BuildConfig) {
			b.Config.Labels = maps.Clone(b.Config.Labels)
			if b.Config.Labels == nil {
				b.Config.Labels = map[string]string{}
			}
			for _, kv := range c.Labels {
				b.Config.Labels[kv.Key] = kv.Value
			}
		}, nil
	case *instructions.ExposeCommand:
		return s.exposeEdit(c)
	case *instructions.VolumeCommand:
		return func(b *image.BuildConfig) {
			b.Config.Volumes = maps.Clone(b.Config.Volumes)
			if b.Config.Volumes == nil {
				b.Config.Volumes = map[string]struct{}{}
			}
			for _, v := range c.Volumes {
				b.Config.Volumes[v] = struct{}{}
			}
		}, nil
	case *instructions.CmdCommand:
		s.cmdSet = true
		args := s.command(c.ShellDependantCmdLine)
		return func(b *image.BuildConfig) { b.Config.Cmd = args }, nil
	case *instructions.EntrypointCommand:
		args := s.command(c.ShellDependantCmdLine)
		keepCmd := s.cmdSet
		return func(b *image.BuildConfig) {
			b.Config.Entrypoint = args
			if !keepCmd {
				b.Config.Cmd = nil
			}
		}, nil
	case *instructions.StopSignalCommand:
		return func(b *image.BuildConfig) { b.Config.StopSignal = c.Signal }, nil
	case *instructions.ShellCommand:
		return func(b *image.BuildConfig) { b.Config.Shell = slices.Clone(c.Shell) }, nil
	case *instructions.MaintainerCommand:
		return func(b *image.BuildConfig) { b.Author = c.Maintainer }, nil
	case *instructions.HealthCheckCommand:
		return s.healthEdit(c), nil
	case *instructions.OnbuildCommand:
		s.warnDockerOnly("ONBUILD")
		return func(b *image.BuildConfig) { b.Config.OnBuild = append(slices.Clone(b.Config.OnBuild), c.Expression) }, nil
	}
	return nil, fmt.Errorf("instruction %s is not supported", strings.ToUpper(c.Name()))
}

func (s *stage) exposeEdit(c *instructions.ExposeCommand) (func(*image.BuildConfig), error) {
	var ports []string
	for _, p := range c.Ports {
		for _, f := range strings.Fields(p) {
			if !strings.Contains(f, "/") {
				f += "/tcp"
			}
			ports = append(ports, strings.ToLower(f))
		}
	}
	return func(b *image.BuildConfig) {
		b.Config.ExposedPorts = maps.Clone(b.Config.ExposedPorts)
		if b.Config.ExposedPorts == nil {
			b.Config.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range ports {
			b.Config.ExposedPorts[p] = struct{}{}
		}
	}, nil
}

func (s *stage) healthEdit(c *instructions.HealthCheckCommand) func(*image.BuildConfig) {
	s.warnDockerOnly("HEALTHCHECK")
	h := c.Health
	if len(h.Test) > 0 && h.Test[0] == "NONE" {
		return func(b *image.BuildConfig) { b.Config.Healthcheck = &image.HealthConfig{Test: []string{"NONE"}} }
	}
	hc := &image.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	return func(b *image.BuildConfig) { b.Config.Healthcheck = hc }
}

func (s *stage) warnDockerOnly(what string) {
	if s.b.opts.Format != image.FormatDocker {
		s.b.say("WARNING: %s is not supported for the OCI image format, %s will be ignored. Must use `docker` format\n", what, what)
	}
}

// shell is the stage's SHELL, else /bin/sh -c.
func (s *stage) shell() []string {
	if len(s.config.Config.Shell) > 0 {
		return slices.Clone(s.config.Config.Shell)
	}
	return []string{"/bin/sh", "-c"}
}

// command is a CMD, ENTRYPOINT or RUN line as the process's arguments; a
// shell form's heredocs go to the shell as they were written.
func (s *stage) command(c instructions.ShellDependantCmdLine) []string {
	if !c.PrependShell {
		return slices.Clone(c.CmdLine)
	}
	script := strings.Join(c.CmdLine, " ")
	if len(c.Files) == 1 && strings.Trim(strings.TrimLeft(script, "<-"), `"'`) == c.Files[0].Name {
		return append(s.shell(), c.Files[0].Data) // RUN <<EOF: the document is the script
	}
	for _, f := range c.Files {
		script += "\n" + f.Data + f.Name + "\n"
	}
	return append(s.shell(), script)
}
