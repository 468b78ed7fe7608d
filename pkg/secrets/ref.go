package secrets

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Ways a container gets a secret.
const (
	TypeMount = "mount" // a read-only file, at /run/secrets/NAME by default
	TypeEnv   = "env"   // an environment variable, set at each start
)

// MountDir is where mount secrets go unless their target is absolute.
const MountDir = "/run/secrets"

// DefaultMode is a mounted secret's mode unless mode= says (Podman's 0444).
const DefaultMode = 0o444

// Ref is one --secret as the user gave it, parsed: which secret, and how
// the container gets it.
type Ref struct {
	Source string `json:"source"` // the secret's name or id
	Type   string `json:"type"`   // TypeMount or TypeEnv
	// Target: for a mount, the file's path (relative: under /run/secrets;
	// empty: the secret's name); for env, the variable (empty: the name).
	Target string `json:"target,omitempty"`
	UID    uint32 `json:"uid"`
	GID    uint32 `json:"gid"`
	Mode   uint32 `json:"mode"`
}

// errParse ends every --secret error with Podman's words.
var errParse = errors.New("parsing secret")

// ParseRef reads --secret NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=OCTAL]
// (also source=NAME), with Podman's rules: uid, gid and mode are for
// mounts only; an option is given once.
func ParseRef(s string) (Ref, error) {
	r := Ref{Mode: DefaultMode}
	parts := strings.Split(s, ",")
	if !strings.Contains(parts[0], "=") {
		r.Source, parts = parts[0], parts[1:]
	}
	mountOnly := false
	seen := map[string]bool{}
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return r, fmt.Errorf("option %s must be in form option=value: %w", p, errParse)
		}
		k = strings.ToLower(k)
		if seen[k] {
			return r, fmt.Errorf("option %s given twice in %q: %w", k, s, errParse)
		}
		seen[k] = true
		var err error
		switch k {
		case "source":
			r.Source = v
		case "type":
			if v != TypeMount && v != TypeEnv {
				return r, fmt.Errorf("type %s is invalid: use mount or env: %w", v, errParse)
			}
			r.Type = v
		case "target":
			r.Target = v
		case "mode":
			mountOnly = true
			var m uint64
			if m, err = strconv.ParseUint(v, 8, 32); err != nil || m > 0o7777 {
				return r, fmt.Errorf("mode %s invalid: give octal permissions such as 0400: %w", v, errParse)
			}
			r.Mode = uint32(m)
		case "uid", "gid":
			mountOnly = true
			var n uint64
			if n, err = strconv.ParseUint(v, 10, 32); err != nil {
				return r, fmt.Errorf("%s %s invalid: give a number: %w", strings.ToUpper(k), v, errParse)
			}
			if k == "uid" {
				r.UID = uint32(n)
			} else {
				r.GID = uint32(n)
			}
		default:
			return r, fmt.Errorf("option %s invalid: use type, target, uid, gid or mode: %w", p, errParse)
		}
	}
	if r.Source == "" {
		return r, fmt.Errorf("no source found %s: %w", s, errParse)
	}
	if r.Type == "" {
		r.Type = TypeMount
	}
	if r.Type == TypeEnv {
		if mountOnly {
			return r, fmt.Errorf("UID, GID, Mode options cannot be set with secret type env: %w", errParse)
		}
		if r.Target == "" {
			r.Target = r.Source
		}
		if strings.ContainsAny(r.Target, "= \x00") {
			return r, fmt.Errorf("target %q is not a valid environment variable name: %w", r.Target, errParse)
		}
		return r, nil
	}
	if _, err := r.Path(); err != nil {
		return r, err
	}
	return r, nil
}

// Path is where a mount secret appears in the container: target, under
// /run/secrets when relative, or /run/secrets/SOURCE.
func (r Ref) Path() (string, error) {
	t, rel := r.Target, !path.IsAbs(r.Target)
	if t == "" {
		t, rel = r.Source, true // a name is always a file under /run/secrets
	}
	if strings.ContainsRune(t, 0) {
		return "", fmt.Errorf("target %q invalid: %w", t, errParse)
	}
	p := t
	if rel {
		p = path.Join(MountDir, t)
	}
	p = path.Clean(p)
	if p == "/" || p == MountDir {
		return "", fmt.Errorf("target %q invalid: name a file, not %s: %w", t, p, errParse)
	}
	if rel && !strings.HasPrefix(p, MountDir+"/") {
		return "", fmt.Errorf("target %q invalid: a relative target must stay under %s: %w", t, MountDir, errParse)
	}
	return p, nil
}

// InDir says whether a mount secret's path lies under /run/secrets, where
// it is a file of the secrets directory rather than a bind mount of its own.
func InDir(p string) (string, bool) {
	rel, ok := strings.CutPrefix(p, MountDir+"/")
	return rel, ok
}
