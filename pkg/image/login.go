package image

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	dockerconfig "go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/config"
)

// ErrNotLoggedIn is what logout and --get-login say when the auth file has
// nothing for a registry.
var ErrNotLoggedIn = dockerconfig.ErrNotLoggedIn

type notLoggedInError struct{ key string }

func (e *notLoggedInError) Error() string        { return "not logged into " + e.key }
func (e *notLoggedInError) Is(target error) bool { return target == ErrNotLoggedIn }

// Credentials are a user name and password for one registry.
type Credentials struct {
	Username, Password string
}

// LoginKey reads a server as users write it (127.0.0.1:5001,
// https://quay.io/, quay.io/team) into the auth file's key and the registry
// host to check credentials against.
func LoginKey(server string) (key, registry string, err error) {
	s := strings.TrimPrefix(strings.TrimPrefix(server, "https://"), "http://")
	s = strings.TrimSuffix(s, "/")
	if s == "" || strings.ContainsAny(s, " \t@") {
		return "", "", fmt.Errorf("invalid registry %q: use HOST[:PORT][/NAMESPACE]", server)
	}
	registry, _, _ = strings.Cut(s, "/")
	return s, registry, nil
}

// Login checks the credentials with the registry, then stores them in the
// auth file (created 0600 in a 0700 directory). Wrong credentials are an
// error wrapping ErrBadLogin, and nothing is stored.
func Login(ctx context.Context, cfg *config.Config, server string, creds Credentials, opts RegistryOptions) error {
	key, sys, err := checkLogin(ctx, cfg, server, creds, opts)
	if err != nil {
		return err
	}
	if _, err := dockerconfig.SetCredentials(sys, key, creds.Username, creds.Password); err != nil {
		return fmt.Errorf("store the credentials for %s in %s: %w", key, sys.AuthFilePath, err)
	}
	return nil
}

func explainLogin(registry string, err error) error {
	var creds docker.ErrUnauthorizedForCredentials
	if errors.As(err, &creds) {
		return fmt.Errorf("logging into %q: %w", registry, ErrBadLogin)
	}
	return explain(fmt.Sprintf("logging into %q", registry), registry, err)
}

// StoredLogin returns the credentials the auth file (or a credential helper)
// holds for server; an error wrapping ErrNotLoggedIn when there are none.
func StoredLogin(cfg *config.Config, server string, opts RegistryOptions) (Credentials, error) {
	key, _, err := LoginKey(server)
	if err != nil {
		return Credentials{}, err
	}
	sys, err := systemContext(cfg, opts, Platform{})
	if err != nil {
		return Credentials{}, err
	}
	auth, err := dockerconfig.GetCredentials(sys, key)
	if err != nil {
		return Credentials{}, fmt.Errorf("read credentials for %s: %w", key, err)
	}
	if auth.Username == "" && auth.IdentityToken == "" {
		return Credentials{}, &notLoggedInError{key: key}
	}
	return Credentials{Username: auth.Username, Password: auth.Password}, nil
}

// CheckLogin verifies stored credentials with the registry.
func CheckLogin(ctx context.Context, cfg *config.Config, server string, creds Credentials, opts RegistryOptions) error {
	_, _, err := checkLogin(ctx, cfg, server, creds, opts)
	return err
}

// checkLogin asks the registry whether creds are good; it returns the auth
// file key and the system context a caller storing them needs.
func checkLogin(ctx context.Context, cfg *config.Config, server string, creds Credentials, opts RegistryOptions) (string, *types.SystemContext, error) {
	key, registry, err := LoginKey(server)
	if err != nil {
		return "", nil, err
	}
	sys, err := systemContext(cfg, opts, Platform{})
	if err != nil {
		return "", nil, err
	}
	if err := docker.CheckAuth(ctx, sys, creds.Username, creds.Password, registry); err != nil {
		return "", nil, explainLogin(registry, err)
	}
	return key, sys, nil
}

// Logout removes the credentials for server; ErrNotLoggedIn when there were
// none.
func Logout(cfg *config.Config, server string, opts RegistryOptions) error {
	key, _, err := LoginKey(server)
	if err != nil {
		return err
	}
	sys, err := systemContext(cfg, opts, Platform{})
	if err != nil {
		return err
	}
	if err := dockerconfig.RemoveAuthentication(sys, key); err != nil {
		if errors.Is(err, dockerconfig.ErrNotLoggedIn) {
			return &notLoggedInError{key: key}
		}
		return fmt.Errorf("remove the credentials for %s: %w", key, err)
	}
	return nil
}

// LogoutAll removes every stored credential.
func LogoutAll(cfg *config.Config, opts RegistryOptions) error {
	sys, err := systemContext(cfg, opts, Platform{})
	if err != nil {
		return err
	}
	if err := dockerconfig.RemoveAllAuthentication(sys); err != nil {
		return fmt.Errorf("remove all credentials: %w", err)
	}
	return nil
}

// DefaultLoginServer is the registry login and logout use when none is
// given: the first of registries.conf's unqualified-search registries.
func DefaultLoginServer(cfg *config.Config) (string, error) {
	sys, err := systemContext(cfg, RegistryOptions{}, Platform{})
	if err != nil {
		return "", err
	}
	regs, err := sysregistriesv2.UnqualifiedSearchRegistries(sys)
	if err != nil {
		return "", fmt.Errorf("read registries.conf: %w", err)
	}
	if len(regs) == 0 {
		return "", errors.New("no registry given and registries.conf has no unqualified-search-registries: name the registry (e.g. roost login quay.io)")
	}
	return regs[0], nil
}
