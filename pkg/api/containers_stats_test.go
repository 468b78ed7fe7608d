package api

import (
	"testing"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/stats"
)

// TestDockerStatsGivesDockerCLIsPercentages checks the fields Docker's CLI
// computes from: CPU % is the container's CPU delta over the host's, times
// the online CPUs; memory and I/O come through by name.
func TestDockerStatsGivesDockerCLIsPercentages(t *testing.T) {
	ct := &container.Container{ID: "abc", Name: "web"}
	t0 := time.Unix(1000, 0)
	first := dockerStats(ct, stats.Sample{Sampled: t0, CPUNano: 1e9}, 100e9, nil)
	second := dockerStats(ct, stats.Sample{
		Sampled: t0.Add(time.Second), CPUNano: 1.5e9, MemUsage: 10 << 20, MemLimit: 100 << 20,
		NetInput: 7, NetOutput: 9, BlockInput: 3, BlockOutput: 4, PIDs: 2,
	}, 102e9, first)

	if second.Name != "/web" || second.ID != "abc" {
		t.Fatalf("name/id = %q/%q", second.Name, second.ID)
	}
	if !second.PreRead.Equal(t0) || second.PreCPUStats.CPUUsage.TotalUsage != 1e9 {
		t.Fatalf("precpu not carried: %+v", second.PreCPUStats)
	}
	cpuDelta := float64(second.CPUStats.CPUUsage.TotalUsage - second.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(second.CPUStats.SystemUsage - second.PreCPUStats.SystemUsage)
	if got := cpuDelta / sysDelta * float64(second.CPUStats.OnlineCPUs) * 100; got <= 0 {
		t.Fatalf("CPU %% = %v, want > 0", got)
	}
	if second.MemoryStats.Usage != 10<<20 || second.MemoryStats.Limit != 100<<20 {
		t.Fatalf("memory = %+v", second.MemoryStats)
	}
	if n := second.Networks["eth0"]; n.RxBytes != 7 || n.TxBytes != 9 {
		t.Fatalf("network = %+v", n)
	}
	io := second.BlkioStats.IoServiceBytesRecursive
	if len(io) != 2 || io[0].Op != "read" || io[0].Value != 3 || io[1].Op != "write" || io[1].Value != 4 {
		t.Fatalf("block I/O = %+v", io)
	}
	if second.PidsStats.Current != 2 {
		t.Fatalf("pids = %+v", second.PidsStats)
	}
}

func TestHostCPUNanoCounts(t *testing.T) {
	if stats.HostCPUNano() == 0 {
		t.Fatal("HostCPUNano read nothing from /proc/stat")
	}
}
