package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/secrets"
	"github.com/roost-containers/roost/pkg/spec"
)

// SecretUse is one secret a container gets: the --secret as parsed, and the
// secret it named at create (its id, so a secret made again under the same
// name later is not taken for it). Never the data.
type SecretUse struct {
	secrets.Ref
	ID   string `json:"id"`
	Name string `json:"name"`
}

// resolveSecrets finds every secret a create names, before anything is made.
func (e *Engine) resolveSecrets(refs []secrets.Ref) ([]SecretUse, error) {
	var out []SecretUse
	seen := map[string]bool{}
	for _, r := range refs {
		s, err := e.Secrets.Lookup(r.Source)
		if err != nil {
			return nil, err
		}
		where := "env:" + r.Target
		if r.Type == secrets.TypeMount {
			if r.Target == "" {
				r.Target = s.Name // as Podman: the file is named after the secret, not what named it
			}
			p, err := r.Path()
			if err != nil {
				return nil, err
			}
			where = p
		}
		if seen[where] {
			return nil, fmt.Errorf("two secrets at %s: give each target once", strings.TrimPrefix(where, "env:"))
		}
		seen[where] = true
		out = append(out, SecretUse{Ref: r, ID: s.ID, Name: s.Name})
	}
	return out, nil
}

// secretCopies is where a container keeps its own copy of its mount
// secrets, taken at create as Podman does: later changes to the secret (or
// its removal) do not reach a container made with it. It lies in the
// container's storage directory (not its root filesystem: commit and export
// never see it), mode 0700, each file 0600; storage deletes it with the
// container.
func (e *Engine) secretCopies(id string) (string, error) {
	dir, err := e.Store.ContainerDirectory(id)
	if err != nil {
		return "", fmt.Errorf("container %s directory: %w", id, err)
	}
	return filepath.Join(dir, "secrets"), nil
}

// copySecrets takes the container's copy of each mount secret's data.
func (e *Engine) copySecrets(c *Container) error {
	dir, err := e.secretCopies(c.ID)
	if err != nil {
		return err
	}
	for _, u := range c.Secrets {
		if u.Type != secrets.TypeMount {
			continue
		}
		_, data, err := e.Secrets.Data(u.ID)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("secrets of %s: %w", c.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, u.ID), data, 0o600); err != nil {
			return fmt.Errorf("copy secret %s: %w", u.Name, err)
		}
	}
	return nil
}

// secretRunDir holds what a running container sees of its mount secrets:
// in the run directory (tmpfs), written at each prepare and removed when
// the container exits. dir/run is mounted at /run/secrets; dir/abs/N are
// the secrets with an absolute target elsewhere.
func secretRunDir(runDir string) string { return filepath.Join(runDir, "secrets") }

// placedSecret is one mount secret's file in the run directory.
type placedSecret struct {
	use  SecretUse
	file string
}

// placeSecrets writes the mount secrets' files (0600 for now: fixSecrets
// gives them their owner and mode once the spec says how ids map) and
// returns the mounts that show them read-only.
func (e *Engine) placeSecrets(c *Container, runDir string) ([]spec.Mount, []placedSecret, error) {
	dir := secretRunDir(runDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, nil, fmt.Errorf("clear secrets of %s: %w", c.Name, err)
	}
	copies, err := e.secretCopies(c.ID)
	if err != nil {
		return nil, nil, err
	}
	var mounts []spec.Mount
	var placed []placedSecret
	inDir := false
	for i, u := range c.Secrets {
		if u.Type != secrets.TypeMount {
			continue
		}
		p, err := u.Path()
		if err != nil {
			return nil, nil, err
		}
		file := filepath.Join(dir, "abs", strconv.Itoa(i))
		rel, under := secrets.InDir(p)
		if under {
			file, inDir = filepath.Join(dir, "run", filepath.FromSlash(rel)), true
		} else {
			mounts = append(mounts, spec.Mount{Type: spec.TypeBind, Source: file, Destination: p, Options: []string{"ro"}})
		}
		data, err := os.ReadFile(filepath.Join(copies, u.ID))
		if err != nil {
			return nil, nil, fmt.Errorf("secret %s of %s: its copy is unreadable: recreate the container: %w", u.Name, c.Name, err)
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return nil, nil, fmt.Errorf("secrets of %s: %w", c.Name, err)
		}
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return nil, nil, fmt.Errorf("secret %s of %s: %w", u.Name, c.Name, err)
		}
		placed = append(placed, placedSecret{use: u, file: file})
	}
	if inDir {
		mounts = append(mounts, spec.Mount{Type: spec.TypeBind, Source: filepath.Join(dir, "run"), Destination: secrets.MountDir, Options: []string{"ro"}})
	}
	return mounts, placed, nil
}

// fixSecrets gives each placed file the uid, gid and mode asked for, as the
// container's user namespace (if any) maps them, and makes the directories
// shown in the container readable there.
func fixSecrets(runDir string, placed []placedSecret, s *specs.Spec) error {
	var uids, gids []specs.LinuxIDMapping
	if s.Linux != nil {
		uids, gids = s.Linux.UIDMappings, s.Linux.GIDMappings
	}
	dir := secretRunDir(runDir)
	for _, p := range placed {
		for d := filepath.Dir(p.file); strings.HasPrefix(d, filepath.Join(dir, "run")); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				return err
			}
			if err := os.Lchown(d, mapID(0, uids), mapID(0, gids)); err != nil {
				return err
			}
		}
		if err := os.Lchown(p.file, mapID(int(p.use.UID), uids), mapID(int(p.use.GID), gids)); err != nil {
			return fmt.Errorf("secret %s: owner %d:%d: %w", p.use.Name, p.use.UID, p.use.GID, err)
		}
		if err := os.Chmod(p.file, os.FileMode(p.use.Mode)); err != nil {
			return fmt.Errorf("secret %s: mode %o: %w", p.use.Name, p.use.Mode, err)
		}
	}
	return nil
}

// secretEnv sets the env secrets in the process, read from the store at
// each start as Podman does (so a removed secret fails the start).
func (e *Engine) secretEnv(c *Container, s *specs.Spec) error {
	for _, u := range c.Secrets {
		if u.Type != secrets.TypeEnv {
			continue
		}
		_, data, err := e.Secrets.Data(u.ID)
		if err != nil {
			return fmt.Errorf("secret %s of %s: %w", u.Name, c.Name, err)
		}
		s.Process.Env = setEnv(s.Process.Env, u.Target, string(data))
	}
	return nil
}

func setEnv(env []string, key, value string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// envSecretNames are the variables env secrets set: inspect hides them.
func envSecretNames(c *Container) map[string]bool {
	names := map[string]bool{}
	for _, u := range c.Secrets {
		if u.Type == secrets.TypeEnv {
			names[u.Target] = true
		}
	}
	return names
}

// withoutSecretEnv drops the env secrets' variables from env.
func withoutSecretEnv(c *Container, env []string) []string {
	hide := envSecretNames(c)
	if len(hide) == 0 {
		return env
	}
	out := []string{}
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !hide[k] {
			out = append(out, kv)
		}
	}
	return out
}

// dropSecrets removes what a stopped container had of its secrets: the
// files it saw, and env secrets' values from its bundle, which stays for
// inspect until the next start writes it anew.
func (e *Engine) dropSecrets(c *Container) {
	if len(c.Secrets) == 0 {
		return
	}
	dir := e.runDir(c.ID)
	_ = os.RemoveAll(secretRunDir(dir))
	if len(envSecretNames(c)) == 0 {
		return
	}
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var s specs.Spec
	if json.Unmarshal(b, &s) != nil || s.Process == nil {
		return
	}
	s.Process.Env = withoutSecretEnv(c, s.Process.Env)
	if b, err = json.MarshalIndent(&s, "", " "); err == nil {
		_ = os.WriteFile(path, b, 0o600)
	}
}
