package compose

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/roost-containers/roost/pkg/secrets"
)

// LabelSecret names the top-level secret a Roost secret was made from.
const LabelSecret = "com.docker.compose.secret"

// SecretName is the Roost secret behind a top-level secret: an external
// one's own name, else PROJECT_KEY, which up makes from the file or the
// environment variable.
func SecretName(p *types.Project, key string) string {
	def := p.Secrets[key]
	if def.External && def.Name != "" {
		return def.Name
	}
	if def.External {
		return key
	}
	return p.Name + "_" + key
}

// secretRefs turns a service's secrets (short and long syntax) into the
// --secret options a `roost run` would take: a read-only file at
// /run/secrets/TARGET (or an absolute target) with uid, gid and mode.
func secretRefs(p *types.Project, s types.ServiceConfig) ([]secrets.Ref, error) {
	var out []secrets.Ref
	for _, sec := range s.Secrets {
		if _, ok := p.Secrets[sec.Source]; !ok {
			return nil, fmt.Errorf("service %s: secret %q is not declared in the top-level secrets", s.Name, sec.Source)
		}
		r := secrets.Ref{Source: SecretName(p, sec.Source), Type: secrets.TypeMount, Target: sec.Target, Mode: secrets.DefaultMode}
		if r.Target == "" {
			r.Target = sec.Source
		}
		var err error
		if r.UID, err = composeID(sec.UID); err != nil {
			return nil, fmt.Errorf("service %s: secret %s: uid %q: %w", s.Name, sec.Source, sec.UID, err)
		}
		if r.GID, err = composeID(sec.GID); err != nil {
			return nil, fmt.Errorf("service %s: secret %s: gid %q: %w", s.Name, sec.Source, sec.GID, err)
		}
		if sec.Mode != nil {
			if *sec.Mode < 0 || *sec.Mode > 0o7777 {
				return nil, fmt.Errorf("service %s: secret %s: mode %o is not a file mode", s.Name, sec.Source, *sec.Mode)
			}
			r.Mode = uint32(*sec.Mode)
		}
		if _, err := r.Path(); err != nil {
			return nil, fmt.Errorf("service %s: secret %s: %w", s.Name, sec.Source, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func composeID(s string) (uint32, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, errors.New("give a number")
	}
	return uint32(n), nil
}

// ensureSecrets makes (or refreshes) the Roost secret of every top-level
// secret the services use, from its file or environment variable, and
// checks that external ones exist. Containers take their own copy at
// create, so refreshing one changes only containers made afterwards.
func (c *Compose) ensureSecrets(services []string) error {
	seen := map[string]bool{}
	for _, n := range services {
		for _, sec := range c.Project.Services[n].Secrets {
			if seen[sec.Source] {
				continue
			}
			seen[sec.Source] = true
			if err := c.ensureSecret(sec.Source); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Compose) ensureSecret(key string) error {
	def, ok := c.Project.Secrets[key]
	if !ok {
		return fmt.Errorf("secret %q is not declared in the top-level secrets", key)
	}
	name := SecretName(c.Project, key)
	m := c.Engine.Secrets
	if def.External {
		if _, err := m.Lookup(name); err != nil {
			return fmt.Errorf("secret %s declared as external, but could not be found: create it with `roost secret create %s FILE`", name, name)
		}
		return nil
	}
	data, err := secretContent(key, def)
	if err != nil {
		return err
	}
	if _, old, err := m.Data(name); err == nil {
		if bytes.Equal(old, data) {
			return nil
		}
		if _, err := m.Remove(name); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
	}
	labels := map[string]string{LabelProject: c.Project.Name, LabelSecret: key}
	for k, v := range def.Labels {
		labels[k] = v
	}
	if _, err := m.Create(secrets.CreateOptions{Name: name, Data: data, Labels: labels}); err != nil {
		return fmt.Errorf("secret %s: %w", name, err)
	}
	c.progress("Secret", name, "Created")
	return nil
}

// secretContent is a top-level secret's data: its file's, or the value of
// its environment variable (compose-go puts that in Content).
func secretContent(key string, def types.SecretConfig) ([]byte, error) {
	switch {
	case def.File != "":
		b, err := os.ReadFile(def.File)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", key, err)
		}
		return b, nil
	case def.Environment != "":
		if def.Content == "" {
			return nil, fmt.Errorf("secret %s: environment variable %s is not set", key, def.Environment)
		}
		return []byte(def.Content), nil
	case def.Content != "":
		return []byte(def.Content), nil
	}
	return nil, fmt.Errorf("secret %s: give file:, environment: or external: true", key)
}

// removeSecrets removes the secrets up made for the project.
func (c *Compose) removeSecrets() error {
	list, err := c.Engine.Secrets.List(nil)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.Labels[LabelProject] != c.Project.Name || s.Labels[LabelSecret] == "" {
			continue
		}
		if _, err := c.Engine.Secrets.Remove(s.ID); err != nil && !errors.Is(err, secrets.ErrNoSuchSecret) {
			return fmt.Errorf("secret %s: %w", s.Name, err)
		}
		c.progress("Secret", s.Name, "Removed")
	}
	return nil
}
