package engine

import (
	"context"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/info"
)

// Info gathers `roost info`. Storage that cannot be opened is part of the
// report (graphDriverReason says why), not a reason to report nothing.
func (e *Engine) Info(ctx context.Context) info.Info {
	cfg := e.opts.Config
	st := info.Store{
		ConfigFile:   cfg.ConfPath(),
		GraphRoot:    cfg.GraphRoot,
		RunRoot:      cfg.StorageRunRoot,
		GraphOptions: map[string]any{},
		GraphStatus:  map[string]string{},
		VolumePath:   e.Volumes().Dir,
	}
	st.GraphRootAllocated, st.GraphRootUsed = info.DiskUsage(cfg.GraphRoot)
	var counts info.ContainerStore
	if choice, err := e.StorageChoice(); err != nil {
		st.DriverReason = "cannot open storage: " + err.Error()
	} else {
		st.GraphDriverName, st.GraphDriver = choice.Driver, choice.Driver
		st.GraphOptions = info.GraphOptions(choice.Options)
		st.DriverReason = choice.Reason
		store, _ := e.Store()
		if status, err := store.Status(); err == nil {
			for _, kv := range status {
				st.GraphStatus[kv[0]] = kv[1]
			}
		}
		if imgs, err := store.Images(); err == nil {
			st.ImageStore.Number = len(imgs)
		}
		counts = e.containerCounts(ctx)
	}
	return info.Gather(info.Inputs{
		Config:         cfg,
		Store:          st,
		Containers:     counts,
		Network:        info.NetworkReport(e.Networks()),
		NetworkBackend: "roost",
	})
}

// containerCounts counts containers by state, as Podman's containerStore.
func (e *Engine) containerCounts(ctx context.Context) info.ContainerStore {
	var n info.ContainerStore
	ce, err := e.Containers()
	if err != nil {
		return n
	}
	list, err := ce.List(ctx, container.ListOptions{All: true})
	if err != nil {
		return n
	}
	n.Number = len(list)
	for i := range list {
		switch s := list[i].State; {
		case s.Paused:
			n.Paused++
		case s.Status == container.StatusRunning:
			n.Running++
		default:
			n.Stopped++
		}
	}
	return n
}
