package engine

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	units "github.com/docker/go-units"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/spec"
)

// Unset marks the settings a request carries a value for that the user did
// not give (a flag left at its own default: --stop-timeout's 10, --init's
// false), so containers.conf's default replaces it. Settings whose empty
// value means "not given" (a string or a list) need no mark; a front end
// that marks nothing keeps every value it sends.
type Unset struct {
	StopTimeout bool `json:"stopTimeout,omitempty"`
	Init        bool `json:"init,omitempty"`
	ReadOnly    bool `json:"readOnly,omitempty"`
	NoHosts     bool `json:"noHosts,omitempty"`
	// Network: no --network was given, so containers.conf's
	// default_network chooses the network.
	Network bool `json:"network,omitempty"`
}

// applyConfDefaults fills what the request leaves unset from containers.conf
// ([containers] and [engine] of config.ContainersConf): flags win, then the
// files. Lists that add up (annotations, ulimits, volumes) put the file's
// entries first, so the request's win where both name one key.
func applyConfDefaults(d config.ContainersConf, r *CreateRequest) error {
	o := &r.Options
	c := d.Containers
	if r.Image.Pull == "" {
		r.Image.Pull = PullPolicy(d.Engine.PullPolicy)
	}
	if r.Unset.StopTimeout {
		o.Run.StopTimeout = d.Engine.StopTimeout
	}
	if err := applyProcessDefaults(c, &o.Spec.Process, r.Unset); err != nil {
		return err
	}
	if o.Spec.Timezone == "" {
		o.Spec.Timezone = c.TZ
	}
	if err := applyImageVolumeDefault(d.Engine.ImageVolumeMode, o); err != nil {
		return err
	}
	if o.Spec.Security.DefaultCaps == nil {
		o.Spec.Security.DefaultCaps = c.DefaultCapabilities
	}
	if r.Unset.ReadOnly && c.ReadOnly {
		o.Spec.Security.ReadOnlyRootfs = true
	}
	if len(c.Annotations) > 0 {
		a, err := confKeyValues("annotations", c.Annotations)
		if err != nil {
			return err
		}
		maps.Copy(a, o.Spec.Annotations)
		o.Spec.Annotations = a
	}
	if err := applyShmSize(c.ShmSize, &o.Spec); err != nil {
		return err
	}
	if err := applyNamespaceDefaults(c, &o.Spec.Namespaces); err != nil {
		return err
	}
	// After the namespaces: containers.conf's userns decides too.
	if err := applySysctlDefaults(c.DefaultSysctls, ownNetNS(r), &o.Spec); err != nil {
		return err
	}
	if err := applyDeviceDefaults(c.Devices, &o.Spec); err != nil {
		return err
	}
	if err := applyVolumeDefaults(c.Volumes, &o.Spec); err != nil {
		return err
	}
	if err := applyLogDefaults(c, &o.Run); err != nil {
		return err
	}
	return applyNetDefaults(d, &o.Net, r.Unset)
}

func applyProcessDefaults(c config.ContainersDefaults, p *spec.ProcessOptions, unset Unset) error {
	if p.Umask == nil && c.Umask != "" {
		u, err := spec.ParseUmask(c.Umask)
		if err != nil {
			return fmt.Errorf("containers.conf: %w", err)
		}
		p.Umask = u
	}
	if len(c.DefaultUlimits) > 0 {
		p.Ulimits = append(append([]string(nil), c.DefaultUlimits...), p.Ulimits...)
	}
	if unset.Init && c.Init {
		p.Init = true
	}
	if p.InitPath == "" {
		p.InitPath = c.InitPath
	}
	return nil
}

// applySysctlDefaults puts containers.conf's default_sysctls under the
// request's --sysctl (flags win on one key). net.* keys need a network
// namespace of the container's own: Debian's file sets one for every
// container, and the host's or another container's namespace is not this
// container's to change, so there they are left out, as Podman does.
func applySysctlDefaults(list []string, ownNet bool, s *spec.Options) error {
	if len(list) == 0 {
		return nil
	}
	var keep []string
	for _, kv := range list {
		if !ownNet && strings.HasPrefix(kv, "net.") {
			continue
		}
		keep = append(keep, kv)
	}
	d, err := spec.ParseSysctls(keep)
	if err != nil {
		return fmt.Errorf("containers.conf default_sysctls: %w", err)
	}
	if len(d) == 0 {
		return nil
	}
	maps.Copy(d, s.Sysctls)
	s.Sysctls = d
	return nil
}

// ownNetNS says whether the container gets a network namespace it may
// tune: not with the host's, another container's or a namespace file, nor
// in a pod (its members share the infra container's), nor with a user
// namespace of its own (--userns keep-id, auto...): its network namespace
// is made by Roost's outer user namespace, whose files the container's
// root may not write.
func ownNetNS(r *CreateRequest) bool {
	if r.Pod != "" {
		return false
	}
	if m, err := r.Options.Spec.Namespaces.UserNSMode(); err != nil || m.Nested() {
		return false
	}
	switch r.Options.Net.Mode {
	case container.NetHost, container.NetContainer, container.NetPath:
		return false
	}
	return true
}

// applyPidsLimit gives containers.conf's pids_limit (Podman's 2048) to a
// container without --pids-limit, only where it gets a cgroup of its own
// (cgroup v2 delegated, as Podman's rule): elsewhere nothing, and no
// warning, since the user asked for no limit.
func applyPidsLimit(limit int64, s *spec.Options) {
	if !s.Cgroups || limit <= 0 {
		return
	}
	if s.Resources == nil {
		s.Resources = &spec.Resources{}
	}
	if s.Resources.PidsLimit == nil {
		n := limit
		s.Resources.PidsLimit = &n
	}
}

// withConfEnv puts containers.conf's env (PATH and TERM by default) under
// the image's, as Podman layers them: the image's variables and then the
// request's win. It is merged into the container's copy of the image
// config, so every later start and --unsetenv see one list.
func withConfEnv(env []string, img *spec.ImageConfig) {
	if len(env) == 0 {
		return
	}
	set := map[string]bool{}
	for _, kv := range img.Env {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	var out []string
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok && k != "" && !set[k] {
			out = append(out, kv)
		}
	}
	img.Env = append(out, img.Env...)
}

func applyShmSize(v string, s *spec.Options) error {
	if s.ShmSize != 0 || v == "" {
		return nil
	}
	n, err := units.RAMInBytes(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("containers.conf: invalid shm_size %q: give a size such as 64m", v)
	}
	s.ShmSize = n
	return nil
}

// applyNamespaceDefaults takes userns and the namespaces containers.conf
// shares with the host. Its private values (private, shareable) are what
// Roost does anyway, so a pod's member is not handed a mode to refuse.
func applyNamespaceDefaults(c config.ContainersDefaults, ns *spec.NamespaceOptions) error {
	if ns.UserNS == "" && len(ns.UIDMap)+len(ns.GIDMap) == 0 && c.UserNS != "host" {
		if err := spec.CheckUserNS(c.UserNS); err != nil {
			return fmt.Errorf("containers.conf: %w", err)
		}
		ns.UserNS = c.UserNS
	}
	for _, d := range []struct {
		key, conf string
		field     *string
	}{
		{"ipcns", c.IPCNS, &ns.IPC}, {"pidns", c.PidNS, &ns.PID},
		{"utsns", c.UTSNS, &ns.UTS}, {"cgroupns", c.CgroupNS, &ns.Cgroup},
	} {
		switch d.conf {
		case "", "private", "shareable":
		case "host":
			if *d.field == "" {
				*d.field = "host"
			}
		default:
			return fmt.Errorf("containers.conf: invalid %s %q: use private or host", d.key, d.conf)
		}
	}
	return nil
}

// applyVolumeDefaults mounts containers.conf's volumes (SRC:DST[:OPTS]) in
// every container, before the request's own, which may replace one by
// naming the same destination.
func applyVolumeDefaults(vols []string, s *spec.Options) error {
	var out []spec.Mount
	for _, v := range vols {
		m, err := spec.ParseVolume(v)
		if err != nil && !errors.Is(err, spec.ErrNamedVolume) {
			return fmt.Errorf("containers.conf volumes: %w", err)
		}
		if hasDestination(s.Mounts, m.Destination) {
			continue
		}
		out = append(out, m)
	}
	s.Mounts = append(out, s.Mounts...)
	return nil
}

// applyDeviceDefaults gives every container containers.conf's devices
// (as --device), before the request's; a --device for the same path in the
// container replaces the file's.
func applyDeviceDefaults(list []string, s *spec.Options) error {
	var out []spec.Device
	for _, v := range list {
		d, err := spec.ParseDevice(v)
		if err != nil {
			return fmt.Errorf("containers.conf devices: %w", err)
		}
		if !hasDevice(s.Devices, d) {
			out = append(out, d)
		}
	}
	s.Devices = append(out, s.Devices...)
	return nil
}

func hasDevice(ds []spec.Device, d spec.Device) bool {
	in := func(d spec.Device) string {
		if d.Container != "" {
			return d.Container
		}
		return d.Host
	}
	for _, x := range ds {
		if in(x) == in(d) {
			return true
		}
	}
	return false
}

func hasDestination(ms []spec.Mount, dst string) bool {
	for _, m := range ms {
		if m.Destination == dst {
			return true
		}
	}
	return false
}

func applyLogDefaults(c config.ContainersDefaults, r *container.RunOptions) error {
	if r.LogDriver == "" {
		d, err := ParseLogDriver(c.LogDriver)
		if err != nil {
			return fmt.Errorf("containers.conf: invalid log_driver %q: use k8s-file, journald or none", c.LogDriver)
		}
		r.LogDriver = d
	}
	if r.LogTag == "" {
		r.LogTag = c.LogTag
	}
	if r.LogMaxSize == 0 && c.LogSizeMax > 0 {
		r.LogMaxSize = c.LogSizeMax
	}
	return nil
}

// applyNetDefaults gives a container without DNS flags containers.conf's
// DNS (on Roost's networks too: it replaces the network's responder, as in
// Podman), and slirp4netns its options.
func applyNetDefaults(d config.ContainersConf, n *container.NetOptions, unset Unset) error {
	if err := network.CheckDefaultSubnet(d.Network.DefaultSubnet); err != nil {
		return err
	}
	// [network] default_network: the network of a container given none
	// (Podman's own name, "podman", is Roost's default network too).
	if def := d.Network.DefaultNetwork; unset.Network && def != "" && n.Mode == container.NetBridge && len(n.Networks) == 1 {
		n.Networks[0].Network = network.Canonical(def)
	}
	c := d.Containers
	if len(n.DNS) == 0 {
		n.DNS = c.DNSServers
	}
	if len(n.DNSSearch) == 0 {
		n.DNSSearch = c.DNSSearches
	}
	if len(n.DNSOptions) == 0 {
		n.DNSOptions = c.DNSOptions
	}
	if unset.NoHosts && c.NoHosts {
		n.NoHosts = true
	}
	if n.Mode == container.NetSlirp && n.Target == "" && len(d.Engine.NetworkCmdOptions) > 0 {
		n.Target = strings.Join(d.Engine.NetworkCmdOptions, ",")
		if err := network.CheckSlirpOptions(n.Target); err != nil {
			return fmt.Errorf("containers.conf: network_cmd_options: %w", err)
		}
	}
	return nil
}

func confKeyValues(key string, list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, fmt.Errorf("containers.conf: invalid %s entry %q: use KEY=VALUE", key, kv)
		}
		m[k] = v
	}
	return m, nil
}

// applyImageVolumeDefault gives a container without --image-volume
// containers.conf's image_volume_mode (bind when unset).
func applyImageVolumeDefault(mode string, o *container.CreateOptions) error {
	if o.ImageVolume != "" || mode == "" {
		return nil
	}
	switch mode {
	case "bind", "tmpfs", "ignore":
		o.ImageVolume = mode
		return nil
	}
	return fmt.Errorf("containers.conf: invalid image_volume_mode %q: use bind, tmpfs or ignore", mode)
}
