package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	dcontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	dnetwork "github.com/moby/moby/api/types/network"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// createContainer is POST /containers/create: Docker's body becomes the
// engine's CreateRequest (what `roost create` builds from its flags). The
// image is never pulled here: Docker answers 404 "No such image", and its
// clients pull through /images/create and ask again.
func (s *Server) createContainer(w http.ResponseWriter, r *http.Request) error {
	var body dcontainer.CreateRequest
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	q := r.URL.Query()
	req, warnings, err := createRequest(body, q.Get("name"), q.Get("platform"), s.eng.Config().Rootless)
	if err != nil {
		return badRequest(err)
	}
	res, err := s.eng.CreateContainer(r.Context(), req)
	if err != nil {
		return createError(req.Image.Name, err)
	}
	writeJSON(w, http.StatusCreated, dcontainer.CreateResponse{ID: res.Container.ID, Warnings: nonNilStrings(append(warnings, res.Warnings...))})
	return nil
}

// createError gives a create failure Docker's status: 404 for an image that
// is not stored (the CLI then pulls), 409 for a name in use, 400 for the
// engine's refusals of the request, which are about what was asked.
func createError(image string, err error) error {
	switch {
	case errors.Is(err, engine.ErrImageNotLocal):
		return notFound(fmt.Errorf("No such image: %s", image))
	case errors.Is(err, container.ErrNameInUse):
		return conflict(err)
	}
	return err
}

// validName is Docker's rule for container names.
var validName = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// createRequest translates Docker's create body into the engine's request.
// It is pure (FuzzContainerCreate drives it): every refusal is an error
// naming the field, never a panic.
func createRequest(body dcontainer.CreateRequest, name, platform string, rootless bool) (engine.CreateRequest, []string, error) {
	var req engine.CreateRequest
	cfg := body.Config
	if cfg == nil {
		return req, nil, errors.New("config cannot be empty in order to create a container")
	}
	if cfg.Image == "" {
		return req, nil, errors.New("no image was given: set Config.Image")
	}
	if name != "" && !validName.MatchString(name) {
		return req, nil, fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	hc := body.HostConfig
	if hc == nil {
		hc = &dcontainer.HostConfig{}
	}
	req.Image = engine.ImageRequest{Name: cfg.Image, Pull: engine.PullNever, Platform: platform}
	o := &req.Options
	o.Name = strings.TrimPrefix(name, "/")
	o.Labels = cfg.Labels
	o.VolumesFrom = hc.VolumesFrom
	var warnings []string
	var err error
	if err := processOptions(cfg, hc, &o.Spec.Process); err != nil {
		return req, nil, err
	}
	if err := specOptions(cfg, hc, &o.Spec); err != nil {
		return req, nil, err
	}
	if o.Spec.Mounts, err = mountOptions(cfg, hc); err != nil {
		return req, nil, err
	}
	if o.Expose, err = exposedPorts(cfg.ExposedPorts); err != nil {
		return req, nil, err
	}
	if o.Run, err = runOptions(cfg, hc); err != nil {
		return req, nil, err
	}
	if o.Run.Health, req.NoImageHealthcheck, err = healthOptions(cfg.Healthcheck); err != nil {
		return req, nil, err
	}
	nf, err := networkFlags(cfg, hc, body.NetworkingConfig)
	if err != nil {
		return req, nil, err
	}
	ns, err := nf.Parse(rootless)
	if err != nil {
		return req, nil, err
	}
	o.Net, o.Ports, o.PublishAll = ns.Net, ns.Ports, ns.PublishAll
	applyEndpoints(&o.Net, body.NetworkingConfig)
	warnings = append(warnings, ns.Warnings...)
	if len(hc.Links) > 0 {
		warnings = append(warnings, "Links are not supported and were ignored: containers on one network reach each other by name")
	}
	req.Given = pods.Given{Network: len(nf.Networks) > 0, Ports: len(nf.Publish) > 0 || nf.PublishAll, Hostname: cfg.Hostname != ""}
	req.Unset = engine.Unset{
		StopTimeout: cfg.StopTimeout == nil,
		Init:        hc.Init == nil,
		ReadOnly:    !hc.ReadonlyRootfs,
		NoHosts:     true,
		Network:     len(nf.Networks) == 0,
	}
	return req, warnings, nil
}

// processOptions fills the container's process from Config and HostConfig.
func processOptions(cfg *dcontainer.Config, hc *dcontainer.HostConfig, p *spec.ProcessOptions) error {
	p.Args = cfg.Cmd
	if cfg.Entrypoint != nil {
		ep := []string{}
		// Docker's CLI sends [""] for --entrypoint "": no entrypoint.
		if len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != "" {
			ep = append(ep, cfg.Entrypoint...)
		}
		p.Entrypoint = &ep
	}
	for _, kv := range cfg.Env {
		// A bare KEY is resolved by the client from its own environment;
		// one that reaches the service has no value to give.
		if strings.Contains(kv, "=") {
			p.Env = append(p.Env, kv)
		}
	}
	if cfg.WorkingDir != "" && !strings.HasPrefix(cfg.WorkingDir, "/") {
		return fmt.Errorf("invalid WorkingDir %q: it must be an absolute path", cfg.WorkingDir)
	}
	p.WorkDir, p.User, p.Terminal = cfg.WorkingDir, cfg.User, cfg.Tty
	p.GroupAdd = hc.GroupAdd
	if hc.Init != nil {
		p.Init = *hc.Init
	}
	if hc.OomScoreAdj != 0 {
		if hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000 {
			return fmt.Errorf("invalid OomScoreAdj %d: it must be between -1000 and 1000", hc.OomScoreAdj)
		}
		adj := hc.OomScoreAdj
		p.OOMScoreAdj = &adj
	}
	if hc.Umask != nil {
		u := *hc.Umask
		p.Umask = &u
	}
	for _, u := range hc.Ulimits {
		if u == nil {
			continue
		}
		v := fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard)
		if _, err := spec.ParseUlimit(v); err != nil {
			return err
		}
		p.Ulimits = append(p.Ulimits, v)
	}
	return nil
}

// specOptions fills what shapes the container's spec beyond its process.
func specOptions(cfg *dcontainer.Config, hc *dcontainer.HostConfig, s *spec.Options) error {
	s.Hostname = cfg.Hostname
	if cfg.Domainname != "" && s.Hostname != "" {
		s.Hostname += "." + cfg.Domainname
	}
	if cfg.StopSignal != "" {
		if _, err := spec.ParseStopSignal(cfg.StopSignal); err != nil {
			return err
		}
		s.StopSignal = cfg.StopSignal
	}
	s.Annotations = hc.Annotations
	s.ShmSize = hc.ShmSize
	if hc.ShmSize < 0 {
		return fmt.Errorf("invalid ShmSize %d: it cannot be negative", hc.ShmSize)
	}
	s.Security = spec.SecurityOptions{CapAdd: hc.CapAdd, CapDrop: hc.CapDrop, Privileged: hc.Privileged, ReadOnlyRootfs: hc.ReadonlyRootfs}
	if err := spec.ApplySecurityOpts(dockerSecurityOpts(hc.SecurityOpt), &s.Security, &s.Process); err != nil {
		return err
	}
	var err error
	if len(hc.Sysctls) > 0 {
		list := make([]string, 0, len(hc.Sysctls))
		for k, v := range hc.Sysctls {
			list = append(list, k+"="+v)
		}
		sort.Strings(list)
		if s.Sysctls, err = spec.ParseSysctls(list); err != nil {
			return err
		}
	}
	for _, d := range hc.Devices {
		v := d.PathOnHost
		if d.PathInContainer != "" {
			v += ":" + d.PathInContainer
		}
		if d.CgroupPermissions != "" {
			v += ":" + d.CgroupPermissions
		}
		dev, err := spec.ParseDevice(v)
		if err != nil {
			return err
		}
		s.Devices = append(s.Devices, dev)
	}
	ns := []struct {
		flag, value string
		dst         *string
	}{{"ipc", string(hc.IpcMode), &s.Namespaces.IPC}, {"pid", string(hc.PidMode), &s.Namespaces.PID}, {"uts", string(hc.UTSMode), &s.Namespaces.UTS}, {"cgroupns", string(hc.CgroupnsMode), &s.Namespaces.Cgroup}}
	for _, n := range ns {
		if *n.dst, err = spec.ParseNamespaceFlag(n.flag, n.value); err != nil {
			return err
		}
	}
	switch hc.UsernsMode {
	case "", "host":
	default:
		return fmt.Errorf("invalid UsernsMode %q: use host or leave it empty", hc.UsernsMode)
	}
	s.Systemd = "true"
	s.Resources, err = resourceFlags(hc.Resources).Parse()
	return err
}

// dockerSecurityOpts spells Docker's security options as Roost's
// (no-new-privileges:true is Docker's long form; label and apparmor options
// have no effect without SELinux and AppArmor, as on this kind of host).
func dockerSecurityOpts(opts []string) []string {
	var out []string
	for _, o := range opts {
		switch {
		case o == "no-new-privileges:true" || o == "no-new-privileges=true":
			out = append(out, "no-new-privileges")
		case o == "no-new-privileges:false" || o == "no-new-privileges=false":
		case strings.HasPrefix(o, "seccomp:"):
			out = append(out, "seccomp="+strings.TrimPrefix(o, "seccomp:"))
		default:
			out = append(out, o)
		}
	}
	return out
}

// resourceFlags are HostConfig's limits in the form `run`'s flags parse.
func resourceFlags(r dcontainer.Resources) spec.ResourceFlags {
	f := spec.ResourceFlags{MemorySwappiness: -1, CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems}
	if r.Memory > 0 {
		f.Memory = strconv.FormatInt(r.Memory, 10)
	}
	if r.MemoryReservation > 0 {
		f.MemoryReservation = strconv.FormatInt(r.MemoryReservation, 10)
	}
	if r.MemorySwap != 0 {
		f.MemorySwap = strconv.FormatInt(r.MemorySwap, 10)
	}
	if r.MemorySwappiness != nil {
		f.MemorySwappiness = *r.MemorySwappiness
	}
	if r.OomKillDisable != nil {
		f.OOMKillDisable = *r.OomKillDisable
	}
	if r.CPUShares > 0 {
		f.CPUShares = uint64(r.CPUShares)
	}
	if r.NanoCPUs > 0 {
		f.CPUs = float64(r.NanoCPUs) / 1e9
	}
	if r.CPUPeriod > 0 {
		f.CPUPeriod = uint64(r.CPUPeriod)
	}
	f.CPUQuota = r.CPUQuota
	if r.CPURealtimePeriod > 0 {
		f.CPURtPeriod = uint64(r.CPURealtimePeriod)
	}
	f.CPURtRuntime = r.CPURealtimeRuntime
	if r.PidsLimit != nil && *r.PidsLimit != 0 {
		f.PidsLimit = strconv.FormatInt(*r.PidsLimit, 10)
	}
	if r.BlkioWeight > 0 {
		f.BlkioWeight = strconv.Itoa(int(r.BlkioWeight))
	}
	return f
}

// mountOptions are Binds, Mounts, Tmpfs and the anonymous Volumes.
func mountOptions(cfg *dcontainer.Config, hc *dcontainer.HostConfig) ([]spec.Mount, error) {
	var out []spec.Mount
	for _, b := range hc.Binds {
		m, err := spec.ParseVolume(b)
		if err != nil && !errors.Is(err, spec.ErrNamedVolume) {
			return nil, fmt.Errorf("invalid bind %q: %w", b, err)
		}
		out = append(out, m)
	}
	for _, m := range hc.Mounts {
		sm, err := dockerMount(m)
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	dsts := make([]string, 0, len(hc.Tmpfs))
	for dst := range hc.Tmpfs {
		dsts = append(dsts, dst)
	}
	sort.Strings(dsts)
	for _, dst := range dsts {
		v := dst
		if opts := hc.Tmpfs[dst]; opts != "" {
			v += ":" + opts
		}
		m, err := spec.ParseTmpfs(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	vols := make([]string, 0, len(cfg.Volumes))
	for dst := range cfg.Volumes {
		vols = append(vols, dst)
	}
	sort.Strings(vols)
	for _, dst := range vols {
		if mounted(out, dst) {
			continue // a bind or a named volume there already (the CLI sends both)
		}
		if !strings.HasPrefix(dst, "/") {
			return nil, fmt.Errorf("invalid volume %q: the path in the container must be absolute", dst)
		}
		out = append(out, spec.Mount{Type: spec.TypeVolume, Destination: dst})
	}
	return out, nil
}

func mounted(ms []spec.Mount, dst string) bool {
	for _, m := range ms {
		if strings.TrimSuffix(m.Destination, "/") == strings.TrimSuffix(dst, "/") {
			return true
		}
	}
	return false
}

// dockerMount is one HostConfig.Mounts entry.
func dockerMount(m mount.Mount) (spec.Mount, error) {
	if !strings.HasPrefix(m.Target, "/") {
		return spec.Mount{}, fmt.Errorf("invalid mount target %q: it must be an absolute path", m.Target)
	}
	var opts []string
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	switch m.Type {
	case mount.TypeBind:
		if !strings.HasPrefix(m.Source, "/") {
			return spec.Mount{}, fmt.Errorf("invalid mount source %q: a bind mount's source must be an absolute path", m.Source)
		}
		if m.BindOptions != nil && m.BindOptions.Propagation != "" {
			opts = append(opts, string(m.BindOptions.Propagation))
		}
		return spec.Mount{Type: spec.TypeBind, Source: m.Source, Destination: m.Target, Options: append(opts, "rbind")}, nil
	case mount.TypeVolume:
		if m.VolumeOptions != nil && m.VolumeOptions.NoCopy {
			opts = append(opts, "nocopy")
		}
		return spec.Mount{Type: spec.TypeVolume, Source: m.Source, Destination: m.Target, Options: opts}, nil
	case mount.TypeTmpfs:
		if m.TmpfsOptions != nil {
			if m.TmpfsOptions.SizeBytes > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", m.TmpfsOptions.SizeBytes))
			}
			if m.TmpfsOptions.Mode != 0 {
				opts = append(opts, fmt.Sprintf("mode=%o", m.TmpfsOptions.Mode.Perm()))
			}
		}
		return spec.Mount{Type: spec.TypeTmpfs, Source: "tmpfs", Destination: m.Target, Options: opts}, nil
	}
	return spec.Mount{}, fmt.Errorf("mount type %q at %s is not supported: use bind, volume or tmpfs", m.Type, m.Target)
}

// exposedPorts are Config.ExposedPorts as --expose values.
func exposedPorts(ports dnetwork.PortSet) ([]string, error) {
	list := make([]string, 0, len(ports))
	for p := range ports {
		if !p.IsValid() {
			return nil, fmt.Errorf("invalid exposed port %q", p.String())
		}
		list = append(list, p.String())
	}
	sort.Strings(list)
	return container.ParseExpose(list)
}

// runOptions are how the monitor runs the container.
func runOptions(cfg *dcontainer.Config, hc *dcontainer.HostConfig) (container.RunOptions, error) {
	r := container.RunOptions{Terminal: cfg.Tty, Stdin: cfg.OpenStdin, Remove: hc.AutoRemove, StopTimeout: 10}
	if cfg.StopTimeout != nil {
		if *cfg.StopTimeout < 0 {
			return r, fmt.Errorf("invalid StopTimeout %d: it cannot be negative", *cfg.StopTimeout)
		}
		r.StopTimeout = uint(*cfg.StopTimeout)
	}
	policy := string(hc.RestartPolicy.Name)
	if hc.RestartPolicy.MaximumRetryCount != 0 {
		policy += ":" + strconv.Itoa(hc.RestartPolicy.MaximumRetryCount)
	}
	var err error
	if r.Restart, err = monitor.ParseRestartPolicy(policy); err != nil {
		return r, err
	}
	var opts []string
	for _, k := range []string{"max-size", "max-file", "tag", "path"} {
		if v, ok := hc.LogConfig.Config[k]; ok {
			opts = append(opts, k+"="+v)
		}
	}
	log, err := engine.ParseLogConfig(hc.LogConfig.Type, opts)
	if err != nil {
		return r, err
	}
	r.LogDriver, r.LogMaxSize, r.LogMaxFiles, r.LogTag, r.LogPath = log.Driver, log.MaxSize, log.MaxFiles, log.Tag, log.Path
	if hc.CgroupParent != "" {
		r.CgroupParent = hc.CgroupParent
	}
	return r, nil
}

// healthOptions is Config.Healthcheck; ["NONE"] turns the image's off.
func healthOptions(h *dcontainer.HealthConfig) (*monitor.HealthConfig, bool, error) {
	if h == nil || len(h.Test) == 0 {
		return nil, false, nil
	}
	if h.Test[0] == "NONE" {
		return nil, true, nil
	}
	test, err := container.HealthTest(h.Test)
	if err != nil {
		return nil, false, err
	}
	if test == nil {
		return nil, false, nil
	}
	for _, d := range []struct {
		name string
		v    int64
	}{{"Interval", int64(h.Interval)}, {"Timeout", int64(h.Timeout)}, {"StartPeriod", int64(h.StartPeriod)}} {
		if d.v < 0 {
			return nil, false, fmt.Errorf("invalid Healthcheck.%s: it cannot be negative", d.name)
		}
	}
	if h.Retries < 0 {
		return nil, false, errors.New("invalid Healthcheck.Retries: it cannot be negative")
	}
	c := monitor.HealthConfig{Test: test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}.WithDefaults()
	if err := c.Validate(); err != nil {
		return nil, false, err
	}
	return &c, false, nil
}

// networkFlags are the container's network as `run`'s flags would give it:
// NetworkMode, else the networks of NetworkingConfig; published ports;
// DNS and hosts.
func networkFlags(cfg *dcontainer.Config, hc *dcontainer.HostConfig, nc *dnetwork.NetworkingConfig) (engine.NetworkFlags, error) {
	f := engine.NetworkFlags{DNSSearch: hc.DNSSearch, DNSOptions: hc.DNSOptions, AddHosts: hc.ExtraHosts, PublishAll: hc.PublishAllPorts}
	for _, a := range hc.DNS {
		f.DNS = append(f.DNS, a.String())
	}
	mode := string(hc.NetworkMode)
	switch {
	case cfg.NetworkDisabled:
		f.Networks = []string{container.NetNone}
	case mode == "" || mode == "default":
		// Docker's default network; a NetworkingConfig may still name
		// networks (compose does), which then are the container's.
		for _, n := range endpointNames(nc) {
			if n != "default" && n != "bridge" {
				f.Networks = append(f.Networks, n)
			}
		}
	default:
		f.Networks = []string{mode}
		for _, n := range endpointNames(nc) {
			if n != mode {
				f.Networks = append(f.Networks, n)
			}
		}
	}
	bindings := make([]string, 0, len(hc.PortBindings))
	for p, list := range hc.PortBindings {
		if !p.IsValid() {
			return f, fmt.Errorf("invalid port %q in PortBindings", p.String())
		}
		if len(list) == 0 {
			list = []dnetwork.PortBinding{{}}
		}
		for _, b := range list {
			v := p.String()
			host := b.HostPort
			if host == "0" {
				host = "" // Docker's "any free port", as testcontainers asks
			}
			ip := ""
			if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
				ip = b.HostIP.String()
			}
			switch {
			case ip != "":
				v = ip + ":" + host + ":" + v
			case host != "":
				v = host + ":" + v
			}
			bindings = append(bindings, v)
		}
	}
	sort.Strings(bindings)
	f.Publish = bindings
	return f, nil
}

// endpointNames are NetworkingConfig's networks, in a stable order.
func endpointNames(nc *dnetwork.NetworkingConfig) []string {
	if nc == nil {
		return nil
	}
	names := make([]string, 0, len(nc.EndpointsConfig))
	for n := range nc.EndpointsConfig {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// applyEndpoints gives each of the container's networks the aliases and
// the address its NetworkingConfig entry asks for.
func applyEndpoints(n *container.NetOptions, nc *dnetwork.NetworkingConfig) {
	if nc == nil {
		return
	}
	for i := range n.Networks {
		ep := nc.EndpointsConfig[n.Networks[i].Network]
		if ep == nil && n.Networks[i].Network == network.DefaultName {
			ep = nc.EndpointsConfig["bridge"]
		}
		if ep == nil {
			continue
		}
		n.Networks[i].Aliases = append(n.Networks[i].Aliases, ep.Aliases...)
		if ep.IPAMConfig != nil && ep.IPAMConfig.IPv4Address.IsValid() {
			n.Networks[i].IP = ep.IPAMConfig.IPv4Address.String()
		}
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
