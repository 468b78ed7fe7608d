package main

import (
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/image"
)

type pushFlags struct {
	registry                  registryFlags
	creds, format, digestFile string
	compression               string
	quiet, removeSigs         bool
}

func newPushCommand(a *app) *cobra.Command {
	var f pushFlags
	cmd := &cobra.Command{
		Use:   "push [options] IMAGE [DESTINATION]",
		Short: "Push an image to a specified destination",
		Long: "Push an image to a registry (NAME[:TAG] or docker://NAME[:TAG]; without DESTINATION, the image's\n" +
			"own name) or to any transport: oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, dir:DIR.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			return a.push(c, f, args)
		},
	}
	fl := cmd.Flags()
	f.registry.add(fl)
	fl.StringVar(&f.creds, "creds", "", "USERNAME:PASSWORD for the registry")
	fl.StringVarP(&f.format, "format", "f", "", "manifest type: oci, v2s2 (docker) or v2s1 (default: as stored)")
	fl.StringVar(&f.digestFile, "digestfile", "", "write the pushed manifest's digest to FILE")
	fl.StringVar(&f.compression, "compression-format", "gzip", "compression of the layers: gzip or zstd")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no progress")
	fl.BoolVar(&f.removeSigs, "remove-signatures", false, "push without the image's signatures")
	return cmd
}

func (a *app) push(c *cobra.Command, f pushFlags, args []string) error {
	o := image.PushOptions{
		RegistryOptions:  f.registry.options(c),
		Format:           f.format,
		DigestFile:       f.digestFile,
		Compression:      f.compression,
		RemoveSignatures: f.removeSigs,
	}
	o.Creds = f.creds
	if !f.quiet {
		o.Progress = a.errOut
	}
	dest := ""
	if len(args) == 2 {
		dest = args[1]
	}
	store, err := a.Store()
	if err != nil {
		return err
	}
	_, err = image.Push(c.Context(), store, a.cfg, args[0], dest, o)
	return err
}
