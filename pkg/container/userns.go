package container

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
	"go.podman.io/storage/types"

	"github.com/roost-containers/roost/pkg/spec"
)

// layerOptions asks storage for a container layer owned as the container's
// own user namespace sees it: with mappings given, storage chowns a copy of
// the image's layers (or maps them at mount), so a file root owns in the
// image is root's in the container too (Podman does the same). auto lets
// storage pick a range no other auto container uses. Nil for Roost's own
// namespace and for a joined one, whose layer stays as the image has it.
func (e *Engine) layerOptions(c *Container) (*cstorage.ContainerOptions, error) {
	mode, err := c.Spec.Namespaces.UserNSMode()
	if err != nil {
		return nil, err
	}
	switch mode.Kind {
	case spec.UserNSShared, spec.UserNSPath:
		return nil, nil
	case spec.UserNSAuto:
		return &cstorage.ContainerOptions{IDMappingOptions: types.IDMappingOptions{
			AutoUserNs: true,
			AutoUserNsOpts: types.AutoUserNsOptions{
				Size:                  uint32(mode.Size),
				AdditionalUIDMappings: idMaps(mode.UIDMapping),
				AdditionalGIDMappings: idMaps(mode.GIDMapping),
			},
		}}, nil
	}
	o := c.Spec
	o.IDs = e.ids()
	uids, gids, err := o.UserMappings()
	if err != nil {
		return nil, err
	}
	return &cstorage.ContainerOptions{IDMappingOptions: types.IDMappingOptions{UIDMap: idMaps(uids), GIDMap: idMaps(gids)}}, nil
}

// createLayer makes the container's storage and records, for a nested user
// namespace, the mappings its layer was made for: the spec must use the
// very same ones (auto's exist only now).
func (e *Engine) createLayer(c *Container) error {
	opts, err := e.layerOptions(c)
	if err != nil {
		return err
	}
	nested := opts != nil
	if c.Run.Remove {
		// A --rm container is volatile, as in Podman: storage writes its
		// layer's and its record's files without fsync and mounts its
		// upper directory with overlay's "volatile" (no sync at unmount).
		// Nothing of it is to outlive a crash; a run --rm was ~7 fsyncs
		// and a synced unmount, ~4 ms here.
		if opts == nil {
			opts = &cstorage.ContainerOptions{}
		}
		opts.Volatile = true
	}
	sc, err := e.Store.CreateContainer(c.ID, nil, c.ImageID, "", "", opts)
	if err != nil {
		return fmt.Errorf("create storage for container: %w", err)
	}
	if nested {
		c.Spec.Namespaces.UIDMappings = specMaps(sc.UIDMap)
		c.Spec.Namespaces.GIDMappings = specMaps(sc.GIDMap)
	}
	return nil
}

// specMaps is idMaps' inverse.
func specMaps(maps []idtools.IDMap) []specs.LinuxIDMapping {
	out := make([]specs.LinuxIDMapping, 0, len(maps))
	for _, m := range maps {
		out = append(out, specs.LinuxIDMapping{ContainerID: uint32(m.ContainerID), HostID: uint32(m.HostID), Size: uint32(m.Size)})
	}
	return out
}
