package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"time"

	dcontainer "github.com/moby/moby/api/types/container"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/stats"
)

// statsInterval is how often a streamed stats answer samples, Docker's.
const statsInterval = time.Second

// stats is GET /containers/{id}/stats: samples from the engine's Stats
// (the one `roost stats` prints), streamed every second, or one answer
// with stream=false (two samples a second apart, so clients can compute
// CPU %) or one-shot=true (one sample at once). Where the host gives Roost
// no cgroup, the engine's error says so and the answer is a 500 with it:
// zeros would read as an idle container.
func (c *containerAPI) stats(w http.ResponseWriter, r *http.Request) error {
	stream, err := true, error(nil)
	if r.URL.Query().Has("stream") {
		stream, err = queryBool(r, "stream")
	}
	oneShot, err2 := queryBool(r, "one-shot")
	if err = errors.Join(err, err2); err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	first, err := sampleStats(r.Context(), ce, ct, nil)
	if err != nil {
		return ctrError(r.PathValue("id"), err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	if !stream && oneShot {
		_ = enc.Encode(first)
		return nil
	}
	prev := first
	if stream {
		_ = enc.Encode(first)
		flushOut(w)
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-time.After(statsInterval):
		}
		next, err := sampleStats(r.Context(), ce, ct, prev)
		if err != nil {
			return nil // the container went away: the stream ends, as Docker's
		}
		if err := enc.Encode(next); err != nil || !stream {
			return nil
		}
		flushOut(w)
		prev = next
	}
}

// sampleStats reads one sample in Docker's shape; prev, when given, is
// the sample before, carried as precpu_stats. A container that is not
// running gives zeros, as Docker's daemon answers.
func sampleStats(ctx context.Context, ce *container.Engine, ct *container.Container, prev *dcontainer.StatsResponse) (*dcontainer.StatsResponse, error) {
	list, err := ce.Stats(ctx, []string{ct.ID}, nil)
	switch {
	case errors.Is(err, container.ErrNotRunning):
		return dockerStats(ct, stats.Sample{Sampled: time.Now()}, 0, prev), nil
	case err != nil:
		return nil, err
	case len(list) != 1:
		return nil, errors.New("stats: no sample for " + ct.Name)
	}
	return dockerStats(ct, list[0], stats.HostCPUNano(), prev), nil
}

// dockerStats maps a Roost sample to Docker's StatsResponse, with the
// fields Docker's CLI reads: CPU time against the host's, memory usage and
// limit, network bytes, block I/O by op, and pids.
func dockerStats(ct *container.Container, s stats.Sample, hostCPU uint64, prev *dcontainer.StatsResponse) *dcontainer.StatsResponse {
	out := &dcontainer.StatsResponse{
		ID: ct.ID, Name: "/" + ct.Name, OSType: "linux", Read: s.Sampled,
		CPUStats: dcontainer.CPUStats{
			CPUUsage:    dcontainer.CPUUsage{TotalUsage: s.CPUNano},
			SystemUsage: hostCPU,
			OnlineCPUs:  uint32(runtime.NumCPU()),
		},
		MemoryStats: dcontainer.MemoryStats{Usage: s.MemUsage, Limit: s.MemLimit},
		PidsStats:   dcontainer.PidsStats{Current: s.PIDs},
		Networks: map[string]dcontainer.NetworkStats{
			"eth0": {RxBytes: s.NetInput, TxBytes: s.NetOutput},
		},
		BlkioStats: dcontainer.BlkioStats{IoServiceBytesRecursive: []dcontainer.BlkioStatEntry{
			{Op: "read", Value: s.BlockInput}, {Op: "write", Value: s.BlockOutput},
		}},
	}
	if prev != nil {
		out.PreRead, out.PreCPUStats = prev.Read, prev.CPUStats
	}
	return out
}
