package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/image"
)

// registryFlags are the flags every command that talks to a registry shares.
type registryFlags struct {
	authFile  string
	tlsVerify bool
	certDir   string
}

func (r *registryFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&r.authFile, "authfile", "", "credentials file (default $XDG_RUNTIME_DIR/containers/auth.json)")
	fl.BoolVar(&r.tlsVerify, "tls-verify", true, "require HTTPS and verify certificates (default: as registries.conf says)")
	fl.StringVar(&r.certDir, "cert-dir", "", "directory of certificates (*.crt, *.cert, *.key) for the registry")
}

// options leaves TLSVerify unset unless the user gave --tls-verify, so that
// registries.conf's insecure=true applies otherwise.
func (r *registryFlags) options(c *cobra.Command) image.RegistryOptions {
	o := image.RegistryOptions{AuthFile: r.authFile, CertDir: r.certDir}
	if c.Flags().Changed("tls-verify") {
		v := r.tlsVerify
		o.TLSVerify = &v
	}
	return o
}

type pullFlags struct {
	registry              registryFlags
	quiet, allTags        bool
	creds                 string
	platform, arch, os, v string
}

func newPullCommand(a *app) *cobra.Command {
	var f pullFlags
	cmd := &cobra.Command{
		Use:   "pull [options] IMAGE",
		Short: "Pull an image from a registry",
		Long:  "Pull an image from a registry into local storage and print its ID.\nShort names are resolved through registries.conf (unqualified-search-registries, aliases).",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.pull(c, f, args[0])
		},
	}
	fl := cmd.Flags()
	f.registry.add(fl)
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the image ID")
	fl.BoolVarP(&f.allTags, "all-tags", "a", false, "pull every tagged image of the repository")
	fl.StringVar(&f.creds, "creds", "", "USERNAME:PASSWORD for the registry")
	fl.StringVar(&f.platform, "platform", "", "OS/ARCH[/VARIANT] to choose from a multi-platform image")
	fl.StringVar(&f.arch, "arch", "", "architecture to choose from a multi-platform image (e.g. arm64)")
	fl.StringVar(&f.os, "os", "", "operating system to choose from a multi-platform image")
	fl.StringVar(&f.v, "variant", "", "architecture variant to choose (e.g. v8)")
	return cmd
}

func (f pullFlags) platformChoice() (image.Platform, error) {
	p := image.Platform{OS: f.os, Arch: f.arch, Variant: f.v}
	if f.platform == "" {
		return p, nil
	}
	if f.arch != "" || f.os != "" {
		return p, errors.New("--platform cannot be given with --arch or --os")
	}
	pp, err := image.ParsePlatform(f.platform)
	if err != nil {
		return p, err
	}
	if f.v != "" {
		pp.Variant = f.v
	}
	return pp, nil
}

func (a *app) pull(c *cobra.Command, f pullFlags, name string) error {
	platform, err := f.platformChoice()
	if err != nil {
		return err
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	opts := image.PullOptions{
		RegistryOptions: f.registry.options(c),
		Platform:        platform,
		AllTags:         f.allTags,
	}
	opts.Creds = f.creds
	if !f.quiet {
		opts.Progress = a.errOut
	}
	ids, err := image.Pull(c.Context(), store, a.cfg, name, opts)
	for _, id := range ids {
		fmt.Fprintln(a.out, id)
	}
	return err
}
