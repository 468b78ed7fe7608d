package spec

import (
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecUser resolves `exec --user` (name|uid[:group|gid]) against the running
// container's /etc/passwd and /etc/group under rootfs, by the same rules as
// the container's own user. It also returns the user's home ("/" for a uid
// the image does not name). Unlike a start, nothing is added to the
// container's files.
func ExecUser(rootfs, spec string) (specs.User, string, error) {
	o := Options{Rootfs: rootfs, Process: ProcessOptions{User: spec}}
	u, err := o.resolveUser(namespaces{}, "/")
	if err != nil {
		return specs.User{}, "", err
	}
	return specs.User{UID: uint32(u.uid), GID: uint32(u.gid), AdditionalGids: u.additional}, u.home, nil
}

// ExecCapabilities gives an exec'd process its capabilities. privileged:
// every capability Roost holds, effective only for root (as run
// --privileged). Otherwise the container's set, and a process run as another
// user than the container's gets root's full set or, not root, none beyond
// the bounding set, as the container's own process would.
func ExecCapabilities(ctr *specs.LinuxCapabilities, root, userChanged, privileged bool) (*specs.LinuxCapabilities, error) {
	if privileged {
		return SecurityOptions{Privileged: true}.capabilities(root)
	}
	if ctr == nil || !userChanged {
		return ctr, nil
	}
	out := &specs.LinuxCapabilities{Bounding: slices.Clone(ctr.Bounding), Inheritable: []string{}, Ambient: []string{}}
	if root {
		out.Effective = slices.Clone(ctr.Bounding)
		out.Permitted = slices.Clone(ctr.Bounding)
	} else {
		out.Effective, out.Permitted = []string{}, []string{}
	}
	return out, nil
}

// ExecEnv applies `exec --env` entries (KEY=VALUE, or KEY to copy Roost's own
// value when set) over the container's environment; a later entry wins.
func ExecEnv(ctr []string, entries []string) ([]string, error) {
	var e envList
	for _, kv := range ctr {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			e.set(k, v)
		}
	}
	if err := e.setUserEntries(entries); err != nil {
		return nil, err
	}
	return e.list(), nil
}

// EnvHas reports whether env (KEY=VALUE entries, or bare KEY as --env
// takes them) names key.
func EnvHas(env []string, key string) bool {
	return slices.ContainsFunc(env, func(kv string) bool { return kv == key || strings.HasPrefix(kv, key+"=") })
}
