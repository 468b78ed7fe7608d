// Package info gathers what `roost info` reports about the host, the user's
// namespace, storage, the runtime and the network tools. The report has
// Podman's shape (its JSON keys and its Go field names, for the scripts
// that read `podman info --format`), plus Roost's own facts beside them.
package info

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/monitor"
	rt "github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/version"
	"github.com/roost-containers/roost/userns"
)

// Info is the whole report.
type Info struct {
	Host       *Host          `json:"host"`
	Store      *Store         `json:"store"`
	Registries map[string]any `json:"registries"`
	Plugins    Plugins        `json:"plugins"`
	Version    version.Info   `json:"version"`
}

// Host is Podman's host section; Cgroups, Tools, Network, NamespacePid and
// SubIDWarning are Roost's own.
type Host struct {
	Arch              string       `json:"arch"`
	BuildahVersion    string       `json:"buildahVersion"` // the builder is Roost's own: its version
	CgroupManager     string       `json:"cgroupManager"`
	CgroupsVersion    string       `json:"cgroupVersion"`
	CgroupControllers []string     `json:"cgroupControllers"`
	Conmon            *Program     `json:"conmon"` // roost-monitor does conmon's work
	CPUs              int          `json:"cpus"`
	Distribution      Distribution `json:"distribution"`
	EventLogger       string       `json:"eventLogger"`
	Hostname          string       `json:"hostname"`
	IDMappings        IDMappings   `json:"idMappings"`
	Kernel            string       `json:"kernel"`
	LogDriver         string       `json:"logDriver"`
	MemFree           int64        `json:"memFree"`
	MemTotal          int64        `json:"memTotal"`
	NetworkBackend    string       `json:"networkBackend"`
	OCIRuntime        *OCIRuntime  `json:"ociRuntime"`
	OS                string       `json:"os"`
	RemoteSocket      *Socket      `json:"remoteSocket,omitempty"`
	ServiceIsRemote   bool         `json:"serviceIsRemote"`
	Security          Security     `json:"security"`
	Slirp4NetNS       Slirp        `json:"slirp4netns"`
	SwapFree          int64        `json:"swapFree"`
	SwapTotal         int64        `json:"swapTotal"`
	Uptime            string       `json:"uptime"`

	Cgroups      Cgroups          `json:"cgroups"`
	RuntimeError string           `json:"ociRuntimeError,omitempty"`
	Tools        map[string]*Tool `json:"tools"`
	NamespacePid int              `json:"namespaceHolderPid,omitempty"`
	SubIDWarning string           `json:"subidWarning,omitempty"`
	Network      Network          `json:"network"`
}

type Security struct {
	AppArmorEnabled     bool   `json:"apparmorEnabled"`
	DefaultCapabilities string `json:"capabilities"`
	Rootless            bool   `json:"rootless"`
	SECCOMPEnabled      bool   `json:"seccompEnabled"`
	SECCOMPProfilePath  string `json:"seccompProfilePath"`
	SELinuxEnabled      bool   `json:"selinuxEnabled"`
	UID                 int    `json:"uid"`
	GID                 int    `json:"gid"`
}

type IDMappings struct {
	GIDMap []userns.IDMap `json:"gidmap"`
	UIDMap []userns.IDMap `json:"uidmap"`
}

type Distribution struct {
	Distribution string `json:"distribution"`
	Variant      string `json:"variant,omitempty"`
	Version      string `json:"version"`
	Codename     string `json:"codename,omitempty"`
}

// Program is a helper program: where it is, its package and version.
type Program struct {
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

type OCIRuntime struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
	Reason  string `json:"reason,omitempty"` // why this runtime (Roost's)
}

type Socket struct {
	Path   string `json:"path,omitempty"`
	Exists bool   `json:"exists,omitempty"`
}

type Slirp struct {
	Executable string `json:"executable"`
	Package    string `json:"package"`
	Version    string `json:"version"`
}

// Tool is an external program Roost uses, if found.
type Tool struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

type Plugins struct {
	Volume        []string `json:"volume"`
	Network       []string `json:"network"`
	Log           []string `json:"log"`
	Authorization []string `json:"authorization"`
}

// Inputs are what the engine knows and hands over: the configuration, the
// storage facts and the counts of what the user has.
type Inputs struct {
	Config     *config.Config
	Store      Store
	Containers ContainerStore
	Network    Network
	// NetworkBackend names the networks' implementation.
	NetworkBackend string
}

// Gather collects the report.
func Gather(in Inputs) Info {
	cfg := in.Config
	store := in.Store
	store.ContainerStore = in.Containers
	store.ContainersConfFiles = cfg.ContainersConfFiles
	// Where big temporary files of pulls and commits go, as pkg/image
	// chooses it.
	store.ImageCopyTmpDir = orDefault(os.Getenv("TMPDIR"), "/var/tmp")
	if store.GraphStatus == nil {
		store.GraphStatus = map[string]string{}
	}
	h := host(cfg)
	h.Network = in.Network
	h.NetworkBackend = in.NetworkBackend
	return Info{
		Host:       h,
		Store:      &store,
		Registries: registries(cfg),
		Plugins: Plugins{
			Volume:  []string{"local"},
			Network: []string{"bridge"},
			Log:     []string{"k8s-file", "journald", "none"},
		},
		Version: version.Current(),
	}
}

func host(cfg *config.Config) *Host {
	cg := DetectCgroups(cfg.UID, cfg.Rootless)
	h := &Host{
		Arch:              runtime.GOARCH,
		BuildahVersion:    version.Version,
		CgroupManager:     cgroupManager(cfg),
		CgroupsVersion:    podmanCgroupsVersion(cg.Version),
		CgroupControllers: nonNil(cg.Controllers),
		CPUs:              runtime.NumCPU(),
		Distribution:      distribution("/etc/os-release"),
		EventLogger:       orDefault(cfg.Flags.EventsBackend, "file"),
		Kernel:            kernel(),
		LogDriver:         monitor.LogK8sFile,
		OS:                runtime.GOOS,
		Security:          security(cfg),
		Uptime:            uptime(),
		Cgroups:           cg,
		Tools:             map[string]*Tool{},
	}
	h.Hostname, _ = os.Hostname()
	h.MemTotal, h.MemFree, h.SwapTotal, h.SwapFree = memory()
	h.IDMappings.UIDMap, h.IDMappings.GIDMap, _ = userns.CurrentMappings()
	if cfg.Rootless {
		if holder, err := userns.ReadHolder(cfg.HolderDir); err == nil {
			h.NamespacePid = holder.Pid
		}
		if m, err := userns.UserMappings(cfg.UID, cfg.GID); err == nil {
			h.SubIDWarning = m.Warning
		}
	}
	h.OCIRuntime = &OCIRuntime{}
	if b, err := rt.Find(cfg.Runtime); err == nil {
		h.OCIRuntime = &OCIRuntime{Name: b.Name, Path: b.Path, Version: b.Version, Reason: b.Reason, Package: packageOf(b.Path)}
	} else {
		h.RuntimeError = err.Error()
	}
	if path, err := monitor.FindBinary(); err == nil {
		h.Conmon = &Program{Path: path, Package: packageOf(path), Version: "roost-monitor version " + version.Version}
	} else {
		h.Conmon = &Program{}
	}
	for _, name := range []string{"slirp4netns", "pasta", "fuse-overlayfs", "newuidmap", "newgidmap", "catatonit"} {
		h.Tools[name] = findTool(name)
	}
	if t := h.Tools["slirp4netns"]; t != nil {
		h.Slirp4NetNS = Slirp{Executable: t.Path, Version: t.Version, Package: packageOf(t.Path)}
	}
	sock := filepath.Join(cfg.HolderDir, "roost.sock")
	_, err := os.Stat(sock)
	h.RemoteSocket = &Socket{Path: "unix://" + sock, Exists: err == nil}
	return h
}

// cgroupManager is the user's choice, else systemd when a user manager
// runs (monitors then get scopes of their own), else cgroupfs.
func cgroupManager(cfg *config.Config) string {
	if cfg.Flags.CgroupManager != "" {
		return cfg.Flags.CgroupManager
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg.HolderDir), "systemd", "private")); err == nil {
		return "systemd"
	}
	return "cgroupfs"
}

// podmanCgroupsVersion is v2 only for a unified hierarchy, as Podman says;
// a hybrid layout is v1 there (Roost's Cgroups.Version says "hybrid").
func podmanCgroupsVersion(v string) string {
	if v == "v2" {
		return "v2"
	}
	return "v1"
}

func security(cfg *config.Config) Security {
	s := Security{
		Rootless:            cfg.Rootless,
		UID:                 cfg.UID,
		GID:                 cfg.GID,
		DefaultCapabilities: strings.Join(spec.DefaultCapabilities, ","),
		// Roost applies its built-in default profile wherever the kernel
		// has seccomp filters.
		SECCOMPEnabled: seccompAvailable(),
	}
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		s.SELinuxEnabled = true
	}
	return s
}

func seccompAvailable() bool {
	b, err := os.ReadFile("/proc/self/status")
	return err == nil && strings.Contains(string(b), "\nSeccomp:")
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

// packageOf names the Debian package that installed path, with its
// version, as Podman reports it; "Unknown" when no package owns it.
func packageOf(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	out, err := exec.Command("dpkg-query", "-S", path).Output()
	if err != nil {
		return "Unknown"
	}
	pkg, _, _ := strings.Cut(strings.TrimSpace(string(out)), ":")
	v, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil || len(v) == 0 {
		return pkg
	}
	return pkg + "_" + string(v)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
