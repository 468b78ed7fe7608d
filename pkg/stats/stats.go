// Package stats samples a process tree's use of resources: CPU, memory,
// block I/O and pids from its cgroup (v2), network bytes from its network
// namespace. It reads /proc and /sys only and knows nothing of containers.
package stats

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sample is one reading of a container's use of resources, from its
// cgroup (cgroup v2) and its network namespace; field names are Podman's.
type Sample struct {
	ContainerID string
	Name        string
	CPUNano     uint64  // CPU time used since the container started, ns
	CPU         float64 // percent of one CPU, over the sampling interval
	AvgCPU      float64 // percent of one CPU, since the container started
	MemUsage    uint64
	MemLimit    uint64
	MemPerc     float64
	NetInput    uint64
	NetOutput   uint64
	BlockInput  uint64
	BlockOutput uint64
	PIDs        uint64
	UpTime      time.Duration
	Sampled     time.Time `json:"-"`
}

// Read samples the cgroup of pid (a container's init) and its network
// namespace; CPU % covers the time since started until SetCPU is given an
// earlier sample.
func Read(pid int, started time.Time) (Sample, error) {
	s := Sample{Sampled: time.Now(), UpTime: time.Since(started)}
	dir, err := cgroupDir(pid)
	if err != nil {
		return s, err
	}
	cpu := keyedValues(filepath.Join(dir, "cpu.stat"))
	s.CPUNano = cpu["usage_usec"] * 1000
	s.MemUsage = singleValue(filepath.Join(dir, "memory.current"))
	s.MemLimit = singleValue(filepath.Join(dir, "memory.max"))
	if s.MemLimit == 0 {
		s.MemLimit = hostMemory()
	}
	if s.MemLimit > 0 {
		s.MemPerc = float64(s.MemUsage) / float64(s.MemLimit) * 100
	}
	s.PIDs = singleValue(filepath.Join(dir, "pids.current"))
	s.BlockInput, s.BlockOutput = ioBytes(filepath.Join(dir, "io.stat"))
	s.NetInput, s.NetOutput = netBytes(pid)
	s.SetCPU(Sample{}, started)
	return s, nil
}

// SetCPU turns CPU time into percentages of one CPU: on average since
// started, and over the interval since prev (a zero prev: the average).
func (s *Sample) SetCPU(prev Sample, started time.Time) {
	if up := s.Sampled.Sub(started); up > 0 {
		s.AvgCPU = float64(s.CPUNano) / float64(up.Nanoseconds()) * 100
	}
	s.CPU = s.AvgCPU
	if !prev.Sampled.IsZero() && s.CPUNano >= prev.CPUNano {
		if d := s.Sampled.Sub(prev.Sampled); d > 0 {
			s.CPU = float64(s.CPUNano-prev.CPUNano) / float64(d.Nanoseconds()) * 100
		}
	}
}

// cgroupDir finds the process's cgroup v2 directory from /proc/PID/cgroup.
func cgroupDir(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return filepath.Join("/sys/fs/cgroup", p), nil
		}
	}
	return "", fmt.Errorf("process %d has no cgroup v2 entry", pid)
}

// singleValue reads a one-number file; "max" and errors read as 0.
func singleValue(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// keyedValues reads "key value" lines (cpu.stat, memory.stat).
func keyedValues(path string) map[string]uint64 {
	out := map[string]uint64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			out[f[0]], _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	return out
}

// ioBytes sums rbytes= and wbytes= over the devices in io.stat.
func ioBytes(path string) (read, written uint64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, f := range strings.Fields(string(b)) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		n, _ := strconv.ParseUint(v, 10, 64)
		switch k {
		case "rbytes":
			read += n
		case "wbytes":
			written += n
		}
	}
	return read, written
}

// netBytes sums received and sent bytes over the container's interfaces
// other than loopback, from its network namespace's /proc/PID/net/dev.
func netBytes(pid int) (rx, tx uint64) {
	fh, err := os.Open(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return 0, 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(f[0], 10, 64)
		t, _ := strconv.ParseUint(f[8], 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}

// hostMemory is MemTotal, the limit of a container without its own.
func hostMemory() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// HostCPUNano is the CPU time the whole host has spent since boot, in ns,
// from /proc/stat's first line: Docker's clients divide a container's CPU
// time by it to show CPU %, so it must be the same clock (USER_HZ ticks).
func HostCPUNano() uint64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "cpu" {
		return 0
	}
	var ticks uint64
	// user nice system idle iowait irq softirq steal; guest time is
	// already counted in user and nice.
	for _, v := range f[1:min(len(f), 9)] {
		n, _ := strconv.ParseUint(v, 10, 64)
		ticks += n
	}
	const userHZ = 100 // fixed by the kernel ABI for /proc/stat
	return ticks * (1e9 / userHZ)
}
