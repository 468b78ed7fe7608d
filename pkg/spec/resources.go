package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Resources are a container's cgroup limits (run's -m, --cpus, --pids-limit,
// the blkio flags...), parsed. They reach the spec's linux.resources only
// when the container gets a cgroup of its own (Options.Cgroups); the record
// keeps them so inspect can show them.
type Resources struct {
	Memory            int64   `json:"memory,omitempty"`            // bytes
	MemoryReservation int64   `json:"memoryReservation,omitempty"` // bytes
	MemorySwap        int64   `json:"memorySwap,omitempty"`        // memory+swap bytes; -1 unlimited
	MemorySwappiness  *uint64 `json:"memorySwappiness,omitempty"`
	OOMKillDisable    bool    `json:"oomKillDisable,omitempty"`
	CPUShares         uint64  `json:"cpuShares,omitempty"`
	// NanoCPUs is --cpus in billionths, as Docker's HostConfig keeps it;
	// it becomes a quota over CPUPeriodForCPUs.
	NanoCPUs     int64  `json:"nanoCpus,omitempty"`
	CPUPeriod    uint64 `json:"cpuPeriod,omitempty"`
	CPUQuota     int64  `json:"cpuQuota,omitempty"`
	CPURtPeriod  uint64 `json:"cpuRtPeriod,omitempty"`
	CPURtRuntime int64  `json:"cpuRtRuntime,omitempty"`
	CpusetCpus   string `json:"cpusetCpus,omitempty"`
	CpusetMems   string `json:"cpusetMems,omitempty"`
	// PidsLimit: nil unset, 0 unlimited (--pids-limit -1 or 0).
	PidsLimit         *int64           `json:"pidsLimit,omitempty"`
	BlkioWeight       uint16           `json:"blkioWeight,omitempty"`
	BlkioWeightDevice []WeightDevice   `json:"blkioWeightDevice,omitempty"`
	DeviceReadBps     []ThrottleDevice `json:"deviceReadBps,omitempty"`
	DeviceWriteBps    []ThrottleDevice `json:"deviceWriteBps,omitempty"`
	DeviceReadIOps    []ThrottleDevice `json:"deviceReadIOps,omitempty"`
	DeviceWriteIOps   []ThrottleDevice `json:"deviceWriteIOps,omitempty"`
	// Unified are cgroup v2 files to write (--cgroup-conf KEY=VALUE).
	Unified map[string]string `json:"unified,omitempty"`
}

// WeightDevice is --blkio-weight-device DEVICE:WEIGHT.
type WeightDevice struct {
	Path   string `json:"path"`
	Weight uint16 `json:"weight"`
}

// ThrottleDevice is --device-{read,write}-{bps,iops} DEVICE:RATE.
type ThrottleDevice struct {
	Path string `json:"path"`
	Rate uint64 `json:"rate"`
}

// CPUPeriodForCPUs is the CFS period --cpus is expressed over (Podman's).
const CPUPeriodForCPUs uint64 = 100000

// ResourceFlags are the resource flags as the user typed them; Parse
// checks them and makes Resources. Numeric flags that cobra already parsed
// are numbers; "" and the zero value mean not given.
type ResourceFlags struct {
	Memory, MemoryReservation, MemorySwap string
	MemorySwappiness                      int64 // -1: not given
	OOMKillDisable                        bool
	CPUShares                             uint64
	CPUs                                  float64
	CPUPeriod                             uint64
	CPUQuota                              int64
	CPURtPeriod                           uint64
	CPURtRuntime                          int64
	CpusetCpus, CpusetMems                string
	PidsLimit                             string // "": not given; -1 means unlimited
	BlkioWeight                           string
	BlkioWeightDevice                     []string
	DeviceReadBps, DeviceWriteBps         []string
	DeviceReadIOps, DeviceWriteIOps       []string
	CgroupConf                            []string
}

// Parse checks the flags with Podman's messages. It returns nil when no
// resource flag was given (a container without limits), as Podman leaves
// its ResourceLimits nil; a given flag, even --memory=0, makes them set.
func (f ResourceFlags) Parse() (*Resources, error) {
	r := &Resources{}
	given := false
	steps := []func(*Resources) (bool, error){f.memory, f.cpu, f.pids, f.blkio, f.unified}
	for _, step := range steps {
		g, err := step(r)
		if err != nil {
			return nil, err
		}
		given = given || g
	}
	if !given {
		return nil, nil
	}
	return r, r.Validate()
}

func (f ResourceFlags) memory(r *Resources) (bool, error) {
	given := false
	size := func(v string, dst *int64) error {
		if v == "" {
			return nil
		}
		given = true
		n, err := units.RAMInBytes(v)
		if err != nil {
			return fmt.Errorf("invalid value for memory: %w", err)
		}
		*dst = n
		return nil
	}
	if err := size(f.Memory, &r.Memory); err != nil {
		return given, err
	}
	if err := size(f.MemoryReservation, &r.MemoryReservation); err != nil {
		return given, err
	}
	if f.MemorySwap == "-1" {
		given, r.MemorySwap = true, -1
	} else if err := size(f.MemorySwap, &r.MemorySwap); err != nil {
		return given, err
	}
	if f.MemorySwap == "" && r.Memory > 0 {
		r.MemorySwap = 2 * r.Memory // Podman's default: as much swap as memory
	}
	if f.MemorySwappiness >= 0 {
		s := uint64(f.MemorySwappiness)
		given, r.MemorySwappiness = true, &s
	} else if f.MemorySwappiness < -1 {
		return given, fmt.Errorf("invalid value: %v, valid memory swappiness range is 0-100", f.MemorySwappiness)
	}
	if f.OOMKillDisable {
		given, r.OOMKillDisable = true, true
	}
	return given, nil
}

func (f ResourceFlags) cpu(r *Resources) (bool, error) {
	if f.CPUs != 0 && f.CPUPeriod != 0 {
		return true, errors.New("--cpu-period and --cpus cannot be set together")
	}
	if f.CPUs != 0 && f.CPUQuota != 0 {
		return true, errors.New("--cpu-quota and --cpus cannot be set together")
	}
	if f.CPUs < 0 || math.IsNaN(f.CPUs) || math.IsInf(f.CPUs, 0) {
		return true, fmt.Errorf("invalid --cpus %v: give a positive number of CPUs, such as 1.5", f.CPUs)
	}
	r.NanoCPUs = int64(math.Round(f.CPUs * 1e9))
	r.CPUShares, r.CPUPeriod, r.CPUQuota = f.CPUShares, f.CPUPeriod, f.CPUQuota
	r.CPURtPeriod, r.CPURtRuntime = f.CPURtPeriod, f.CPURtRuntime
	r.CpusetCpus, r.CpusetMems = f.CpusetCpus, f.CpusetMems
	given := f.CPUs != 0 || f.CPUShares != 0 || f.CPUPeriod != 0 || f.CPUQuota != 0 ||
		f.CPURtPeriod != 0 || f.CPURtRuntime != 0 || f.CpusetCpus != "" || f.CpusetMems != ""
	return given, nil
}

func (f ResourceFlags) pids(r *Resources) (bool, error) {
	if f.PidsLimit == "" {
		return false, nil
	}
	n, err := strconv.ParseInt(f.PidsLimit, 10, 32)
	if err != nil {
		return true, fmt.Errorf("invalid --pids-limit %q: give a number (-1 or 0 for no limit)", f.PidsLimit)
	}
	if n < 0 {
		n = 0 // -1 is unlimited, as 0 is
	}
	r.PidsLimit = &n
	return true, nil
}

func (f ResourceFlags) blkio(r *Resources) (bool, error) {
	given := false
	if f.BlkioWeight != "" {
		w, err := strconv.ParseUint(f.BlkioWeight, 10, 16)
		if err != nil {
			return true, fmt.Errorf("invalid value for blkio-weight: %w", err)
		}
		given, r.BlkioWeight = true, uint16(w)
	}
	for _, v := range f.BlkioWeightDevice {
		path, w, err := deviceValue(v)
		if err != nil {
			return true, err
		}
		n, err := strconv.ParseUint(w, 10, 0)
		if err != nil || (n > 0 && (n < 10 || n > 1000)) {
			return true, fmt.Errorf("invalid weight for device: %s", v)
		}
		given = true
		r.BlkioWeightDevice = append(r.BlkioWeightDevice, WeightDevice{Path: path, Weight: uint16(n)})
	}
	lists := []struct {
		in   []string
		out  *[]ThrottleDevice
		iops bool
	}{
		{f.DeviceReadBps, &r.DeviceReadBps, false}, {f.DeviceWriteBps, &r.DeviceWriteBps, false},
		{f.DeviceReadIOps, &r.DeviceReadIOps, true}, {f.DeviceWriteIOps, &r.DeviceWriteIOps, true},
	}
	for _, l := range lists {
		for _, v := range l.in {
			d, err := parseThrottle(v, l.iops)
			if err != nil {
				return true, err
			}
			given = true
			*l.out = append(*l.out, d)
		}
	}
	return given, nil
}

// deviceValue splits DEVICE:VALUE, where DEVICE is under /dev.
func deviceValue(v string) (string, string, error) {
	path, val, ok := strings.Cut(v, ":")
	if !ok {
		return "", "", fmt.Errorf("bad format: %s", v)
	}
	if !strings.HasPrefix(path, "/dev/") {
		return "", "", fmt.Errorf("bad format for device path: %s", v)
	}
	return path, val, nil
}

func parseThrottle(v string, iops bool) (ThrottleDevice, error) {
	path, val, err := deviceValue(v)
	if err != nil {
		return ThrottleDevice{}, err
	}
	if iops {
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			return ThrottleDevice{}, fmt.Errorf("invalid rate for device: %s. The correct format is <device-path>:<number>. Number must be a positive integer", v)
		}
		return ThrottleDevice{Path: path, Rate: n}, nil
	}
	n, err := units.RAMInBytes(val)
	if err != nil || n < 0 {
		return ThrottleDevice{}, fmt.Errorf("invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb", v)
	}
	return ThrottleDevice{Path: path, Rate: uint64(n)}, nil
}

func (f ResourceFlags) unified(r *Resources) (bool, error) {
	for _, kv := range f.CgroupConf {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return true, errors.New("--cgroup-conf must be formatted KEY=VALUE")
		}
		if r.Unified == nil {
			r.Unified = map[string]string{}
		}
		r.Unified[k] = v
	}
	return len(f.CgroupConf) > 0, nil
}

// Validate checks what spans fields, with Podman's messages.
func (r *Resources) Validate() error {
	switch {
	case r.Memory == 0 && r.MemorySwap > 0:
		return errors.New("you should always set a memory limit when using a memoryswap limit, see usage")
	case r.Memory > 0 && r.MemorySwap > 0 && r.MemorySwap < r.Memory:
		return errors.New("minimum memoryswap limit should be larger than memory limit, see usage")
	case r.Memory > 0 && r.MemoryReservation > r.Memory:
		return errors.New("minimum memory limit cannot be less than memory reservation limit, see usage")
	case r.MemorySwappiness != nil && *r.MemorySwappiness > 100:
		return fmt.Errorf("invalid value: %v, valid memory swappiness range is 0-100", *r.MemorySwappiness)
	case r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000):
		return errors.New("CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
	case r.CPUQuota != 0 && r.CPUQuota < 1000:
		return errors.New("CPU cfs quota cannot be less than 1ms (i.e. 1000)")
	case r.BlkioWeight != 0 && (r.BlkioWeight < 10 || r.BlkioWeight > 1000):
		return errors.New("range of blkio weight is from 10 to 1000")
	}
	if n := runtime.NumCPU(); r.NanoCPUs > int64(n)*1e9 {
		return fmt.Errorf("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", n, n)
	}
	if r.NanoCPUs > 0 && r.NanoCPUs < 1e7 {
		return fmt.Errorf("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", runtime.NumCPU(), runtime.NumCPU())
	}
	if err := checkCPUList(r.CpusetCpus); err != nil {
		return fmt.Errorf("invalid value %s for cpuset cpus", r.CpusetCpus)
	}
	if err := checkCPUList(r.CpusetMems); err != nil {
		return fmt.Errorf("invalid value %s for cpuset mems", r.CpusetMems)
	}
	return nil
}

// checkCPUList accepts the kernel's list syntax: "0-3,5".
func checkCPUList(s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return err
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || b < a {
				return fmt.Errorf("bad range %q", part)
			}
		}
	}
	return nil
}

// Linux is the OCI form of the limits; device paths become their numbers.
func (r *Resources) Linux() (*specs.LinuxResources, error) {
	out := &specs.LinuxResources{}
	if r == nil {
		return out, nil
	}
	out.Memory = r.linuxMemory()
	out.CPU = r.linuxCPU()
	if r.PidsLimit != nil {
		l := *r.PidsLimit
		out.Pids = &specs.LinuxPids{Limit: &l}
	}
	io, err := r.linuxBlockIO()
	if err != nil {
		return nil, err
	}
	out.BlockIO = io
	out.Unified = copyMap(r.Unified)
	return out, nil
}

func (r *Resources) linuxMemory() *specs.LinuxMemory {
	m := &specs.LinuxMemory{Swappiness: r.MemorySwappiness}
	set := r.MemorySwappiness != nil
	if r.Memory > 0 {
		m.Limit, set = &r.Memory, true
	}
	if r.MemoryReservation > 0 {
		m.Reservation, set = &r.MemoryReservation, true
	}
	if r.MemorySwap != 0 {
		m.Swap, set = &r.MemorySwap, true
	}
	if r.OOMKillDisable {
		m.DisableOOMKiller, set = &r.OOMKillDisable, true
	}
	if !set {
		return nil
	}
	return m
}

func (r *Resources) linuxCPU() *specs.LinuxCPU {
	c := &specs.LinuxCPU{Cpus: r.CpusetCpus, Mems: r.CpusetMems}
	set := c.Cpus != "" || c.Mems != ""
	ptrU := func(v uint64) *uint64 { set = true; return &v }
	ptrI := func(v int64) *int64 { set = true; return &v }
	if r.NanoCPUs > 0 {
		c.Period = ptrU(CPUPeriodForCPUs)
		c.Quota = ptrI(r.NanoCPUs * int64(CPUPeriodForCPUs) / 1e9)
	}
	if r.CPUShares > 0 {
		c.Shares = ptrU(r.CPUShares)
	}
	if r.CPUPeriod > 0 {
		c.Period = ptrU(r.CPUPeriod)
	}
	if r.CPUQuota > 0 {
		c.Quota = ptrI(r.CPUQuota)
	}
	if r.CPURtPeriod > 0 {
		c.RealtimePeriod = ptrU(r.CPURtPeriod)
	}
	if r.CPURtRuntime > 0 {
		c.RealtimeRuntime = ptrI(r.CPURtRuntime)
	}
	if !set {
		return nil
	}
	return c
}

func (r *Resources) linuxBlockIO() (*specs.LinuxBlockIO, error) {
	b := &specs.LinuxBlockIO{}
	set := false
	if r.BlkioWeight > 0 {
		w := r.BlkioWeight
		b.Weight, set = &w, true
	}
	for _, d := range r.BlkioWeightDevice {
		major, minor, err := deviceNumbers(d.Path)
		if err != nil {
			return nil, err
		}
		w := d.Weight
		wd := specs.LinuxWeightDevice{Weight: &w}
		wd.Major, wd.Minor = major, minor
		b.WeightDevice, set = append(b.WeightDevice, wd), true
	}
	lists := []struct {
		in  []ThrottleDevice
		out *[]specs.LinuxThrottleDevice
	}{
		{r.DeviceReadBps, &b.ThrottleReadBpsDevice}, {r.DeviceWriteBps, &b.ThrottleWriteBpsDevice},
		{r.DeviceReadIOps, &b.ThrottleReadIOPSDevice}, {r.DeviceWriteIOps, &b.ThrottleWriteIOPSDevice},
	}
	for _, l := range lists {
		for _, d := range l.in {
			major, minor, err := deviceNumbers(d.Path)
			if err != nil {
				return nil, err
			}
			td := specs.LinuxThrottleDevice{Rate: d.Rate}
			td.Major, td.Minor = major, minor
			*l.out, set = append(*l.out, td), true
		}
	}
	if !set {
		return nil, nil
	}
	return b, nil
}

// deviceNumbers reads a block or character device's major and minor.
func deviceNumbers(path string) (int64, int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, fmt.Errorf("device %s for a resource limit: %w", path, &os.PathError{Op: "stat", Path: path, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK && st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return 0, 0, fmt.Errorf("%s is not a device: a resource limit needs a block device", path)
	}
	return int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev)), nil
}

// Merge is r with every limit n sets replacing r's (`update`): a field n
// leaves at its zero value keeps r's. Lists (device limits) replace whole.
func (r *Resources) Merge(n *Resources) (*Resources, error) {
	old := map[string]any{}
	for _, src := range []*Resources{r, n} {
		if src == nil {
			continue
		}
		b, err := json.Marshal(src)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &old); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(old)
	if err != nil {
		return nil, err
	}
	out := &Resources{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, out.Validate()
}
