package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/build"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/image"
)

type buildFlags struct {
	registry                        registryFlags
	tags, files, buildArgs, argFile []string
	labels, annotations, secrets    []string
	ulimits, addHosts               []string
	cacheFrom, cacheTo              []string
	target, pull, format, iidfile   string
	network, platform, timestamp    string
	noCache, layers, squash, quiet  bool
	noHosts, rm, forceRm            bool
}

// newBuildCommand is `build` (also `image build`).
func newBuildCommand(a *app) *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build [options] [CONTEXT]",
		Short: "Build an image from a Containerfile",
		Long: "Build an image from a Containerfile (or Dockerfile) and a context directory (default: the\n" +
			"current directory; - reads a tar of it from standard input). Each step is kept as an\n" +
			"intermediate image, the cache of the next build.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.build(cmd, f, args) },
	}
	fl := cmd.Flags()
	f.registry.add(fl)
	stringArrayP(fl, &f.tags, "tag", "t", nil, "name of the resulting image (repeatable)")
	stringArrayP(fl, &f.files, "file", "f", nil, "Containerfile to use (- reads it from standard input)")
	fl.StringVar(&f.target, "target", "", "build up to this stage")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not use cached steps")
	fl.StringVar(&f.pull, "pull", "missing", "pull base images: always, missing, never or newer")
	fl.Lookup("pull").NoOptDefVal = "always"
	fl.BoolVar(&f.layers, "layers", true, "keep an intermediate image per step, the build cache")
	stringArray(fl, &f.buildArgs, "build-arg", nil, "ARG value, NAME=VALUE (or NAME to take it from the environment)")
	stringArray(fl, &f.argFile, "build-arg-file", nil, "file of NAME=VALUE lines for ARGs")
	stringArray(fl, &f.labels, "label", nil, "label for the image, KEY=VALUE")
	stringArray(fl, &f.annotations, "annotation", nil, "annotation for the image, KEY=VALUE")
	fl.BoolVar(&f.squash, "squash", false, "squash the new layers into one")
	fl.StringVar(&f.format, "format", image.FormatOCI, "image format: oci or docker")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the image ID")
	fl.StringVar(&f.iidfile, "iidfile", "", "write the image ID to this file")
	fl.StringVar(&f.network, "network", "", "network of RUN steps: none, host or a network (default: the default network)")
	fl.StringVar(&f.platform, "platform", "", "platform to build for (only this machine's)")
	stringArray(fl, &f.secrets, "secret", nil, "secret for RUN --mount=type=secret, id=ID,src=FILE")
	stringArray(fl, &f.ulimits, "ulimit", nil, "ulimit of RUN steps, NAME=SOFT[:HARD]")
	stringArray(fl, &f.addHosts, "add-host", nil, "HOST:IP line for RUN steps' /etc/hosts")
	stringArray(fl, &f.cacheFrom, "cache-from", nil, "a registry repository to take cached steps from")
	stringArray(fl, &f.cacheTo, "cache-to", nil, "a registry repository to push cached steps to")
	fl.StringVar(&f.timestamp, "timestamp", "", "seconds since the epoch for created times and file times")
	fl.BoolVar(&f.noHosts, "no-hosts", false, "do not give RUN steps an /etc/hosts of Roost's")
	fl.BoolVar(&f.rm, "rm", true, "remove RUN containers after each step (always done)")
	fl.BoolVar(&f.forceRm, "force-rm", false, "remove RUN containers even after a failure (always done)")
	return cmd
}

func (a *app) build(cmd *cobra.Command, f buildFlags, args []string) error {
	r, err := f.request(cmd, args)
	if err != nil {
		return err
	}
	if !f.quiet {
		r.Output = a.out
	}
	// Interrupted, the build stops its step and removes what it made.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := a.Core().Build(ctx, r)
	var re *build.RunError
	if errors.As(err, &re) {
		return &exitError{code: re.ExitCode, err: err}
	}
	if err != nil {
		return err
	}
	if f.iidfile != "" {
		if err := os.WriteFile(f.iidfile, []byte("sha256:"+res.ImageID), 0o644); err != nil {
			return fmt.Errorf("--iidfile: %w", err)
		}
	}
	fmt.Fprintln(a.out, res.ImageID)
	return nil
}

// request turns the flags into the engine's request, checking everything
// before any work.
func (f buildFlags) request(cmd *cobra.Command, args []string) (engine.BuildRequest, error) {
	r := engine.BuildRequest{Tags: f.tags, Target: f.target, NoCache: f.noCache, Layers: f.layers, Squash: f.squash,
		Format: f.format, Network: f.network, AddHosts: f.addHosts, NoHosts: f.noHosts, Ulimits: f.ulimits,
		CacheFrom: f.cacheFrom, CacheTo: f.cacheTo, RemoveIntermediate: f.rm, ForceRemove: f.forceRm,
		Platform: f.platform, Quiet: f.quiet, Registry: f.registry.options(cmd)}
	if f.format != image.FormatOCI && f.format != image.FormatDocker {
		return r, fmt.Errorf("unknown --format %q: use oci or docker", f.format)
	}
	pull, err := engine.ParsePullPolicy(f.pull)
	if err != nil {
		return r, err
	}
	r.Pull = pull
	if r.BuildArgs, err = buildArgs(f.argFile, f.buildArgs); err != nil {
		return r, err
	}
	if r.Labels, err = keyValues("label", f.labels); err != nil {
		return r, err
	}
	if r.Annotations, err = keyValues("annotation", f.annotations); err != nil {
		return r, err
	}
	if r.Secrets, err = buildSecrets(f.secrets); err != nil {
		return r, err
	}
	if f.timestamp != "" {
		sec, err := strconv.ParseInt(f.timestamp, 10, 64)
		if err != nil {
			return r, fmt.Errorf("invalid --timestamp %q: give seconds since the epoch", f.timestamp)
		}
		t := time.Unix(sec, 0).UTC()
		r.Timestamp = &t
	}
	ctxArg := "."
	if len(args) == 1 {
		ctxArg = args[0]
	}
	if ctxArg == "-" {
		r.ContextTar = os.Stdin
	} else {
		r.ContextDir = ctxArg
	}
	return r, f.containerfile(&r, ctxArg)
}

// containerfile reads -f: - is standard input (then the context cannot be
// too), a path is taken from the current directory as Podman does.
func (f buildFlags) containerfile(r *engine.BuildRequest, ctxArg string) error {
	if len(f.files) == 0 {
		return nil
	}
	if len(f.files) > 1 {
		return errors.New("-f: give one Containerfile")
	}
	if f.files[0] == "-" {
		if ctxArg == "-" {
			return errors.New("-f - and a context of - cannot both read standard input")
		}
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("read the Containerfile from standard input: %w", err)
		}
		r.Containerfile, r.ContainerfileData = "Containerfile", data
		return nil
	}
	p, err := filepath.Abs(f.files[0])
	if err != nil {
		return err
	}
	r.Containerfile = p
	return nil
}

// buildArgs reads --build-arg-file files, then --build-arg (which wins); a
// bare NAME takes the caller's environment, as in Podman.
func buildArgs(files, list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range files {
		fh, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("--build-arg-file: %w", err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			m[k] = v
		}
		fh.Close()
	}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			var set bool
			if v, set = os.LookupEnv(k); !set {
				continue
			}
		}
		m[k] = v
	}
	return m, nil
}

// buildSecrets reads --secret id=ID,src=FILE (type=file is the only type).
func buildSecrets(list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, s := range list {
		var id, src string
		for _, part := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "id":
				id = v
			case "src", "source":
				src = v
			case "type":
				if v != "file" {
					return nil, fmt.Errorf("invalid --secret %q: only type=file is supported", s)
				}
			default:
				return nil, fmt.Errorf("invalid --secret %q: use id=ID,src=FILE", s)
			}
		}
		if id == "" || src == "" {
			return nil, fmt.Errorf("invalid --secret %q: use id=ID,src=FILE", s)
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("--secret %s: %w", id, err)
		}
		m[id] = abs
	}
	return m, nil
}
