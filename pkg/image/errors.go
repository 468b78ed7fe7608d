package image

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	dockerconfig "go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

// Error kinds a caller may test with errors.Is.
var (
	ErrNotInRegistry = errors.New("the registry has no such image")
	ErrAuth          = errors.New("authentication required")
	ErrBadLogin      = errors.New("invalid username/password")
	ErrUnreachable   = errors.New("cannot reach the registry")
)

// registryError is a registry failure said in the user's terms: what failed,
// why, and what to do; the library's error stays reachable for errors.As.
type registryError struct {
	what string // `pulling "127.0.0.1:5000/x:latest"`
	kind error
	hint string
	err  error
}

func (e *registryError) Error() string {
	msg := e.what + ": " + e.kind.Error()
	if cause := innermost(e.err); cause != e.kind.Error() {
		msg += " (" + cause + ")"
	}
	if e.hint != "" {
		msg += ": " + e.hint
	}
	return msg
}

func (e *registryError) Unwrap() []error { return []error{e.kind, e.err} }

// innermost is the last part of a chain of "context: context: cause" messages,
// which is the part a user can act on.
func innermost(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}

// explainPull turns a failed pull of ref into one line naming the reference,
// the cause and the way out. A refusal when credentials were sent means
// those credentials are wrong, which is a different fix from logging in.
func explainPull(ref reference.Named, err error, sys *types.SystemContext) error {
	// Podman's (containers/image's) words, which scripts match on.
	what := "initializing source docker://" + ref.String()
	registry := reference.Domain(ref)
	e := explain(what, registry, err)
	var re *registryError
	if !errors.As(e, &re) || re.kind != ErrAuth {
		return e
	}
	switch {
	case sys.DockerAuthConfig != nil:
		re.kind, re.hint = ErrBadLogin, "the registry refused the credentials given with --creds"
	case hasCredentials(sys, ref):
		re.kind, re.hint = ErrBadLogin, fmt.Sprintf("the registry refused the stored credentials: run `roost login %s` again", registry)
	}
	return re
}

func hasCredentials(sys *types.SystemContext, ref reference.Named) bool {
	auth, err := dockerconfig.GetCredentialsForRef(sys, ref)
	return err == nil && (auth.Username != "" || auth.IdentityToken != "")
}

func explain(what, registry string, err error) error {
	kind, hint := classify(registry, err)
	if kind == nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &registryError{what: what, kind: kind, hint: hint, err: err}
}

// classify recognises the failures users meet most, by type, not by text.
func classify(registry string, err error) (kind error, hint string) {
	var ec errcode.Error
	var creds docker.ErrUnauthorizedForCredentials
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &creds):
		return ErrBadLogin, fmt.Sprintf("run `roost login %s` again or pass --creds", registry)
	case errors.As(err, &ec) && (ec.Code == v2.ErrorCodeManifestUnknown || ec.Code == v2.ErrorCodeNameUnknown):
		return ErrNotInRegistry, "check the name and tag"
	case errors.As(err, &ec) && (ec.Code == errcode.ErrorCodeUnauthorized || ec.Code == errcode.ErrorCodeDenied):
		return ErrAuth, fmt.Sprintf("run `roost login %s` first or pass --creds USER:PASSWORD", registry)
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname):
		return ErrUnreachable, fmt.Sprintf("TLS verification of %s failed: add its CA under certs.d, or mark it insecure in registries.conf or pass --tls-verify=false", registry)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return ErrUnreachable, fmt.Sprintf("%s speaks plain HTTP: mark it insecure in registries.conf ([[registry]] location=%q insecure=true) or pass --tls-verify=false", registry, registry)
	case errors.As(err, &dnsErr), errors.As(err, &opErr):
		return ErrUnreachable, fmt.Sprintf("check the address %s and that the registry is running", registry)
	}
	return nil, ""
}
