// Package image pulls, lists, tags, inspects and removes images in Roost's
// storage, and keeps registry credentials, with containers/image and
// containers/storage. It never prints: progress goes to the io.Writer a caller
// passes in, results come back as values.
package image

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/config"
)

// RegistryOptions are the settings of one conversation with registries, as
// Podman's --authfile, --tls-verify, --creds and --cert-dir give them.
type RegistryOptions struct {
	AuthFile string // empty: cfg.AuthFile
	// TLSVerify is nil when the user did not say: registries.conf decides.
	TLSVerify *bool
	Creds     string // USERNAME:PASSWORD, overrides the auth file
	CertDir   string // empty: containers/image's default certs.d search
}

// Platform picks one image out of a multi-platform index; empty fields mean
// this machine's.
type Platform struct {
	OS, Arch, Variant string
}

// ParsePlatform reads Podman's --platform value: os/arch[/variant].
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Platform{}, fmt.Errorf("invalid platform %q: use OS/ARCH[/VARIANT], e.g. linux/arm64", s)
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// systemContext turns Roost's configuration and the user's options into the
// settings containers/image reads.
func systemContext(cfg *config.Config, r RegistryOptions, p Platform) (*types.SystemContext, error) {
	sys := &types.SystemContext{
		AuthFilePath:       cfg.AuthFile,
		OSChoice:           p.OS,
		ArchitectureChoice: p.Arch,
		VariantChoice:      p.Variant,
		DockerCertPath:     r.CertDir,
		// Keep containers/image's blob-info cache with Roost's data rather
		// than in Podman's directory.
		BlobInfoCacheDir: filepath.Join(cfg.DataDir, "cache"),
	}
	if r.AuthFile != "" {
		sys.AuthFilePath = r.AuthFile
	}
	if cfg.RegistriesConf != "" {
		sys.SystemRegistriesConfPath = cfg.RegistriesConf
	}
	if r.TLSVerify != nil {
		sys.DockerInsecureSkipTLSVerify = types.NewOptionalBool(!*r.TLSVerify)
		sys.OCIInsecureSkipTLSVerify = !*r.TLSVerify
	}
	if r.Creds != "" {
		user, pass, ok := strings.Cut(r.Creds, ":")
		if !ok || user == "" {
			return nil, errors.New("invalid --creds: use USERNAME:PASSWORD")
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
	}
	return sys, nil
}

// policy returns the signature policy that governs pulls: the configured file,
// else the user's, else the system's, else one that accepts everything (as a
// machine without any policy.json has no rules to enforce).
func policy(cfg *config.Config) (*signature.Policy, error) {
	path := cfg.PolicyPath
	if path == "" {
		path = firstExisting(filepath.Join(cfg.ContainersConfDir(), "policy.json"), "/etc/containers/policy.json")
	}
	if path == "" {
		return &signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}}, nil
	}
	pol, err := signature.NewPolicyFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signature policy: %w", err)
	}
	return pol, nil
}

func firstExisting(paths ...string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			return p
		}
	}
	return ""
}

// layerProgressInterval is how often a blob's read progress is sent on a
// Layers channel: often enough for a progress bar, rarely enough not to
// flood a client. Zero without a channel (containers/image then sends none).
func layerProgressInterval(ch chan types.ProgressProperties) time.Duration {
	if ch == nil {
		return 0
	}
	return 200 * time.Millisecond
}
