package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
)

// Docker Compose's labels: ps, down and recreation decisions read them.
const (
	LabelProject    = "com.docker.compose.project"
	LabelService    = "com.docker.compose.service"
	LabelNumber     = "com.docker.compose.container-number"
	LabelConfigHash = "com.docker.compose.config-hash"
	LabelOneOff     = "com.docker.compose.oneoff"
	LabelWorkDir    = "com.docker.compose.project.working_dir"
	LabelFiles      = "com.docker.compose.project.config_files"
	LabelNetwork    = "com.docker.compose.network"
	LabelVolume     = "com.docker.compose.volume"
	LabelImage      = "com.docker.compose.image"
	LabelDependsOn  = "com.docker.compose.depends_on"
	LabelVersion    = "com.docker.compose.version"
)

// ContainerName is Docker Compose's project-service-N, or container_name.
func ContainerName(p *types.Project, s types.ServiceConfig, n int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return fmt.Sprintf("%s-%s-%d", p.Name, s.Name, n)
}

// ConfigHash is the digest of what the service's containers are made from
// (replicas excluded): a container whose label differs is recreated.
func ConfigHash(s types.ServiceConfig) string {
	s.Scale = nil
	if s.Deploy != nil {
		d := *s.Deploy
		d.Replicas = nil
		s.Deploy = &d
	}
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Replicas is how many containers the service wants (deploy.replicas,
// scale), before --scale.
func Replicas(s types.ServiceConfig) int {
	if s.Scale != nil {
		return *s.Scale
	}
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		return *s.Deploy.Replicas
	}
	return 1
}

// serviceOptions translates one service into the options `roost run`
// would build for its container number n: the pure heart of compose.
func serviceOptions(p *types.Project, s types.ServiceConfig, n int) (container.CreateOptions, error) {
	var o container.CreateOptions
	o.Name = ContainerName(p, s, n)
	o.Labels = serviceLabels(p, s, n)
	sp := &o.Spec
	sp.Hostname, sp.StopSignal = s.Hostname, s.StopSignal
	if s.DomainName != "" && sp.Hostname != "" {
		sp.Hostname += "." + s.DomainName
	}
	sp.Annotations = map[string]string(s.Annotations)
	sp.ShmSize = int64(s.ShmSize)
	sp.Process = process(s)
	sp.Security = spec.SecurityOptions{
		CapAdd: s.CapAdd, CapDrop: s.CapDrop, Privileged: s.Privileged, ReadOnlyRootfs: s.ReadOnly,
	}
	if err := spec.ApplySecurityOpts(s.SecurityOpt, &sp.Security, &sp.Process); err != nil {
		return o, fmt.Errorf("service %s: security_opt: %w", s.Name, err)
	}
	switch s.Pid {
	case "", "host":
		sp.Namespaces.PID = s.Pid
	default:
		return o, fmt.Errorf("service %s: pid %q is not supported: use host or leave it out", s.Name, s.Pid)
	}
	switch s.Ipc {
	case "", "host", "private", "shareable":
		sp.Namespaces.IPC = strings.TrimSuffix(strings.TrimSuffix(s.Ipc, "shareable"), "private")
	default:
		return o, fmt.Errorf("service %s: ipc %q is not supported: use host, private or shareable", s.Name, s.Ipc)
	}
	var err error
	if sp.Mounts, err = mounts(p, s); err != nil {
		return o, err
	}
	if o.Ports, err = ports(s); err != nil {
		return o, err
	}
	if o.Net, err = netOptions(p, s, o.Name); err != nil {
		return o, err
	}
	if o.Run, err = runOptions(s); err != nil {
		return o, err
	}
	if o.Secrets, err = secretRefs(p, s); err != nil {
		return o, err
	}
	return o, nil
}

func serviceLabels(p *types.Project, s types.ServiceConfig, n int) map[string]string {
	l := map[string]string{}
	for k, v := range s.Labels {
		l[k] = v
	}
	l[LabelProject] = p.Name
	l[LabelService] = s.Name
	l[LabelNumber] = strconv.Itoa(n)
	l[LabelConfigHash] = ConfigHash(s)
	l[LabelOneOff] = "False"
	l[LabelWorkDir] = p.WorkingDir
	l[LabelFiles] = strings.Join(p.ComposeFiles, ",")
	l[LabelImage] = ImageName(p, s)
	var deps []string
	for _, d := range sortedDeps(s) {
		dep := s.DependsOn[d]
		deps = append(deps, fmt.Sprintf("%s:%s:%t", d, dep.Condition, dep.Restart))
	}
	l[LabelDependsOn] = strings.Join(deps, ",")
	l[LabelVersion] = "2"
	return l
}

func process(s types.ServiceConfig) spec.ProcessOptions {
	pr := spec.ProcessOptions{
		Args: s.Command, WorkDir: s.WorkingDir, User: s.User, GroupAdd: s.GroupAdd,
		Terminal: s.Tty, Init: s.Init != nil && *s.Init,
	}
	if s.Entrypoint != nil {
		ep := append([]string{}, s.Entrypoint...)
		pr.Entrypoint = &ep
	}
	keys := make([]string, 0, len(s.Environment))
	for k := range s.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := s.Environment[k]; v != nil {
			pr.Env = append(pr.Env, k+"="+*v)
		}
	}
	pr.Ulimits = ulimitList(s.Ulimits)
	return pr
}

// ulimitList is a compose ulimits map as `roost run --ulimit` values.
func ulimitList(m map[string]*types.UlimitsConfig) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		u := m[name]
		if u.Single != 0 {
			out = append(out, fmt.Sprintf("%s=%d", name, u.Single))
		} else {
			out = append(out, fmt.Sprintf("%s=%d:%d", name, u.Soft, u.Hard))
		}
	}
	return out
}

// VolumeName is a project volume's real name: its name: key, or
// project_volume.
func VolumeName(p *types.Project, key string) string {
	if v, ok := p.Volumes[key]; ok && v.Name != "" {
		return v.Name
	}
	return p.Name + "_" + key
}

// NetworkName is a project network's real name: its name: key, or
// project_network.
func NetworkName(p *types.Project, key string) string {
	if n, ok := p.Networks[key]; ok && n.Name != "" {
		return n.Name
	}
	return p.Name + "_" + key
}

func mounts(p *types.Project, s types.ServiceConfig) ([]spec.Mount, error) {
	var out []spec.Mount
	for _, v := range s.Volumes {
		m, err := volumeMount(p, s, v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, t := range s.Tmpfs {
		m, err := spec.ParseTmpfs(t)
		if err != nil {
			return nil, fmt.Errorf("service %s: tmpfs: %w", s.Name, err)
		}
		out = append(out, m)
	}
	files, err := fileMounts(p, s)
	return append(out, files...), err
}

func volumeMount(p *types.Project, s types.ServiceConfig, v types.ServiceVolumeConfig) (spec.Mount, error) {
	opts := []string{}
	if v.ReadOnly {
		opts = append(opts, "ro")
	}
	switch v.Type {
	case types.VolumeTypeBind:
		m, err := spec.ParseVolume(v.Source + ":" + v.Target)
		m.Options = append(m.Options, opts...)
		if err != nil {
			return m, fmt.Errorf("service %s: volume %s: %w", s.Name, v.Target, err)
		}
		return m, nil
	case types.VolumeTypeTmpfs:
		if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
			opts = append(opts, fmt.Sprintf("size=%d", int64(v.Tmpfs.Size)))
		}
		if v.Tmpfs != nil && v.Tmpfs.Mode != 0 {
			opts = append(opts, fmt.Sprintf("mode=%o", v.Tmpfs.Mode))
		}
		return spec.Mount{Type: spec.TypeTmpfs, Source: "tmpfs", Destination: v.Target, Options: opts}, nil
	case types.VolumeTypeVolume:
		src := ""
		if v.Source != "" {
			if _, ok := p.Volumes[v.Source]; !ok {
				return spec.Mount{}, fmt.Errorf("service %s: volume %q is not declared in the top-level volumes", s.Name, v.Source)
			}
			src = VolumeName(p, v.Source)
		}
		if v.Volume != nil && v.Volume.NoCopy {
			opts = append(opts, "nocopy")
		}
		return spec.Mount{Type: spec.TypeVolume, Source: src, Destination: v.Target, Options: opts}, nil
	}
	return spec.Mount{}, fmt.Errorf("service %s: volume type %q at %s is not supported: use volume, bind or tmpfs", s.Name, v.Type, v.Target)
}

// fileMounts: file-based configs at their target (default /NAME),
// read-only. Secrets are Roost secrets (secretRefs), never bind mounts.
func fileMounts(p *types.Project, s types.ServiceConfig) ([]spec.Mount, error) {
	var out []spec.Mount
	add := func(kind, source, target, file, def string) error {
		if file == "" {
			return fmt.Errorf("service %s: %s %q is not file-based: Roost supports only file: %s", s.Name, kind, source, kind)
		}
		if target == "" {
			target = def
		} else if !strings.HasPrefix(target, "/") {
			target = strings.TrimSuffix(def, source) + target
		}
		out = append(out, spec.Mount{Type: spec.TypeBind, Source: file, Destination: target, Options: []string{"ro"}})
		return nil
	}
	for _, cfg := range s.Configs {
		def, ok := p.Configs[cfg.Source]
		if !ok {
			return nil, fmt.Errorf("service %s: config %q is not declared in the top-level configs", s.Name, cfg.Source)
		}
		if err := add("config", cfg.Source, cfg.Target, def.File, "/"+cfg.Source); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ports(s types.ServiceConfig) ([]container.PortMapping, error) {
	var list []string
	for _, pc := range s.Ports {
		v := strconv.Itoa(int(pc.Target))
		if pc.Published != "" {
			v = pc.Published + ":" + v
			if pc.HostIP != "" {
				v = pc.HostIP + ":" + v
			}
		}
		if pc.Protocol != "" {
			v += "/" + pc.Protocol
		}
		list = append(list, v)
	}
	out, err := container.ParsePorts(list)
	if err != nil {
		return nil, fmt.Errorf("service %s: ports: %w", s.Name, err)
	}
	return out, nil
}

// netOptions: network_mode, or the service's networks (default: the
// project's default network) with the service name and the container's
// name as aliases, as Docker Compose gives them.
func netOptions(p *types.Project, s types.ServiceConfig, name string) (container.NetOptions, error) {
	n := container.NetOptions{DNS: s.DNS, DNSSearch: s.DNSSearch, DNSOptions: s.DNSOpts}
	for host, ips := range s.ExtraHosts {
		for _, ip := range ips {
			n.AddHosts = append(n.AddHosts, host+":"+ip)
		}
	}
	sort.Strings(n.AddHosts)
	switch mode := s.NetworkMode; {
	case mode == "none" || mode == "host":
		n.Mode = mode
		return n, nil
	case strings.HasPrefix(mode, "service:"):
		n.Mode, n.Target = container.NetContainer, ContainerName(p, p.Services[strings.TrimPrefix(mode, "service:")], 1)
		return n, nil
	case strings.HasPrefix(mode, "container:"):
		n.Mode, n.Target = container.NetContainer, strings.TrimPrefix(mode, "container:")
		return n, nil
	case mode == "" || mode == "bridge" || mode == "default":
	default:
		return n, fmt.Errorf("service %s: network_mode %q is not supported: use none, host, service:NAME or container:NAME", s.Name, mode)
	}
	n.Mode = container.NetBridge
	keys := make([]string, 0, len(s.Networks))
	for k := range s.Networks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		keys = []string{"default"}
	}
	for _, k := range keys {
		r := network.Request{Network: NetworkName(p, k), Aliases: []string{s.Name}}
		if name != s.Name {
			r.Aliases = append(r.Aliases, name)
		}
		if cfg := s.Networks[k]; cfg != nil {
			r.Aliases = append(r.Aliases, cfg.Aliases...)
			r.IP = cfg.Ipv4Address
		}
		n.Networks = append(n.Networks, r)
	}
	return n, nil
}

func runOptions(s types.ServiceConfig) (container.RunOptions, error) {
	r := container.RunOptions{StopTimeout: 10, Terminal: s.Tty, Stdin: s.StdinOpen, LogDriver: monitor.LogK8sFile}
	if s.StopGracePeriod != nil {
		r.StopTimeout = uint(time.Duration(*s.StopGracePeriod).Seconds())
	}
	var err error
	if r.Restart, err = monitor.ParseRestartPolicy(s.Restart); err != nil {
		return r, fmt.Errorf("service %s: restart: %w", s.Name, err)
	}
	if s.Logging != nil {
		// Rotation is what Roost's log keeps of the driver options; others
		// (tag, labels, compress) are the driver's own and are passed over.
		var opts []string
		for _, k := range []string{"max-size", "max-file"} {
			if v, ok := s.Logging.Options[k]; ok {
				opts = append(opts, k+"="+v)
			}
		}
		log, err := engine.ParseLogConfig(s.Logging.Driver, opts)
		if err != nil {
			return r, fmt.Errorf("service %s: logging: %w", s.Name, err)
		}
		r.LogDriver, r.LogMaxSize, r.LogMaxFiles = log.Driver, log.MaxSize, log.MaxFiles
	}
	if r.Health, err = healthConfig(s); err != nil {
		return r, err
	}
	return r, nil
}

func healthConfig(s types.ServiceConfig) (*monitor.HealthConfig, error) {
	h := s.HealthCheck
	if h == nil || h.Disable {
		return nil, nil
	}
	test, err := container.HealthTest(h.Test)
	if err != nil {
		return nil, fmt.Errorf("service %s: healthcheck: %w", s.Name, err)
	}
	if test == nil {
		return nil, nil
	}
	c := monitor.HealthConfig{Test: test}
	if h.Interval != nil {
		c.Interval = time.Duration(*h.Interval)
	}
	if h.Timeout != nil {
		c.Timeout = time.Duration(*h.Timeout)
	}
	if h.StartPeriod != nil {
		c.StartPeriod = time.Duration(*h.StartPeriod)
	}
	if h.Retries != nil {
		c.Retries = int(*h.Retries)
	}
	c = c.WithDefaults()
	return &c, nil
}
