package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/image"
)

// manifestAddFlags are what create --amend/add/annotate share.
type manifestAddFlags struct {
	registry          registryFlags
	creds             string
	all               bool
	arch, os, variant string
	annotations       []string
}

func (f *manifestAddFlags) add(fl *pflag.FlagSet, registry bool) {
	if registry {
		f.registry.add(fl)
		fl.StringVar(&f.creds, "creds", "", "USERNAME:PASSWORD for the registry")
		fl.BoolVar(&f.all, "all", false, "add every instance of an image index")
	}
	fl.StringVar(&f.arch, "arch", "", "architecture to record (and to choose from an index)")
	fl.StringVar(&f.os, "os", "", "operating system to record (and to choose from an index)")
	fl.StringVar(&f.variant, "variant", "", "architecture variant to record")
	stringArray(fl, &f.annotations, "annotation", nil, "KEY=VALUE annotation of the instance; repeatable")
}

func (f *manifestAddFlags) options(c *cobra.Command) (image.ManifestAddOptions, error) {
	o := image.ManifestAddOptions{All: f.all, Platform: image.Platform{OS: f.os, Arch: f.arch, Variant: f.variant},
		RegistryOptions: f.registry.options(c)}
	o.Creds = f.creds
	for _, a := range f.annotations {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return o, fmt.Errorf("invalid annotation %q: use KEY=VALUE", a)
		}
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[k] = v
	}
	return o, nil
}

func newManifestCommand(a *app) *cobra.Command {
	return newGroup("manifest", "Manipulate manifest lists and image indexes",
		newManifestCreateCommand(a), newManifestAddCommand(a), newManifestAnnotateCommand(a),
		newManifestInspectCommand(a), newManifestPushCommand(a), newManifestRmCommand(a),
		newManifestExistsCommand(a))
}

func newManifestCreateCommand(a *app) *cobra.Command {
	return a.manifestEntryVerb(&cobra.Command{
		Use:   "create [options] LIST [IMAGE...]",
		Short: "Create a manifest list, optionally adding images",
		Args:  cobra.MinimumNArgs(1),
	}, true, func(c *cobra.Command, store cstorage.Store, args []string, o image.ManifestAddOptions) (string, error) {
		return image.ManifestCreate(c.Context(), store, a.cfg, args[0], args[1:], o)
	})
}

func newManifestAddCommand(a *app) *cobra.Command {
	return a.manifestEntryVerb(&cobra.Command{
		Use:   "add [options] LIST IMAGE",
		Short: "Add an image to a manifest list",
		Args:  cobra.ExactArgs(2),
	}, true, func(c *cobra.Command, store cstorage.Store, args []string, o image.ManifestAddOptions) (string, error) {
		return image.ManifestAdd(c.Context(), store, a.cfg, args[0], args[1], o)
	})
}

func newManifestAnnotateCommand(a *app) *cobra.Command {
	return a.manifestEntryVerb(&cobra.Command{
		Use:   "annotate [options] LIST DIGEST",
		Short: "Add or update information about an entry in a manifest list",
		Args:  cobra.ExactArgs(2),
	}, false, func(_ *cobra.Command, store cstorage.Store, args []string, o image.ManifestAddOptions) (string, error) {
		return image.ManifestAnnotate(store, args[0], args[1], o.Platform, o.Annotations)
	})
}

// manifestEntryVerb gives create, add and annotate their shared flags (the
// registry ones only where an image is fetched) and prints the list's id.
func (a *app) manifestEntryVerb(cmd *cobra.Command, registry bool,
	do func(*cobra.Command, cstorage.Store, []string, image.ManifestAddOptions) (string, error)) *cobra.Command {
	var f manifestAddFlags
	cmd.RunE = func(c *cobra.Command, args []string) error {
		o, err := f.options(c)
		if err != nil {
			return err
		}
		store, err := a.Store()
		if err != nil {
			return err
		}
		id, err := do(c, store, args, o)
		if err == nil {
			fmt.Fprintln(a.out, id)
		}
		return err
	}
	f.add(cmd.Flags(), registry)
	return cmd
}

func newManifestInspectCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect LIST",
		Short: "Display the contents of a manifest list",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			b, err := image.ManifestInspect(store, args[0])
			if err == nil {
				fmt.Fprintln(a.out, string(b))
			}
			return err
		},
	}
}

func newManifestPushCommand(a *app) *cobra.Command {
	var f pushFlags
	var rm, all bool
	cmd := &cobra.Command{
		Use:   "push [options] LIST DESTINATION",
		Short: "Push a manifest list and its images to a registry",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			o := image.PushOptions{RegistryOptions: f.registry.options(c), DigestFile: f.digestFile}
			o.Creds = f.creds
			if !f.quiet {
				o.Progress = a.errOut
			}
			store, err := a.Store()
			if err != nil {
				return err
			}
			d, err := image.ManifestPush(c.Context(), store, a.cfg, args[0], args[1], o)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, d)
			if rm {
				_, err = image.ManifestRemove(store, a.cfg, args[0])
			}
			return err
		},
	}
	fl := cmd.Flags()
	f.registry.add(fl)
	fl.StringVar(&f.creds, "creds", "", "USERNAME:PASSWORD for the registry")
	fl.StringVar(&f.digestFile, "digestfile", "", "accepted for Podman's sake")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no progress")
	fl.BoolVar(&rm, "rm", false, "remove the local list after pushing it")
	fl.BoolVar(&all, "all", true, "push every image of the list (always: accepted for Podman's sake)")
	return cmd
}

func newManifestRmCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rm LIST [LIST...]",
		Short: "Remove manifest lists from local storage",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			var errs []error
			for _, l := range args {
				id, err := image.ManifestRemove(store, a.cfg, l)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(a.out, "Untagged: "+l+"\nDeleted: "+id)
			}
			return errors.Join(errs...)
		},
	}
}

func newManifestExistsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exists LIST",
		Short: "Check if a manifest list exists in local storage",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := a.Store()
			if err != nil {
				return err
			}
			if !image.IsManifestList(store, args[0]) {
				return &exitError{code: 1}
			}
			return nil
		},
	}
}
