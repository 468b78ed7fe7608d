package container

import (
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/spec"
)

// InspectHost is HostConfig in Podman's shape. The resource limits come from
// the generated OCI spec (a container never started shows none).
type InspectHost struct {
	Binds                []string                 `json:"Binds"`
	CgroupManager        string                   `json:"CgroupManager,omitempty"`
	CgroupMode           string                   `json:"CgroupMode"`
	ContainerIDFile      string                   `json:"ContainerIDFile"`
	LogConfig            LogConfig                `json:"LogConfig"`
	NetworkMode          string                   `json:"NetworkMode"`
	PortBindings         map[string][]InspectPort `json:"PortBindings"`
	RestartPolicy        RestartPolicy            `json:"RestartPolicy"`
	AutoRemove           bool                     `json:"AutoRemove"`
	VolumeDriver         string                   `json:"VolumeDriver"`
	VolumesFrom          []string                 `json:"VolumesFrom"`
	CapAdd               []string                 `json:"CapAdd"`
	CapDrop              []string                 `json:"CapDrop"`
	Dns                  []string                 `json:"Dns"` //nolint:revive // Docker's name
	DnsOptions           []string                 `json:"DnsOptions"`
	DnsSearch            []string                 `json:"DnsSearch"`
	ExtraHosts           []string                 `json:"ExtraHosts"`
	GroupAdd             []string                 `json:"GroupAdd"`
	IpcMode              string                   `json:"IpcMode"`
	Cgroup               string                   `json:"Cgroup"`
	Cgroups              string                   `json:"Cgroups"`
	Links                []string                 `json:"Links"`
	OomScoreAdj          int                      `json:"OomScoreAdj"`
	PidMode              string                   `json:"PidMode"`
	Privileged           bool                     `json:"Privileged"`
	PublishAllPorts      bool                     `json:"PublishAllPorts"`
	ReadonlyRootfs       bool                     `json:"ReadonlyRootfs"`
	SecurityOpt          []string                 `json:"SecurityOpt"`
	Tmpfs                map[string]string        `json:"Tmpfs"`
	UTSMode              string                   `json:"UTSMode"`
	UsernsMode           string                   `json:"UsernsMode"`
	IDMappings           *IDMappings              `json:"IDMappings,omitempty"`
	ShmSize              int64                    `json:"ShmSize"`
	Runtime              string                   `json:"Runtime"`
	ConsoleSize          []uint                   `json:"ConsoleSize"`
	Isolation            string                   `json:"Isolation"`
	CpuShares            uint64                   `json:"CpuShares"` //nolint:revive // Docker's names below
	Memory               int64                    `json:"Memory"`
	NanoCpus             int64                    `json:"NanoCpus"`
	CgroupParent         string                   `json:"CgroupParent"`
	BlkioWeight          uint16                   `json:"BlkioWeight"`
	BlkioWeightDevice    []BlkioWeightDevice      `json:"BlkioWeightDevice"`
	BlkioDeviceReadBps   []BlkioThrottle          `json:"BlkioDeviceReadBps"`
	BlkioDeviceWriteBps  []BlkioThrottle          `json:"BlkioDeviceWriteBps"`
	BlkioDeviceReadIOps  []BlkioThrottle          `json:"BlkioDeviceReadIOps"`
	BlkioDeviceWriteIOps []BlkioThrottle          `json:"BlkioDeviceWriteIOps"`
	CpuPeriod            uint64                   `json:"CpuPeriod"`
	CpuQuota             int64                    `json:"CpuQuota"`
	CpuRealtimePeriod    uint64                   `json:"CpuRealtimePeriod"`
	CpuRealtimeRuntime   int64                    `json:"CpuRealtimeRuntime"`
	CpusetCpus           string                   `json:"CpusetCpus"`
	CpusetMems           string                   `json:"CpusetMems"`
	Devices              []InspectDevice          `json:"Devices"`
	DiskQuota            uint64                   `json:"DiskQuota"`
	KernelMemory         int64                    `json:"KernelMemory"`
	MemoryReservation    int64                    `json:"MemoryReservation"`
	MemorySwap           int64                    `json:"MemorySwap"`
	MemorySwappiness     int64                    `json:"MemorySwappiness"`
	OomKillDisable       bool                     `json:"OomKillDisable"`
	Init                 bool                     `json:"Init,omitempty"`
	PidsLimit            int64                    `json:"PidsLimit"`
	Ulimits              []InspectUlimit          `json:"Ulimits"`
	CpuCount             uint64                   `json:"CpuCount"`
	CpuPercent           uint64                   `json:"CpuPercent"`
	IOMaximumIOps        uint64                   `json:"IOMaximumIOps"`
	IOMaximumBandwidth   uint64                   `json:"IOMaximumBandwidth"`
	CgroupConf           map[string]string        `json:"CgroupConf"`
}

// IDMappings are the user namespace's maps as CONTAINER:HOST:SIZE.
type IDMappings struct {
	UIDMap []string `json:"UidMap"`
	GIDMap []string `json:"GidMap"`
}

type BlkioWeightDevice struct {
	Path   string `json:"Path"`
	Weight uint16 `json:"Weight"`
}

type BlkioThrottle struct {
	Path string `json:"Path"`
	Rate uint64 `json:"Rate"`
}

type InspectDevice struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

type InspectUlimit struct {
	Name string `json:"Name"`
	Soft int64  `json:"Soft"`
	Hard int64  `json:"Hard"`
}

func (e *Engine) inspectHost(c *Container, sp *specs.Spec) InspectHost {
	h := InspectHost{
		RestartPolicy: RestartPolicy{Name: c.Run.Restart.Policy, MaximumRetryCount: c.Run.Restart.MaxRetries},
		AutoRemove:    c.Run.Remove, NetworkMode: networkMode(c), PortBindings: portBindings(c.Ports),
		LogConfig: LogConfig{Type: c.Run.LogDriver, Config: nil, Tag: c.Run.LogTag},
		CapAdd:    nonNil(c.Spec.Security.CapAdd), CapDrop: nonNil(c.Spec.Security.CapDrop),
		Privileged: c.Spec.Security.Privileged, ReadonlyRootfs: c.Spec.Security.ReadOnlyRootfs,
		UsernsMode: usernsMode(c.Spec.Namespaces), ShmSize: c.Spec.ShmSize, Init: c.Spec.Process.Init,
		Binds: []string{}, Tmpfs: map[string]string{}, SecurityOpt: []string{},
		Dns: nonNil(c.Net.DNS), DnsOptions: nonNil(c.Net.DNSOptions), DnsSearch: nonNil(c.Net.DNSSearch),
		ExtraHosts: nonNil(c.Net.AddHosts), GroupAdd: nonNil(c.Spec.Process.GroupAdd),
		IpcMode: nsMode(c.Spec.Namespaces.IPC, "shareable"), PidMode: nsMode(c.Spec.Namespaces.PID, "private"),
		UTSMode: nsMode(c.Spec.Namespaces.UTS, "private"), CgroupMode: nsMode(c.Spec.Namespaces.Cgroup, "private"),
		Cgroups: "default", Runtime: "oci", ConsoleSize: []uint{0, 0}, CgroupManager: "cgroupfs",
		BlkioWeightDevice: []BlkioWeightDevice{}, BlkioDeviceReadBps: []BlkioThrottle{}, BlkioDeviceWriteBps: []BlkioThrottle{},
		BlkioDeviceReadIOps: []BlkioThrottle{}, BlkioDeviceWriteIOps: []BlkioThrottle{},
		Devices: []InspectDevice{}, Ulimits: []InspectUlimit{},
	}
	if h.RestartPolicy.Name == "" {
		h.RestartPolicy.Name = "no"
	}
	if p, err := e.logPath(c); err == nil && c.Run.LogDriver == "k8s-file" {
		h.LogConfig.Path = p
	}
	if c.Run.LogMaxSize > 0 {
		h.LogConfig.Size = units.HumanSize(float64(c.Run.LogMaxSize))
	}
	if c.Spec.Process.OOMScoreAdj != nil {
		h.OomScoreAdj = *c.Spec.Process.OOMScoreAdj
	}
	if c.Spec.Security.SeccompProfile != "" {
		h.SecurityOpt = append(h.SecurityOpt, "seccomp="+c.Spec.Security.SeccompProfile)
	}
	if c.Spec.Process.NoNewPrivileges {
		h.SecurityOpt = append(h.SecurityOpt, "no-new-privileges")
	}
	for _, m := range c.Spec.Mounts {
		switch m.Type {
		case spec.TypeBind, spec.TypeVolume:
			h.Binds = append(h.Binds, m.Source+":"+m.Destination+bindOpts(m.Options))
		case spec.TypeTmpfs:
			h.Tmpfs[m.Destination] = strings.Join(m.Options, ",")
		}
	}
	withSpecLimits(&h, sp)
	if c.Run.CgroupParent != "" {
		h.CgroupParent = c.Run.CgroupParent // as Podman shows it (a pod's cgroup for its members)
	}
	return h
}

// bindOpts are a bind's options as -v shows them (":ro,z"), none for none.
func bindOpts(opts []string) string {
	if len(opts) == 0 {
		return ""
	}
	return ":" + strings.Join(opts, ",")
}

// nsMode is a namespace setting as Podman names it: def for the
// container's own, host, or container:ID / ns:PATH as given.
func nsMode(v, def string) string {
	if v == "" || v == "private" {
		return def
	}
	return v
}

// withSpecLimits fills the limits, devices, rlimits and id maps from the
// generated OCI spec.
func withSpecLimits(h *InspectHost, sp *specs.Spec) {
	if sp == nil {
		return
	}
	if sp.Process != nil {
		for _, r := range sp.Process.Rlimits {
			h.Ulimits = append(h.Ulimits, InspectUlimit{Name: r.Type, Soft: int64(r.Soft), Hard: int64(r.Hard)})
		}
	}
	if sp.Linux == nil {
		return
	}
	if len(sp.Linux.UIDMappings) > 0 {
		h.IDMappings = &IDMappings{UIDMap: idMapStrings(sp.Linux.UIDMappings), GIDMap: idMapStrings(sp.Linux.GIDMappings)}
	}
	for _, d := range sp.Linux.Devices {
		h.Devices = append(h.Devices, InspectDevice{PathOnHost: d.Path, PathInContainer: d.Path, CgroupPermissions: "rwm"})
	}
	h.CgroupParent = sp.Linux.CgroupsPath
	if r := sp.Linux.Resources; r != nil {
		withResources(h, r)
	}
}

func withResources(h *InspectHost, r *specs.LinuxResources) {
	if m := r.Memory; m != nil {
		h.Memory, h.MemorySwap, h.MemoryReservation = deref(m.Limit), deref(m.Swap), deref(m.Reservation)
		if m.Swappiness != nil {
			h.MemorySwappiness = int64(*m.Swappiness)
		}
		h.OomKillDisable = m.DisableOOMKiller != nil && *m.DisableOOMKiller
	}
	if cpu := r.CPU; cpu != nil {
		h.CpuShares, h.CpuPeriod, h.CpuQuota = derefU(cpu.Shares), derefU(cpu.Period), deref(cpu.Quota)
		h.CpusetCpus, h.CpusetMems = cpu.Cpus, cpu.Mems
		if h.CpuPeriod > 0 && h.CpuQuota > 0 {
			h.NanoCpus = h.CpuQuota * 1e9 / int64(h.CpuPeriod)
		}
	}
	if r.Pids != nil {
		h.PidsLimit = deref(r.Pids.Limit)
	}
	if b := r.BlockIO; b != nil {
		if b.Weight != nil {
			h.BlkioWeight = *b.Weight
		}
		h.BlkioDeviceReadBps = append(h.BlkioDeviceReadBps, throttles(b.ThrottleReadBpsDevice)...)
		h.BlkioDeviceWriteBps = append(h.BlkioDeviceWriteBps, throttles(b.ThrottleWriteBpsDevice)...)
		h.BlkioDeviceReadIOps = append(h.BlkioDeviceReadIOps, throttles(b.ThrottleReadIOPSDevice)...)
		h.BlkioDeviceWriteIOps = append(h.BlkioDeviceWriteIOps, throttles(b.ThrottleWriteIOPSDevice)...)
	}
}

func throttles(ds []specs.LinuxThrottleDevice) []BlkioThrottle {
	var out []BlkioThrottle
	for _, d := range ds {
		out = append(out, BlkioThrottle{Path: strconv.FormatInt(d.Major, 10) + ":" + strconv.FormatInt(d.Minor, 10), Rate: d.Rate})
	}
	return out
}

func idMapStrings(ms []specs.LinuxIDMapping) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, strconv.FormatUint(uint64(m.ContainerID), 10)+":"+strconv.FormatUint(uint64(m.HostID), 10)+":"+strconv.FormatUint(uint64(m.Size), 10))
	}
	return out
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func derefU(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

// signalNumber is a stop signal as Podman's inspect shows it, a number:
// the container's, else the image's, else SIGTERM (15).
func signalNumber(own, image string) uint {
	for _, s := range []string{own, image} {
		if s == "" {
			continue
		}
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return uint(n)
		}
		name := strings.ToUpper(s)
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		if n := unix.SignalNum(name); n != 0 {
			return uint(n)
		}
	}
	return uint(unix.SIGTERM)
}

// usernsMode is HostConfig.UsernsMode in Podman's words: "private" for a
// namespace of the container's own, "ns:PATH" for a joined one, "" for
// Roost's (the user's) namespace.
func usernsMode(ns spec.NamespaceOptions) string {
	m, err := ns.UserNSMode()
	switch {
	case err != nil:
		return ns.UserNS
	case m.Kind == spec.UserNSPath:
		return "ns:" + m.Path
	case m.Nested():
		return "private"
	}
	return ""
}
