// Package info gathers what `roost info` reports about the host, the user's
// namespace, storage, the runtime and the network tools.
package info

import (
	"os"
	"os/exec"
	"runtime"
	"strings"

	cstorage "go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/config"
	rt "github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/storage"
	"github.com/roost-containers/roost/pkg/version"
	"github.com/roost-containers/roost/userns"
)

// Info is the whole report; its JSON shape follows Podman's `info` where the
// fields mean the same.
type Info struct {
	Host    Host    `json:"host"`
	Store   Store   `json:"store"`
	Version Version `json:"version"`
}

type Host struct {
	Arch         string           `json:"arch"`
	OS           string           `json:"os"`
	Kernel       string           `json:"kernel"`
	Hostname     string           `json:"hostname"`
	Security     Security         `json:"security"`
	IDMappings   IDMappings       `json:"idMappings"`
	Cgroups      Cgroups          `json:"cgroups"`
	OCIRuntime   *rt.Binary       `json:"ociRuntime,omitempty"`
	RuntimeError string           `json:"ociRuntimeError,omitempty"`
	Tools        map[string]*Tool `json:"tools"`
	NamespacePid int              `json:"namespaceHolderPid,omitempty"`
	SubIDWarning string           `json:"subidWarning,omitempty"`
	Network      Network          `json:"network"`
}

type Security struct {
	Rootless bool `json:"rootless"`
	UID      int  `json:"uid"`
	GID      int  `json:"gid"`
}

type IDMappings struct {
	UIDMap []userns.IDMap `json:"uidmap"`
	GIDMap []userns.IDMap `json:"gidmap"`
}

// Tool is an external program Roost uses, if found.
type Tool struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

type Store struct {
	GraphRoot      string            `json:"graphRoot"`
	RunRoot        string            `json:"runRoot"`
	GraphDriver    string            `json:"graphDriverName"`
	GraphOptions   []string          `json:"graphOptions"`
	DriverReason   string            `json:"graphDriverReason"`
	GraphStatus    map[string]string `json:"graphStatus"`
	ImageCount     int               `json:"imageCount"`
	ContainerCount int               `json:"containerCount"`
	ConfigFile     string            `json:"configFile"`
	// ContainersConfFiles are the containers.conf files read, in order.
	ContainersConfFiles []string `json:"containersConfFiles"`
}

type Version struct {
	Version   string `json:"Version"`
	GoVersion string `json:"GoVersion"`
	GitCommit string `json:"GitCommit"`
}

// Gather collects the report. store may be nil when storage cannot be opened;
// the rest is still reported.
func Gather(cfg *config.Config, store cstorage.Store, choice storage.Choice) Info {
	var in Info
	in.Version = Version{version.Version, runtime.Version(), version.GitCommit}
	in.Host = host(cfg)
	in.Store = Store{
		GraphRoot:    cfg.GraphRoot,
		RunRoot:      cfg.StorageRunRoot,
		GraphDriver:  choice.Driver,
		GraphOptions: choice.Options,
		DriverReason: choice.Reason,
		GraphStatus:  map[string]string{},
		ConfigFile:   cfg.ConfPath(),

		ContainersConfFiles: cfg.ContainersConfFiles,
	}
	if store != nil {
		if st, err := store.Status(); err == nil {
			for _, kv := range st {
				in.Store.GraphStatus[kv[0]] = kv[1]
			}
		}
		if imgs, err := store.Images(); err == nil {
			in.Store.ImageCount = len(imgs)
		}
		if ctrs, err := store.Containers(); err == nil {
			in.Store.ContainerCount = len(ctrs)
		}
	}
	return in
}

func host(cfg *config.Config) Host {
	h := Host{
		Arch:     runtime.GOARCH,
		OS:       runtime.GOOS,
		Kernel:   kernel(),
		Security: Security{Rootless: cfg.Rootless, UID: cfg.UID, GID: cfg.GID},
		Cgroups:  DetectCgroups(cfg.UID, cfg.Rootless),
		Tools:    map[string]*Tool{},
	}
	h.Hostname, _ = os.Hostname()
	h.IDMappings.UIDMap, h.IDMappings.GIDMap, _ = userns.CurrentMappings()
	if cfg.Rootless {
		if holder, err := userns.ReadHolder(cfg.RunDir); err == nil {
			h.NamespacePid = holder.Pid
		}
		if m, err := userns.UserMappings(cfg.UID, cfg.GID); err == nil {
			h.SubIDWarning = m.Warning
		}
	}
	if b, err := rt.Find(cfg.Runtime); err == nil {
		h.OCIRuntime = &b
	} else {
		h.RuntimeError = err.Error()
	}
	for _, name := range []string{"slirp4netns", "pasta", "fuse-overlayfs", "newuidmap", "newgidmap", "catatonit"} {
		h.Tools[name] = findTool(name)
	}
	return h
}

func kernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// findTool returns where a program is and its version line, or nil if absent.
func findTool(name string) *Tool {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil
	}
	t := &Tool{Path: path}
	out, _ := exec.Command(path, "--version").CombinedOutput()
	// Tools print their version on different lines; take the one that says so.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(line), "version") && !strings.Contains(line, "unknown") {
			t.Version = strings.TrimSpace(line)
			break
		}
	}
	return t
}
