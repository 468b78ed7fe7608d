package api

import (
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/api/types/volume"

	"github.com/roost-containers/roost/pkg/engine"
)

// diskUsageResponse carries both shapes of /system/df: the lists of API
// 1.51 and older (LayersSize, Images, ...; Docker 28's CLI reads them),
// which the API module no longer has an envelope for, and the per-kind
// summaries of 1.52 and newer (system.DiskUsage).
type diskUsageResponse struct {
	LayersSize int64
	Images     []image.Summary
	Containers []container.Summary
	Volumes    []volume.Volume
	BuildCache []build.CacheRecord
	system.DiskUsage
}

// systemDF is `system df`, measured by the engine as `roost system df` is.
func (s *Server) systemDF(w http.ResponseWriter, r *http.Request) error {
	du, err := s.eng.DiskUsage(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dockerDiskUsage(du))
	return nil
}

func dockerDiskUsage(du engine.DiskUsage) diskUsageResponse {
	out := diskUsageResponse{
		Images: []image.Summary{}, Containers: []container.Summary{},
		Volumes: []volume.Volume{}, BuildCache: []build.CacheRecord{},
	}
	iu := &image.DiskUsage{}
	for _, i := range du.Images {
		tags := []string{}
		if i.Repository != "<none>" {
			tags = append(tags, dockerName(i.Repository+":"+i.Tag))
		}
		out.Images = append(out.Images, image.Summary{
			ID: "sha256:" + i.ImageID, RepoTags: tags, RepoDigests: []string{}, Labels: map[string]string{},
			Created: i.Created.Unix(), Size: i.Size, SharedSize: i.SharedSize, Containers: int64(i.Containers),
		})
		out.LayersSize += i.UniqueSize
		iu.TotalCount++
		iu.TotalSize += i.Size
		if i.Containers > 0 {
			iu.ActiveCount++
		} else {
			iu.Reclaimable += i.UniqueSize
		}
	}
	cu := &container.DiskUsage{}
	for _, c := range du.Containers {
		state := dockerState(c.Status)
		out.Containers = append(out.Containers, container.Summary{
			ID: c.ContainerID, Names: []string{"/" + c.Names}, ImageID: imageID(c.Image), Image: c.Image,
			Command: strings.Join(c.Command, " "), Created: c.Created.Unix(), State: state, Status: string(state),
			SizeRw: c.RWSize, SizeRootFs: c.Size, Labels: map[string]string{},
		})
		cu.TotalCount++
		cu.TotalSize += c.RWSize
		if state == container.StateRunning {
			cu.ActiveCount++
		} else {
			cu.Reclaimable += c.RWSize
		}
	}
	vu := &volume.DiskUsage{}
	for _, v := range du.Volumes {
		out.Volumes = append(out.Volumes, volume.Volume{
			Name: v.VolumeName, Driver: "local", Scope: "local", Labels: map[string]string{}, Options: map[string]string{},
			UsageData: &volume.UsageData{Size: v.Size, RefCount: int64(v.Links)},
		})
		vu.TotalCount++
		vu.TotalSize += v.Size
		vu.Reclaimable += v.ReclaimableSize
		if v.Links > 0 {
			vu.ActiveCount++
		}
	}
	out.ImageUsage, out.ContainerUsage, out.VolumeUsage = iu, cu, vu
	out.BuildCacheUsage = &build.DiskUsage{}
	return out
}

// dockerState is a Roost (Podman) state word as Docker names it: created,
// running, paused, restarting, removing, exited or dead.
func dockerState(s string) container.ContainerState {
	switch s {
	case "stopped", "stopping", "exited", "":
		return container.StateExited
	case "configured", "initialized":
		return container.StateCreated
	}
	return container.ContainerState(s)
}
