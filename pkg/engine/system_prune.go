package engine

import (
	"context"
	"errors"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/volume"
)

// PruneRequest is `system prune`: what to remove besides stopped
// containers, unused pods and networks and dangling images.
type PruneRequest struct {
	All     bool     // every image no container uses, not only dangling ones
	Volumes bool     // volumes no container uses too
	Filters []string // label=, label!=, until=: applied to every kind
}

// PruneResult lists what went, kind by kind, and the bytes freed.
type PruneResult struct {
	Containers, Pods, Volumes, Images, Networks []string
	Reclaimed                                   uint64
}

// SystemPrune removes stopped containers, then pods left without running
// containers, unused volumes (if asked), images and unused networks, in the
// order that lets each step free what the last one released. Every step
// runs even if one before failed; the errors are joined.
func (e *Engine) SystemPrune(ctx context.Context, r PruneRequest) (PruneResult, error) {
	var res PruneResult
	cf, err := container.ParsePruneFilters(r.Filters)
	if err != nil {
		return res, err
	}
	nf, err := network.ParseFilter(r.Filters, network.PruneFilterKeys)
	if err != nil {
		return res, err
	}
	vf, err := volume.ParseFilter(r.Filters, volume.PruneFilterKeys)
	if err != nil {
		return res, err
	}
	before, err := e.DiskUsage(ctx)
	if err != nil {
		return res, err
	}
	ce, err := e.Containers()
	if err != nil {
		return res, err
	}
	var errs []error
	res.Containers, err = ce.Prune(ctx, cf)
	errs = append(errs, err)
	pm, err := e.Pods()
	if err == nil {
		res.Pods, err = pm.Prune(ctx)
	}
	errs = append(errs, err)
	if r.Volumes {
		res.Volumes, err = ce.PruneVolumes(ctx, vf)
		errs = append(errs, err)
	}
	store, err := e.Store()
	if err == nil {
		res.Images, err = image.Prune(ctx, store, image.PruneOptions{All: r.All, Filters: r.Filters})
	}
	errs = append(errs, err)
	res.Networks, err = e.PruneNetworks(ctx, nf.Match)
	errs = append(errs, err)
	res.Reclaimed = reclaimed(before, res)
	return res, errors.Join(errs...)
}

// reclaimed adds up, from the sizes measured before, what was removed.
func reclaimed(du DiskUsage, res PruneResult) uint64 {
	gone := map[string]bool{}
	for _, l := range [][]string{res.Containers, res.Images, res.Volumes} {
		for _, id := range l {
			gone[id] = true
		}
	}
	var n int64
	for _, c := range du.Containers {
		if gone[c.ContainerID] {
			n += c.RWSize
		}
	}
	for _, i := range du.Images {
		if gone[i.ImageID] {
			n += i.Size
		}
	}
	for _, v := range du.Volumes {
		if gone[v.VolumeName] {
			n += v.Size
		}
	}
	return uint64(n)
}
