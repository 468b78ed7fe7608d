package container

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/secrets"
	"github.com/roost-containers/roost/pkg/spec"
)

// Inspect is a container in the shape of Podman's `container inspect`
// (its field names, JSON keys and types), so that scripts and templates
// written for Podman read Roost's the same.
type Inspect struct {
	ID              string         `json:"Id"`
	Created         time.Time      `json:"Created"`
	Path            string         `json:"Path"`
	Args            []string       `json:"Args"`
	State           InspectState   `json:"State"`
	Image           string         `json:"Image"`
	ImageDigest     string         `json:"ImageDigest"`
	ImageName       string         `json:"ImageName"`
	Rootfs          string         `json:"Rootfs"`
	Pod             string         `json:"Pod"`
	ResolvConfPath  string         `json:"ResolvConfPath"`
	HostnamePath    string         `json:"HostnamePath"`
	HostsPath       string         `json:"HostsPath"`
	StaticDir       string         `json:"StaticDir"`
	OCIConfigPath   string         `json:"OCIConfigPath,omitempty"`
	OCIRuntime      string         `json:"OCIRuntime,omitempty"`
	ConmonPidFile   string         `json:"ConmonPidFile"`
	PidFile         string         `json:"PidFile"`
	Name            string         `json:"Name"`
	RestartCount    int            `json:"RestartCount"`
	Driver          string         `json:"Driver"`
	MountLabel      string         `json:"MountLabel"`
	ProcessLabel    string         `json:"ProcessLabel"`
	AppArmorProfile string         `json:"AppArmorProfile"`
	EffectiveCaps   []string       `json:"EffectiveCaps"`
	BoundingCaps    []string       `json:"BoundingCaps"`
	ExecIDs         []string       `json:"ExecIDs"`
	GraphDriver     GraphDriver    `json:"GraphDriver"`
	SizeRw          *int64         `json:"SizeRw,omitempty"`
	SizeRootFs      int64          `json:"SizeRootFs,omitempty"`
	Mounts          []InspectMount `json:"Mounts"`
	Dependencies    []string       `json:"Dependencies"`
	NetworkSettings InspectNetwork `json:"NetworkSettings"`
	Namespace       string         `json:"Namespace"`
	IsInfra         bool           `json:"IsInfra"`
	IsService       bool           `json:"IsService"`
	Config          InspectConfig  `json:"Config"`
	HostConfig      InspectHost    `json:"HostConfig"`
	LogPath         string         `json:"LogPath,omitempty"`
	ExitCommand     []string       `json:"ExitCommand,omitempty"`
}

// GraphDriver is the storage driver and the layer directories it uses.
type GraphDriver struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

type InspectState struct {
	OciVersion string    `json:"OciVersion"`
	Status     string    `json:"Status"`
	Running    bool      `json:"Running"`
	Paused     bool      `json:"Paused"`
	Restarting bool      `json:"Restarting"`
	OOMKilled  bool      `json:"OOMKilled"`
	Dead       bool      `json:"Dead"`
	Pid        int       `json:"Pid"`
	ConmonPid  int       `json:"ConmonPid,omitempty"`
	ExitCode   int       `json:"ExitCode"`
	Error      string    `json:"Error"`
	StartedAt  time.Time `json:"StartedAt"`
	FinishedAt time.Time `json:"FinishedAt"`
	// Health: only for a container with a healthcheck.
	Health *monitor.Health `json:"Health,omitempty"`
}

// Healthcheck is Health under Docker's older name ({{.State.Healthcheck}}).
func (s InspectState) Healthcheck() monitor.Health {
	if s.Health == nil {
		return monitor.Health{Log: []monitor.HealthResult{}}
	}
	return *s.Health
}

type InspectMount struct {
	Type        string   `json:"Type"`
	Name        string   `json:"Name,omitempty"`
	Source      string   `json:"Source"`
	Destination string   `json:"Destination"`
	Driver      string   `json:"Driver"`
	Mode        string   `json:"Mode"`
	Options     []string `json:"Options"`
	RW          bool     `json:"RW"`
	Propagation string   `json:"Propagation"`
}

type InspectConfig struct {
	Hostname                   string              `json:"Hostname"`
	Domainname                 string              `json:"Domainname"`
	User                       string              `json:"User"`
	AttachStdin                bool                `json:"AttachStdin"`
	AttachStdout               bool                `json:"AttachStdout"`
	AttachStderr               bool                `json:"AttachStderr"`
	Tty                        bool                `json:"Tty"`
	OpenStdin                  bool                `json:"OpenStdin"`
	StdinOnce                  bool                `json:"StdinOnce"`
	Env                        []string            `json:"Env"`
	Cmd                        []string            `json:"Cmd"`
	Image                      string              `json:"Image"`
	Volumes                    map[string]struct{} `json:"Volumes"`
	WorkingDir                 string              `json:"WorkingDir"`
	Entrypoint                 string              `json:"Entrypoint"`
	OnBuild                    *string             `json:"OnBuild"`
	Labels                     map[string]string   `json:"Labels"`
	Annotations                map[string]string   `json:"Annotations"`
	StopSignal                 uint                `json:"StopSignal"`
	Healthcheck                *InspectHealthcheck `json:"Healthcheck,omitempty"`
	HealthcheckOnFailureAction string              `json:"HealthcheckOnFailureAction,omitempty"`
	CreateCommand              []string            `json:"CreateCommand,omitempty"`
	Timezone                   string              `json:"Timezone,omitempty"`
	Umask                      string              `json:"Umask,omitempty"`
	Timeout                    uint                `json:"Timeout"`
	StopTimeout                uint                `json:"StopTimeout"`
	SdNotifyMode               string              `json:"sdNotifyMode,omitempty"`
	// Secrets are the mounted secrets, by name and id (never their data).
	Secrets []InspectSecret `json:"Secrets,omitempty"`
}

// InspectSecret is one mounted secret, as Podman shows it.
type InspectSecret struct {
	Name string `json:"Name"`
	ID   string `json:"ID"`
	UID  uint32 `json:"UID"`
	GID  uint32 `json:"GID"`
	Mode uint32 `json:"Mode"`
}

// InspectHealthcheck is the healthcheck as images and Podman show it.
type InspectHealthcheck struct {
	Test        []string      `json:"Test,omitempty"`
	StartPeriod time.Duration `json:"StartPeriod,omitempty"`
	Interval    time.Duration `json:"Interval,omitempty"`
	Timeout     time.Duration `json:"Timeout,omitempty"`
	Retries     int           `json:"Retries,omitempty"`
}

type RestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount int    `json:"MaximumRetryCount"`
}

type LogConfig struct {
	Type   string            `json:"Type"`
	Config map[string]string `json:"Config"`
	Path   string            `json:"Path"`
	Tag    string            `json:"Tag"`
	Size   string            `json:"Size"`
}

type InspectNetwork struct {
	EndpointID             string                     `json:"EndpointID"`
	Gateway                string                     `json:"Gateway"`
	IPAddress              string                     `json:"IPAddress"`
	IPPrefixLen            int                        `json:"IPPrefixLen"`
	IPv6Gateway            string                     `json:"IPv6Gateway"`
	GlobalIPv6Address      string                     `json:"GlobalIPv6Address"`
	GlobalIPv6PrefixLen    int                        `json:"GlobalIPv6PrefixLen"`
	MacAddress             string                     `json:"MacAddress"`
	Bridge                 string                     `json:"Bridge"`
	SandboxID              string                     `json:"SandboxID"`
	HairpinMode            bool                       `json:"HairpinMode"`
	LinkLocalIPv6Address   string                     `json:"LinkLocalIPv6Address"`
	LinkLocalIPv6PrefixLen int                        `json:"LinkLocalIPv6PrefixLen"`
	Ports                  map[string][]InspectPort   `json:"Ports"`
	SandboxKey             string                     `json:"SandboxKey"`
	Networks               map[string]InspectEndpoint `json:"Networks,omitempty"`
	// Egress is Roost's own: the helper that gives the container its way out
	// and whether it runs (a killed one shows Up false until the next start
	// or `network reload`).
	Egress *InspectEgress `json:"Egress,omitempty"`
}

// InspectPort is one host binding of a published port, as Docker shows it.
type InspectPort struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// InspectEndpoint is the container on one network.
type InspectEndpoint struct {
	EndpointID          string            `json:"EndpointID"`
	Gateway             string            `json:"Gateway"`
	IPAddress           string            `json:"IPAddress"`
	IPPrefixLen         int               `json:"IPPrefixLen"`
	IPv6Gateway         string            `json:"IPv6Gateway"`
	GlobalIPv6Address   string            `json:"GlobalIPv6Address"`
	GlobalIPv6PrefixLen int               `json:"GlobalIPv6PrefixLen"`
	MacAddress          string            `json:"MacAddress"`
	NetworkID           string            `json:"NetworkID"`
	DriverOpts          map[string]string `json:"DriverOpts"`
	IPAMConfig          map[string]string `json:"IPAMConfig"`
	Links               []string          `json:"Links"`
	Aliases             []string          `json:"Aliases"`
}

// InspectEgress says whether the container's way out is up.
type InspectEgress struct {
	Backend string `json:"Backend"`
	Up      bool   `json:"Up"`
}

// InspectOptions are inspect's choices.
type InspectOptions struct {
	Size bool // measure the container's layer (SizeRw, SizeRootFs)
}

// Inspect returns the inspect view of one container.
func (e *Engine) Inspect(ref string) (*Inspect, error) {
	return e.InspectWith(ref, InspectOptions{})
}

// InspectWith returns the inspect view of one container, with sizes if asked.
func (e *Engine) InspectWith(ref string, o InspectOptions) (*Inspect, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	sp := e.bundleSpec(c.ID)
	run := e.runDir(c.ID)
	in := &Inspect{
		ID: c.ID, Created: c.Created, Image: c.ImageID, ImageName: c.ImageName, Name: c.Name,
		Rootfs: c.Spec.Rootfs, RestartCount: c.State.RestartCount, Driver: e.Store.GraphDriverName(),
		OCIRuntime: runtimeName(c.Run.Runtime), OCIConfigPath: filepath.Join(run, "config.json"),
		ConmonPidFile: filepath.Join(run, monitor.MonitorPidFile), PidFile: filepath.Join(run, monitor.PidFile),
		State:           e.withHealth(c, inspectState(c)),
		Mounts:          e.inspectMounts(c),
		NetworkSettings: e.inspectNetwork(c),
		ExecIDs:         []string{}, Dependencies: c.DependsOn, EffectiveCaps: []string{}, BoundingCaps: []string{},
		GraphDriver: e.graphDriver(c.ID),
		ExitCommand: append(append([]string(nil), e.ExitCommand...), "container", "cleanup", c.ID),
	}
	if in.Dependencies == nil {
		in.Dependencies = []string{}
	}
	if c.Pod != nil {
		in.Pod, in.IsInfra = c.Pod.ID, c.Pod.IsInfra
	}
	if len(c.Command) > 0 {
		in.Path, in.Args = c.Command[0], c.Command[1:]
	}
	if in.Args == nil {
		in.Args = []string{}
	}
	if p, err := e.logPath(c); err == nil && c.Run.LogDriver == monitor.LogK8sFile {
		in.LogPath = p
	}
	if dir, err := e.Store.ContainerDirectory(c.ID); err == nil {
		in.StaticDir = dir
	}
	if img, err := e.Store.Image(c.ImageID); err == nil {
		in.ImageDigest = img.Digest.String()
	}
	in.HostnamePath, in.HostsPath, in.ResolvConfPath = e.hostFilePaths(c, run)
	in.Config = e.inspectConfig(c, sp)
	in.HostConfig = e.inspectHost(c, sp)
	withSpecFacts(in, sp)
	if o.Size {
		if s, err := e.Size(c); err == nil {
			in.SizeRw, in.SizeRootFs = &s.RwSize, s.RootFsSize
		}
	}
	return in, nil
}

// runtimeName is the runtime as the user named it: its name when it is the
// one found on PATH, else its path (--runtime /opt/crun-test), as Podman.
func runtimeName(path string) string {
	if found, err := exec.LookPath(filepath.Base(path)); err == nil && found == path {
		return filepath.Base(path)
	}
	return path
}

// hostFilePaths are the files Roost writes for /etc/hostname, /etc/hosts
// and /etc/resolv.conf, where they exist (a created container has none yet).
func (e *Engine) hostFilePaths(c *Container, run string) (hostname, hosts, resolv string) {
	exists := func(p string) string {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	hostname, hosts, resolv = exists(filepath.Join(run, "hostname")), exists(filepath.Join(run, "hosts")), exists(filepath.Join(run, "resolv.conf"))
	if networkMode(c) == NetHost {
		hosts, resolv = "/etc/hosts", "/etc/resolv.conf"
	}
	return hostname, hosts, resolv
}

// graphDriver names the storage driver and the layer's directories.
func (e *Engine) graphDriver(id string) GraphDriver {
	g := GraphDriver{Name: e.Store.GraphDriverName(), Data: map[string]string{}}
	sc, err := e.Store.Container(id)
	if err != nil {
		return g
	}
	drv, err := e.Store.GraphDriver()
	if err != nil {
		return g
	}
	if md, err := drv.Metadata(sc.LayerID); err == nil {
		g.Data = md
	}
	return g
}

// withSpecFacts copies what only the generated OCI spec knows: the
// capabilities and the security labels of a container that was started.
func withSpecFacts(in *Inspect, sp *specs.Spec) {
	if sp == nil || sp.Process == nil {
		return
	}
	if caps := sp.Process.Capabilities; caps != nil {
		in.EffectiveCaps, in.BoundingCaps = nonNil(caps.Effective), nonNil(caps.Bounding)
	}
	in.AppArmorProfile, in.ProcessLabel = sp.Process.ApparmorProfile, sp.Process.SelinuxLabel
	if sp.Linux != nil {
		in.MountLabel = sp.Linux.MountLabel
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (e *Engine) inspectMounts(c *Container) []InspectMount {
	out := []InspectMount{}
	for _, m := range c.Spec.Mounts {
		im := InspectMount{Type: m.Type, Source: m.Source, Destination: m.Destination, Options: nonNil(m.Options), RW: !hasOpt(m.Options, "ro")}
		for _, o := range m.Options {
			if strings.Contains(o, "shared") || strings.Contains(o, "slave") || strings.Contains(o, "private") {
				im.Propagation = o
			}
		}
		if m.Type == spec.TypeVolume {
			im.Name, im.Source, im.Driver = m.Source, e.Volumes.Mountpoint(m.Source), "local"
		}
		out = append(out, im)
	}
	return out
}

func inspectState(c *Container) InspectState {
	s := InspectState{
		OciVersion: spec.OCIVersion,
		Status:     string(c.State.Status), Pid: c.State.Pid, ConmonPid: c.State.MonitorPid,
		ExitCode: c.State.ExitCode, Error: c.State.Error,
		StartedAt: c.State.StartedAt, FinishedAt: c.State.FinishedAt,
	}
	s.Running = c.State.Status == StatusRunning || c.State.Status == StatusUnknown
	if s.Paused = c.Paused(); s.Paused {
		s.Status = "paused"
	}
	s.Restarting = c.State.Restarting
	return s
}

func (e *Engine) inspectConfig(c *Container, sp *specs.Spec) InspectConfig {
	ic := InspectConfig{
		Hostname: c.Spec.Hostname, Image: c.ImageName, Labels: c.Labels, Annotations: c.Spec.Annotations,
		Cmd: c.Spec.Image.Cmd, WorkingDir: c.Spec.Image.WorkingDir,
		User: c.Spec.Image.User, StopSignal: signalNumber(c.Spec.StopSignal, c.Spec.Image.StopSignal),
		StopTimeout: c.Run.StopTimeout, Tty: c.Run.Terminal, OpenStdin: c.Run.Stdin, AttachStdin: c.Run.Stdin,
		Env: mergeEnv(c.Spec.Image.Env, c.Spec.Process.Env), Volumes: map[string]struct{}{},
		Umask: "0022", SdNotifyMode: c.Run.SdNotify,
		Entrypoint: strings.Join(c.Spec.Image.Entrypoint, " "),
	}
	if len(c.Spec.Process.Args) > 0 {
		ic.Cmd = c.Spec.Process.Args
	}
	if c.Spec.Process.Entrypoint != nil {
		ic.Entrypoint = strings.Join(*c.Spec.Process.Entrypoint, " ")
	}
	if c.Spec.Process.User != "" {
		ic.User = c.Spec.Process.User
	}
	if c.Spec.Process.WorkDir != "" {
		ic.WorkingDir = c.Spec.Process.WorkDir
	}
	if ic.Hostname == "" {
		ic.Hostname = c.ID[:12]
	}
	if sp != nil && sp.Process != nil {
		ic.Env, ic.WorkingDir = withoutSecretEnv(c, sp.Process.Env), sp.Process.Cwd
	}
	if ic.Labels == nil {
		ic.Labels = map[string]string{}
	}
	if ic.Annotations == nil {
		ic.Annotations = map[string]string{}
	}
	for v := range c.Spec.Image.Volumes {
		ic.Volumes[v] = struct{}{}
	}
	for _, m := range c.Spec.Mounts {
		if m.Type == spec.TypeVolume {
			ic.Volumes[m.Destination] = struct{}{}
		}
	}
	if h := c.Run.Health; h != nil {
		ic.Healthcheck = &InspectHealthcheck{Test: h.Test, StartPeriod: h.StartPeriod, Interval: h.Interval, Timeout: h.Timeout, Retries: h.Retries}
		ic.HealthcheckOnFailureAction = "none"
		if c.Run.HealthOnFailure != "" {
			ic.HealthcheckOnFailureAction = c.Run.HealthOnFailure
		}
	}
	if len(c.CreateArgs) > 0 {
		ic.CreateCommand = append([]string{"roost", "create"}, c.CreateArgs...)
	}
	ic.Secrets = inspectSecrets(c)
	return ic
}

// mergeEnv is the image's environment overridden by the container's, for a
// container not yet started (a started one shows its spec's).
func mergeEnv(image, own []string) []string {
	out := []string{}
	at := map[string]int{}
	for _, kv := range append(append([]string{}, image...), own...) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := at[k]; ok {
			out[i] = kv
			continue
		}
		at[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// bundleSpec reads the generated spec, if the container has been prepared.
func (e *Engine) bundleSpec(id string) *specs.Spec {
	b, err := os.ReadFile(filepath.Join(e.runDir(id), "config.json"))
	if err != nil {
		return nil
	}
	var sp specs.Spec
	if json.Unmarshal(b, &sp) != nil {
		return nil
	}
	return &sp
}

func hasOpt(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// networkMode is HostConfig.NetworkMode as Podman shows it.
func networkMode(c *Container) string {
	switch c.Net.Mode {
	case "":
		return c.Spec.Namespaces.Network
	case NetBridge:
		return "bridge"
	case NetContainer, NetPath:
		return c.Net.Mode + ":" + c.Net.Target
	}
	return c.Net.Mode
}

// portBindings are published ports in Docker's map shape: "80/tcp" to
// its host bindings.
func portBindings(ports []PortMapping) map[string][]InspectPort {
	out := map[string][]InspectPort{}
	for _, p := range ports {
		k := fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto())
		out[k] = append(out[k], InspectPort{HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.HostPort))})
	}
	return out
}

func (e *Engine) inspectNetwork(c *Container) InspectNetwork {
	n := InspectNetwork{Ports: portBindings(c.Ports)}
	running := c.State.Status == StatusRunning || c.State.Status == StatusUnknown
	if c.Net.ownNetNS() && running {
		n.SandboxKey = e.Networks.ContainerNetNS(c.ID)
	}
	if c.Net.Mode == NetBridge {
		n.Networks = map[string]InspectEndpoint{}
		for _, r := range c.Net.Networks {
			ep := InspectEndpoint{Aliases: network.MemberAliases(c.ID, r.Aliases)}
			for _, a := range c.Net.Attached {
				if a.Network == r.Network {
					ep = InspectEndpoint{NetworkID: a.NetworkID, IPAddress: a.IP, IPPrefixLen: a.PrefixLen, Gateway: a.Gateway, MacAddress: a.MAC, Aliases: a.Aliases}
				}
			}
			if ep.Aliases == nil {
				ep.Aliases = []string{}
			}
			n.Networks[r.Network] = ep
		}
		if len(c.Net.Attached) > 0 {
			a := c.Net.Attached[0]
			n.IPAddress, n.IPPrefixLen, n.Gateway, n.MacAddress = a.IP, a.PrefixLen, a.Gateway, a.MAC
		}
		if running {
			eg := e.Networks.EgressStatus()
			n.Egress = &InspectEgress{Backend: eg.Backend, Up: eg.Up}
		}
	}
	if (c.Net.Mode == NetSlirp || c.Net.Mode == NetPasta) && running {
		n.Egress = &InspectEgress{Backend: c.Net.Mode, Up: e.Networks.PrivateUp(c.ID)}
	}
	return n
}

// inspectSecrets lists the mount secrets as Podman does; env secrets show
// nowhere (their variables are dropped from Env too).
func inspectSecrets(c *Container) []InspectSecret {
	var out []InspectSecret
	for _, u := range c.Secrets {
		if u.Type == secrets.TypeMount {
			out = append(out, InspectSecret{Name: u.Name, ID: u.ID, UID: u.UID, GID: u.GID, Mode: u.Mode})
		}
	}
	return out
}
