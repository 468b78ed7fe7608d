package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/secrets"
)

// Inspect is a container in the shape of Podman's `container inspect`, for
// the fields users script against.
type Inspect struct {
	ID              string         `json:"Id"`
	Created         time.Time      `json:"Created"`
	Path            string         `json:"Path"`
	Args            []string       `json:"Args"`
	State           InspectState   `json:"State"`
	Image           string         `json:"Image"`
	ImageName       string         `json:"ImageName"`
	Name            string         `json:"Name"`
	Pod             string         `json:"Pod"`
	IsInfra         bool           `json:"IsInfra"`
	RestartCount    int            `json:"RestartCount"`
	Driver          string         `json:"Driver"`
	OCIRuntime      string         `json:"OCIRuntime"`
	LogPath         string         `json:"LogPath,omitempty"`
	Mounts          []InspectMount `json:"Mounts"`
	Config          InspectConfig  `json:"Config"`
	HostConfig      InspectHost    `json:"HostConfig"`
	NetworkSettings InspectNetwork `json:"NetworkSettings"`
}

type InspectState struct {
	Status     string    `json:"Status"`
	Running    bool      `json:"Running"`
	Paused     bool      `json:"Paused"`
	Restarting bool      `json:"Restarting"`
	OOMKilled  bool      `json:"OOMKilled"`
	Dead       bool      `json:"Dead"`
	Pid        int       `json:"Pid"`
	ConmonPid  int       `json:"ConmonPid"`
	ExitCode   int       `json:"ExitCode"`
	Error      string    `json:"Error"`
	StartedAt  time.Time `json:"StartedAt"`
	FinishedAt time.Time `json:"FinishedAt"`
	// Health: only for a container with a healthcheck.
	Health *monitor.Health `json:"Health,omitempty"`
}

type InspectMount struct {
	Type        string   `json:"Type"`
	Name        string   `json:"Name,omitempty"`
	Source      string   `json:"Source"`
	Destination string   `json:"Destination"`
	Driver      string   `json:"Driver,omitempty"`
	Options     []string `json:"Options"`
	RW          bool     `json:"RW"`
}

type InspectConfig struct {
	Hostname    string            `json:"Hostname"`
	User        string            `json:"User"`
	Env         []string          `json:"Env"`
	Cmd         []string          `json:"Cmd"`
	Entrypoint  []string          `json:"Entrypoint"`
	Image       string            `json:"Image"`
	WorkingDir  string            `json:"WorkingDir"`
	Labels      map[string]string `json:"Labels"`
	Annotations map[string]string `json:"Annotations"`
	StopSignal  string            `json:"StopSignal"`
	StopTimeout uint              `json:"StopTimeout"`
	Tty         bool              `json:"Tty"`
	OpenStdin   bool              `json:"OpenStdin"`
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

type InspectHost struct {
	RestartPolicy  RestartPolicy     `json:"RestartPolicy"`
	AutoRemove     bool              `json:"AutoRemove"`
	NetworkMode    string            `json:"NetworkMode"`
	LogConfig      LogConfig         `json:"LogConfig"`
	CapAdd         []string          `json:"CapAdd"`
	CapDrop        []string          `json:"CapDrop"`
	Privileged     bool              `json:"Privileged"`
	ReadonlyRootfs bool              `json:"ReadonlyRootfs"`
	SecurityOpt    []string          `json:"SecurityOpt"`
	UsernsMode     string            `json:"UsernsMode"`
	ShmSize        int64             `json:"ShmSize"`
	Init           bool              `json:"Init"`
	Binds          []string          `json:"Binds"`
	Tmpfs          map[string]string `json:"Tmpfs"`
}

type RestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount int    `json:"MaximumRetryCount"`
}

type LogConfig struct {
	Type string `json:"Type"`
	Path string `json:"Path,omitempty"`
	Size string `json:"Size,omitempty"`
}

type InspectNetwork struct {
	IPAddress   string                     `json:"IPAddress"`
	IPPrefixLen int                        `json:"IPPrefixLen"`
	Gateway     string                     `json:"Gateway"`
	MacAddress  string                     `json:"MacAddress"`
	SandboxKey  string                     `json:"SandboxKey"`
	Ports       map[string][]InspectPort   `json:"Ports"`
	Networks    map[string]InspectEndpoint `json:"Networks,omitempty"`
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
	NetworkID   string   `json:"NetworkID"`
	IPAddress   string   `json:"IPAddress"`
	IPPrefixLen int      `json:"IPPrefixLen"`
	Gateway     string   `json:"Gateway"`
	MacAddress  string   `json:"MacAddress"`
	Aliases     []string `json:"Aliases"`
}

// InspectEgress says whether the container's way out is up.
type InspectEgress struct {
	Backend string `json:"Backend"`
	Up      bool   `json:"Up"`
}

// Inspect returns the inspect view of one container.
func (e *Engine) Inspect(ref string) (*Inspect, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	sp := e.bundleSpec(c.ID)
	in := &Inspect{
		ID: c.ID, Created: c.Created, Image: c.ImageID, ImageName: c.ImageName, Name: c.Name,
		RestartCount: c.State.RestartCount, Driver: e.Store.GraphDriverName(), OCIRuntime: filepath.Base(c.Run.Runtime),
		State:           e.withHealth(c, inspectState(c)),
		Mounts:          []InspectMount{},
		NetworkSettings: e.inspectNetwork(c),
	}
	if c.Pod != nil {
		in.Pod, in.IsInfra = c.Pod.ID, c.Pod.IsInfra
	}
	if len(c.Command) > 0 {
		in.Path, in.Args = c.Command[0], c.Command[1:]
	}
	if p, err := e.logPath(c.ID); err == nil && c.Run.LogDriver == "k8s-file" {
		in.LogPath = p
	}
	in.Config = inspectConfig(c, sp)
	in.HostConfig = inspectHost(c)
	for _, m := range c.Spec.Mounts {
		im := InspectMount{Type: m.Type, Source: m.Source, Destination: m.Destination, Options: m.Options, RW: !hasOpt(m.Options, "ro")}
		if m.Type == "volume" {
			im.Name, im.Source, im.Driver = m.Source, e.Volumes.Mountpoint(m.Source), "local"
		}
		in.Mounts = append(in.Mounts, im)
	}
	return in, nil
}

func inspectState(c *Container) InspectState {
	s := InspectState{
		Status: string(c.State.Status), Pid: c.State.Pid, ConmonPid: c.State.MonitorPid,
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

func inspectConfig(c *Container, sp *specs.Spec) InspectConfig {
	ic := InspectConfig{
		Hostname: c.Spec.Hostname, Image: c.ImageName, Labels: c.Labels, Annotations: c.Spec.Annotations,
		Cmd: c.Spec.Image.Cmd, Entrypoint: c.Spec.Image.Entrypoint, WorkingDir: c.Spec.Image.WorkingDir,
		User: c.Spec.Image.User, StopSignal: c.Spec.StopSignal, StopTimeout: c.Run.StopTimeout,
		Tty: c.Run.Terminal, OpenStdin: c.Run.Stdin,
	}
	if len(c.Spec.Process.Args) > 0 {
		ic.Cmd = c.Spec.Process.Args
	}
	if c.Spec.Process.Entrypoint != nil {
		ic.Entrypoint = *c.Spec.Process.Entrypoint
	}
	if c.Spec.Process.User != "" {
		ic.User = c.Spec.Process.User
	}
	if ic.Hostname == "" {
		ic.Hostname = c.ID[:12]
	}
	if sp != nil && sp.Process != nil {
		ic.Env, ic.WorkingDir = withoutSecretEnv(c, sp.Process.Env), sp.Process.Cwd
	}
	ic.Secrets = inspectSecrets(c)
	if ic.StopSignal == "" {
		ic.StopSignal = "SIGTERM"
	}
	return ic
}

func inspectHost(c *Container) InspectHost {
	h := InspectHost{
		RestartPolicy: RestartPolicy{Name: c.Run.Restart.Policy, MaximumRetryCount: c.Run.Restart.MaxRetries},
		AutoRemove:    c.Run.Remove, NetworkMode: networkMode(c),
		LogConfig: LogConfig{Type: c.Run.LogDriver},
		CapAdd:    c.Spec.Security.CapAdd, CapDrop: c.Spec.Security.CapDrop,
		Privileged: c.Spec.Security.Privileged, ReadonlyRootfs: c.Spec.Security.ReadOnlyRootfs,
		UsernsMode: c.Spec.Namespaces.UserNS, ShmSize: c.Spec.ShmSize, Init: c.Spec.Process.Init,
		Binds: []string{}, Tmpfs: map[string]string{},
	}
	if h.RestartPolicy.Name == "" {
		h.RestartPolicy.Name = "no"
	}
	if c.Spec.Security.SeccompProfile != "" {
		h.SecurityOpt = append(h.SecurityOpt, "seccomp="+c.Spec.Security.SeccompProfile)
	}
	if c.Spec.Process.NoNewPrivileges {
		h.SecurityOpt = append(h.SecurityOpt, "no-new-privileges")
	}
	for _, m := range c.Spec.Mounts {
		switch m.Type {
		case "bind", "volume":
			h.Binds = append(h.Binds, m.Source+":"+m.Destination)
		case "tmpfs":
			h.Tmpfs[m.Destination] = joinOpts(m.Options)
		}
	}
	return h
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

func joinOpts(opts []string) string {
	s := ""
	for i, o := range opts {
		if i > 0 {
			s += ","
		}
		s += o
	}
	return s
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

func (e *Engine) inspectNetwork(c *Container) InspectNetwork {
	n := InspectNetwork{Ports: map[string][]InspectPort{}}
	for _, p := range c.Ports {
		k := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
		n.Ports[k] = append(n.Ports[k], InspectPort{HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.HostPort))})
	}
	running := c.State.Status == StatusRunning || c.State.Status == StatusUnknown
	if c.Net.ownNetNS() && running {
		n.SandboxKey = e.Networks.ContainerNetNS(c.ID)
	}
	if c.Net.Mode == NetBridge {
		n.Networks = map[string]InspectEndpoint{}
		for _, r := range c.Net.Networks {
			ep := InspectEndpoint{Aliases: r.Aliases}
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
