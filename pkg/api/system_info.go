package api

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/api/types/system"

	"github.com/roost-containers/roost/pkg/info"
	"github.com/roost-containers/roost/pkg/version"
)

// dockerInfo reshapes Roost's report into Docker's: the same facts, under
// the names Docker's clients read. Fields that have no meaning without a
// daemon (swarm, containerd) stay empty, as Podman leaves them.
func dockerInfo(in info.Info) system.Info {
	h, st := in.Host, in.Store
	cs := st.ContainerStore
	out := system.Info{
		ID:                 engineID(st.GraphRoot),
		Containers:         cs.Number,
		ContainersRunning:  cs.Running,
		ContainersPaused:   cs.Paused,
		ContainersStopped:  cs.Stopped,
		Images:             st.ImageStore.Number,
		Driver:             st.GraphDriverName,
		DriverStatus:       pairs(st.GraphStatus),
		Plugins:            system.PluginsInfo{Volume: in.Plugins.Volume, Network: in.Plugins.Network, Log: in.Plugins.Log},
		MemoryLimit:        h.Cgroups.Limits,
		SwapLimit:          h.Cgroups.Limits,
		CPUCfsPeriod:       h.Cgroups.Limits,
		CPUCfsQuota:        h.Cgroups.Limits,
		CPUShares:          h.Cgroups.Limits,
		CPUSet:             h.Cgroups.Limits,
		PidsLimit:          h.Cgroups.Limits,
		IPv4Forwarding:     true,
		NFd:                openFDs(),
		SystemTime:         time.Now().Format(time.RFC3339Nano),
		LoggingDriver:      h.LogDriver,
		CgroupDriver:       h.CgroupManager,
		CgroupVersion:      strings.TrimPrefix(h.CgroupsVersion, "v"),
		KernelVersion:      h.Kernel,
		OperatingSystem:    operatingSystem(h.Distribution),
		OSVersion:          h.Distribution.Version,
		OSType:             h.OS,
		Architecture:       machine(),
		IndexServerAddress: "https://index.docker.io/v1/",
		RegistryConfig:     &registry.ServiceConfig{IndexConfigs: map[string]*registry.IndexInfo{}},
		NCPU:               h.CPUs,
		MemTotal:           h.MemTotal,
		DockerRootDir:      st.GraphRoot,
		HTTPProxy:          os.Getenv("HTTP_PROXY"),
		HTTPSProxy:         os.Getenv("HTTPS_PROXY"),
		NoProxy:            os.Getenv("NO_PROXY"),
		Name:               h.Hostname,
		Labels:             []string{},
		ServerVersion:      version.Version,
		Runtimes:           map[string]system.RuntimeWithStatus{},
		SecurityOptions:    securityOptions(h.Security),
		CDISpecDirs:        []string{},
		Warnings:           warnings(h),
	}
	if rt := h.OCIRuntime; rt != nil && rt.Name != "" {
		out.DefaultRuntime = rt.Name
		out.Runtimes[rt.Name] = system.RuntimeWithStatus{Runtime: system.Runtime{Path: rt.Path}}
	}
	if t := h.Tools["catatonit"]; t != nil {
		out.InitBinary = t.Path
	}
	return out
}

// engineID is stable for one user's storage, as Docker's daemon ID is for
// one daemon: Roost has no daemon to hold a random one.
func engineID(graphRoot string) string {
	sum := sha256.Sum256([]byte("roost:" + graphRoot))
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

func pairs(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func operatingSystem(d info.Distribution) string {
	name := d.Distribution
	if d.Version != "" {
		name += " " + d.Version
	}
	if d.Codename != "" {
		name += " (" + d.Codename + ")"
	}
	return name
}

func securityOptions(s info.Security) []string {
	var out []string
	if s.SECCOMPEnabled {
		out = append(out, "name=seccomp,profile=builtin")
	}
	if s.SELinuxEnabled {
		out = append(out, "name=selinux")
	}
	if s.Rootless {
		out = append(out, "name=rootless")
	}
	return out
}

// warnings are what Docker's CLI prints at the end of `docker info`: the
// notes Roost's own report carries as fields.
func warnings(h *info.Host) []string {
	out := []string{}
	if h.Cgroups.Note != "" {
		out = append(out, "WARNING: "+h.Cgroups.Note)
	}
	if h.SubIDWarning != "" {
		out = append(out, "WARNING: "+h.SubIDWarning)
	}
	if h.RuntimeError != "" {
		out = append(out, "WARNING: "+h.RuntimeError)
	}
	return out
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(ents)
}
