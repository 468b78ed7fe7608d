package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/spec"
)

// runStep runs a RUN in a container of the current image and commits the
// container's changes.
func (s *stage) runStep(ctx context.Context, c *instructions.RunCommand) error {
	if s.imageID == "" {
		return fmt.Errorf("RUN needs a base image with a shell or the command: this stage is FROM scratch and empty")
	}
	args := s.command(c.ShellDependantCmdLine)
	env := s.runEnv()
	mounts, mountKey, err := s.runMounts(ctx, c)
	if err != nil {
		return err
	}
	network := instructions.GetNetwork(c)
	if network == "" || network == instructions.NetworkDefault {
		network = s.b.opts.Network
	}
	createdBy := "/bin/sh -c " + strings.Join(c.CmdLine, " ")
	if !c.PrependShell {
		createdBy = "/bin/sh -c #(nop) RUN " + fmt.Sprintf("%q", c.CmdLine)
	}
	content := strings.Join(env, "\x00") + "\x00" + mountKey + "\x00" + network + "\x00" + strings.Join(args, "\x00")
	return s.commit(ctx, step{createdBy: createdBy, content: content, layer: func(ctx context.Context, commit func(image.StepCommit) (string, error)) (string, error) {
		var id string
		code, err := s.b.host.Run(ctx, RunStep{
			ImageID: s.imageID, Config: s.config.Config.ImageConfig, Args: args, Env: env, Mounts: mounts,
			Network: network, AddHosts: s.b.opts.AddHosts, NoHosts: s.b.opts.NoHosts, Ulimits: s.b.opts.Ulimits,
			Output: s.b.out,
			Commit: func(layer string) error {
				exclude, err := s.runExcludes(mounts)
				if err != nil {
					return err
				}
				id, err = commit(image.StepCommit{ContainerLayer: layer, Exclude: exclude})
				return err
			},
		})
		if err != nil {
			return "", err
		}
		if code != 0 {
			return "", &RunError{ExitCode: code, Err: fmt.Errorf("RUN %s: the command exited with status %d", strings.Join(c.CmdLine, " "), code)}
		}
		return id, nil
	}})
}

// runSetUp are the files Roost provides to every container, which a RUN's
// layer does not keep (as with Podman and Docker).
var runSetUp = []string{"/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/run/.containerenv"}

// runExcludes are the paths left out of a RUN's layer: Roost's set-up files
// and the mount points of secrets and bind-mounted files, with the
// directories made for them, when the image did not have them.
func (s *stage) runExcludes(mounts []spec.Mount) ([]string, error) {
	root, err := s.b.mountImage(s.imageID)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(runSetUp)
	for _, m := range mounts {
		if m.Type != spec.TypeBind {
			continue
		}
		if info, err := os.Stat(m.Source); err != nil || info.IsDir() {
			continue
		}
		for p := m.Destination; p != "/" && p != "."; p = path.Dir(p) {
			if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
				break
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// runEnv is the stage's ARGs (not overridden by ENV) and the proxy
// --build-args, which a RUN sees but the image does not keep.
func (s *stage) runEnv() []string {
	have := map[string]bool{}
	for _, kv := range s.config.Config.Env {
		k, _, _ := strings.Cut(kv, "=")
		have[k] = true
	}
	var env []string
	for k, v := range s.args {
		if !have[k] {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range s.b.opts.BuildArgs {
		if proxyArgs[k] && !have[k] {
			if _, declared := s.args[k]; !declared {
				env = append(env, k+"="+v)
			}
		}
	}
	sort.Strings(env)
	return env
}

// runMounts turns RUN --mount into the container's mounts, and says what of
// them belongs in the cache key (never a secret's content).
func (s *stage) runMounts(ctx context.Context, c *instructions.RunCommand) ([]spec.Mount, string, error) {
	var out []spec.Mount
	var key []string
	for _, m := range instructions.GetMounts(c) {
		target := m.Target
		if target != "" && !path.IsAbs(target) {
			target = path.Join("/", s.config.Config.WorkingDir, target)
		}
		var sm spec.Mount
		var err error
		switch m.Type {
		case instructions.MountTypeCache:
			sm, err = s.cacheMount(m, target)
		case instructions.MountTypeBind:
			sm, err = s.bindMount(ctx, m, target)
		case instructions.MountTypeTmpfs:
			sm = spec.Mount{Type: spec.TypeTmpfs, Source: "tmpfs", Destination: target}
		case instructions.MountTypeSecret:
			var ok bool
			if sm, ok, err = s.secretMount(m); err == nil && !ok {
				continue
			}
		default:
			err = fmt.Errorf("--mount=type=%s is not supported", m.Type)
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, sm)
		key = append(key, fmt.Sprintf("%s:%s:%s:%s:%s:%v", m.Type, m.From, m.Source, target, m.CacheID, m.ReadOnly))
	}
	return out, strings.Join(key, ","), nil
}

// cacheMount is a directory kept between builds, in the store's directory,
// by its id (default: the target).
func (s *stage) cacheMount(m *instructions.Mount, target string) (spec.Mount, error) {
	id := m.CacheID
	if id == "" {
		id = target
	}
	sum := sha256.Sum256([]byte(id))
	dir := filepath.Join(s.b.host.Config().GraphRoot, "build-cache", hex.EncodeToString(sum[:16]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return spec.Mount{}, fmt.Errorf("cache mount %s: %w", id, err)
	}
	if m.UID != nil || m.GID != nil {
		uid, gid := -1, -1
		if m.UID != nil {
			uid = int(*m.UID)
		}
		if m.GID != nil {
			gid = int(*m.GID)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return spec.Mount{}, fmt.Errorf("cache mount %s: %w", id, err)
		}
	}
	if m.Mode != nil {
		_ = os.Chmod(dir, os.FileMode(*m.Mode))
	}
	return spec.Mount{Type: spec.TypeBind, Source: dir, Destination: target, Options: []string{"rbind", "rw"}}, nil
}

// bindMount shows a part of the context (or of a stage or image, with
// from=) to the RUN, read-only unless rw.
func (s *stage) bindMount(ctx context.Context, m *instructions.Mount, target string) (spec.Mount, error) {
	root := s.b.opts.ContextDir
	if m.From != "" {
		var err error
		if root, _, err = s.b.sourceRoot(ctx, m.From, s.index); err != nil {
			return spec.Mount{}, err
		}
	}
	src := filepath.Join(root, filepath.Clean("/"+m.Source))
	if _, err := os.Stat(src); err != nil {
		return spec.Mount{}, fmt.Errorf("--mount=type=bind,source=%s: %w", m.Source, err)
	}
	opt := "ro"
	if !m.ReadOnly {
		opt = "rw"
	}
	return spec.Mount{Type: spec.TypeBind, Source: src, Destination: target, Options: []string{"rbind", opt}}, nil
}

// secretMount shows a --secret file at /run/secrets/ID (or target); it is
// never part of a layer. An absent optional secret mounts nothing.
func (s *stage) secretMount(m *instructions.Mount) (spec.Mount, bool, error) {
	id := m.CacheID
	if id == "" {
		id = m.Source
	}
	if id == "" {
		id = path.Base(m.Target)
	}
	src, ok := s.b.opts.Secrets[id]
	if !ok {
		if m.Required {
			return spec.Mount{}, false, fmt.Errorf("secret %q is required but was not given with --secret id=%s,src=FILE", id, id)
		}
		return spec.Mount{}, false, nil
	}
	target := m.Target
	if target == "" {
		target = "/run/secrets/" + id
	}
	return spec.Mount{Type: spec.TypeBind, Source: src, Destination: target, Options: []string{"rbind", "ro"}}, true, nil
}
