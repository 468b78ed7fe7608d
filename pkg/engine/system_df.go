package engine

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
)

// DiskUsage is `system df`: images, containers and volumes with what they
// take on disk, with the field names of Podman's report.
type DiskUsage struct {
	Images     []DfImage
	Containers []DfContainer
	Volumes    []DfVolume
}

type DfImage struct {
	Repository string
	Tag        string
	ImageID    string
	Created    time.Time
	Size       int64
	SharedSize int64
	UniqueSize int64
	Containers int
}

type DfContainer struct {
	ContainerID  string
	Image        string
	Command      []string
	LocalVolumes int
	Size         int64
	RWSize       int64
	Created      time.Time
	Status       string
	Names        string
}

type DfVolume struct {
	VolumeName      string
	Links           int
	Size            int64
	ReclaimableSize int64
}

// DiskUsage measures what the user's images, containers and volumes use.
func (e *Engine) DiskUsage(ctx context.Context) (DiskUsage, error) {
	var du DiskUsage
	store, err := e.Store()
	if err != nil {
		return du, err
	}
	imgs, err := image.List(ctx, store, image.ListOptions{})
	if err != nil {
		return du, err
	}
	for _, img := range imgs {
		repo, tag := "<none>", "<none>"
		if len(img.RepoTags) > 0 {
			repo, tag = image.SplitName(img.RepoTags[0])
		}
		du.Images = append(du.Images, DfImage{
			Repository: repo, Tag: tag, ImageID: img.ID, Created: img.CreatedTime,
			Size: img.Size, SharedSize: img.SharedSize, UniqueSize: img.Size - img.SharedSize,
			Containers: img.Containers,
		})
	}
	ce, err := e.Containers()
	if err != nil {
		return du, err
	}
	list, err := ce.List(ctx, container.ListOptions{All: true})
	if err != nil {
		return du, err
	}
	links := map[string]int{}
	for i := range list {
		c := &list[i]
		vols := container.VolumeNames(c)
		for _, v := range vols {
			links[v]++
		}
		size, _ := ce.Size(c) // a container being removed meanwhile has no size
		du.Containers = append(du.Containers, DfContainer{
			ContainerID: c.ID, Image: c.ImageID, Command: c.Command, LocalVolumes: len(vols),
			Size: size.RootFsSize, RWSize: size.RwSize, Created: c.Created,
			Status: string(c.State.Status), Names: c.Name,
		})
	}
	vm := e.Volumes()
	vols, err := vm.List()
	if err != nil {
		return du, err
	}
	for _, v := range vols {
		size, err := dirSize(filepath.Join(vm.Dir, v.Name))
		if err != nil {
			return du, fmt.Errorf("size of volume %s: %w", v.Name, err)
		}
		dv := DfVolume{VolumeName: v.Name, Links: links[v.Name], Size: size}
		if dv.Links == 0 {
			dv.ReclaimableSize = size
		}
		du.Volumes = append(du.Volumes, dv)
	}
	return du, nil
}

// dirSize adds up the sizes of the regular files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n, err
}
