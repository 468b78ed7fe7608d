package spec

import (
	"errors"
	"fmt"
	"os/user"
	"strings"
)

// proxyVars are the variables --http-proxy (on by default) passes on.
var proxyVars = map[string]bool{
	"http_proxy": true, "https_proxy": true, "ftp_proxy": true, "no_proxy": true,
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "FTP_PROXY": true, "NO_PROXY": true,
}

// ProxyEnv picks the proxy settings out of the caller's environment.
func ProxyEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if k, _, ok := strings.Cut(kv, "="); ok && proxyVars[k] {
			out = append(out, kv)
		}
	}
	return out
}

// ParseNamespaceFlag turns Podman's --ipc, --pid, --uts and --cgroupns
// values into NamespaceOptions': ns:PATH is path:PATH, and --ipc's
// shareable and none are a private namespace.
func ParseNamespaceFlag(flag, v string) (string, error) {
	switch {
	case v == "" || v == "private" || v == "host":
		return v, nil
	case flag == "ipc" && (v == "shareable" || v == "none"):
		return "private", nil
	case strings.HasPrefix(v, "ns:"):
		p := strings.TrimPrefix(v, "ns:")
		if !strings.HasPrefix(p, "/") {
			return "", fmt.Errorf("invalid --%s %q: the namespace path must be absolute", flag, v)
		}
		return "path:" + p, nil
	case strings.HasPrefix(v, "container:"):
		return "", fmt.Errorf("--%s %s: joining another container's namespace is not supported yet: use ns:/proc/PID/ns/%s", flag, v, nsFile(flag))
	}
	return "", fmt.Errorf("invalid --%s %q: use private, host or ns:PATH", flag, v)
}

func nsFile(flag string) string {
	if flag == "cgroupns" {
		return "cgroup"
	}
	return flag
}

// ErrNoHostUser: a --hostuser names no user of the host.
var ErrNoHostUser = errors.New("no such user on the host")

// hostUserLines are the host's /etc/passwd lines of --hostuser's users
// (names or uids).
func hostUserLines(names []string) (string, error) {
	var b strings.Builder
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			if u, err = user.LookupId(n); err != nil {
				return "", fmt.Errorf("--hostuser %s: %w", n, ErrNoHostUser)
			}
		}
		fmt.Fprintf(&b, "%s:x:%s:%s:%s:%s:/bin/sh\n", u.Username, u.Uid, u.Gid, u.Name, u.HomeDir)
	}
	return b.String(), nil
}
