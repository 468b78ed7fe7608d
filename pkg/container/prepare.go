package container

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/seccomp"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/userns"
)

// prepare mounts the container's root filesystem, writes the files Roost
// provides (/etc/hosts, /etc/hostname, /etc/resolv.conf), generates the OCI
// spec and writes the bundle. It runs at create and again at every start, so
// a container always starts from its recorded options.
func (e *Engine) prepare(c *Container) (*spec.Result, error) {
	rootfs, err := e.Store.Mount(c.ID, "")
	if err != nil {
		return nil, fmt.Errorf("mount container %s: %w", c.ID[:12], err)
	}
	dir := e.runDir(c.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	o := c.Spec
	o.Rootfs = rootfs
	if o.Hostname == "" {
		o.Hostname = c.ID[:12]
	}
	if o.Namespaces.Network, err = e.specNetwork(c); err != nil {
		return nil, err
	}
	if o.HostFiles, err = writeHostFiles(dir, c, o.Hostname, e.resolvers(c), e.hostsBase()); err != nil {
		return nil, err
	}
	if o.HostFiles.ContainerEnv, err = writeContainerEnv(dir, c); err != nil {
		return nil, err
	}
	if err := e.joinPod(c, &o); err != nil {
		return nil, err
	}
	o.IDs = e.ids()
	if o.Cgroups && o.CgroupsPath == "" {
		o.CgroupsPath = e.cgroupsPath(c)
	}
	e.releaseImageMounts(c.ID) // a previous run's, should its cleanup have missed them
	if o.Mounts, err = e.volumeMounts(c, true); err != nil {
		return nil, err
	}
	secretMounts, placed, err := e.placeSecrets(c, dir)
	if err != nil {
		return nil, err
	}
	o.Mounts = append(o.Mounts, secretMounts...)
	res, err := spec.Generate(o)
	if errors.Is(err, spec.ErrNoHostUser) {
		// Podman looks the user up when the container starts: a start error.
		return nil, &monitor.StartError{Msg: err.Error(), Err: err}
	}
	if err != nil {
		return nil, err
	}
	if err := fixSecrets(dir, placed, res.Spec); err != nil {
		return nil, fmt.Errorf("secrets of %s: %w", c.Name, err)
	}
	if err := e.secretEnv(c, res.Spec); err != nil {
		return nil, err
	}
	if err := completeRootfs(rootfs, res, c.Spec.Process.WorkDir, c.ID, c.Labels[BuildLabel] == ""); err != nil {
		return nil, err
	}
	if err := e.fillVolumes(c, rootfs, res.Spec); err != nil {
		return nil, err
	}
	if err := permitRoot(res.Spec); err != nil {
		return nil, err
	}
	e.precompileSeccomp(c, res.Spec)
	if err := e.offerNotifySocket(c, dir, res.Spec); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(res.Spec, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encode spec: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	return res, nil
}

// ids describes Roost's namespace for keep-id: the user is 0 inside it and
// the subordinate ids follow.
func (e *Engine) ids() spec.IDs {
	ids := spec.IDs{HostUID: e.Cfg.UID, HostGID: e.Cfg.GID, HomeDir: e.Cfg.Home, UserName: e.Cfg.UserName}
	uids, gids, err := userns.CurrentMappings()
	if err != nil {
		return ids
	}
	ids.SubUIDSize, ids.SubGIDSize = mappedAbove(uids), mappedAbove(gids)
	return ids
}

// mappedAbove counts the ids mapped besides 0.
func mappedAbove(maps []userns.IDMap) int {
	n := 0
	for _, m := range maps {
		n += m.Size
	}
	if n > 0 {
		n--
	}
	return n
}

// writeHostFiles writes the container's hostname, hosts and resolv.conf in
// its run directory; the spec bind-mounts them. With --network host the
// host's own files say the truth; with --no-hosts the image's /etc/hosts stays.
func writeHostFiles(dir string, c *Container, hostname string, resolvers []string, base hostsBase) (spec.HostFiles, error) {
	f := spec.HostFiles{
		Hostname:   filepath.Join(dir, "hostname"),
		Hosts:      filepath.Join(dir, "hosts"),
		ResolvConf: filepath.Join(dir, "resolv.conf"),
	}
	mode := c.Net.Mode
	if mode == "" {
		mode = c.Spec.Namespaces.Network
	}
	if mode == NetHost {
		f.Hosts = "/etc/hosts"
		if len(c.Net.DNS) == 0 && len(c.Net.DNSSearch) == 0 && len(c.Net.DNSOptions) == 0 {
			f.ResolvConf = "/etc/resolv.conf" // else --dns and co. are written, as in Podman
		}
	}
	if c.Net.NoHosts {
		f.Hosts = ""
	}
	files := map[string]string{f.Hostname: hostname + "\n", f.Hosts: hostsFile(c, hostname, base), f.ResolvConf: resolvConf(c, resolvers)}
	for path, data := range files {
		if strings.HasPrefix(path, dir) {
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				return f, fmt.Errorf("write %s: %w", filepath.Base(path), err)
			}
		}
	}
	return f, nil
}

// hostsFile: the base file's entries (containers.conf's base_hosts_file),
// localhost, --add-host, the host as host.containers.internal, and the
// container's own addresses under its hostname and name unless the base
// file names it already.
func hostsFile(c *Container, hostname string, base hostsBase) string {
	var b strings.Builder
	named := map[string]bool{}
	for _, e := range base.Entries {
		b.WriteString(e[0] + "\t" + e[1] + "\n")
		for _, n := range strings.Fields(e[1]) {
			named[n] = true
		}
	}
	b.WriteString("127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost localhost.localdomain\n")
	for _, h := range c.Net.AddHosts {
		name, ip, _ := strings.Cut(h, ":")
		fmt.Fprintf(&b, "%s\t%s\n", ip, name)
	}
	if hostAddr := cmp.Or(base.HostIP, c.Net.HostAddr); hostAddr != "" {
		fmt.Fprintf(&b, "%s\thost.containers.internal host.docker.internal\n", hostAddr)
	}
	if named[hostname] || (c.Name != "" && named[c.Name]) {
		return b.String()
	}
	names := hostname // and the name, even when the same, as Podman writes them
	if c.Name != "" {
		names += " " + c.Name
	}
	switch {
	case len(c.Net.Attached) > 0:
		for _, a := range c.Net.Attached {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, names)
		}
	case c.Net.Mode == NetSlirp:
		fmt.Fprintf(&b, "%s\t%s\n", network.SlirpGuest(c.Net.Target), names)
	default:
		fmt.Fprintf(&b, "127.0.1.1\t%s\n", names)
	}
	return b.String()
}

// resolvConf: the nameservers chosen for the mode (or --dns), and the
// host's search domains and options unless --dns-search/--dns-option say.
func resolvConf(c *Container, resolvers []string) string {
	var b strings.Builder
	search, opts := c.Net.DNSSearch, c.Net.DNSOptions
	if len(search) == 0 {
		search = resolvLines("search")
		if servesNames(c, resolvers) {
			// As Podman: members' short names resolve under its domain too.
			search = append([]string{network.DNSDomain}, search...)
		}
	}
	if len(opts) == 0 {
		opts = resolvLines("options")
	}
	if len(search) > 0 && !(len(search) == 1 && search[0] == ".") {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	for _, ns := range resolvers {
		fmt.Fprintf(&b, "nameserver %s\n", ns)
	}
	if len(opts) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(opts, " "))
	}
	return b.String()
}

// servesNames says whether a network's own DNS responder answers the
// container: one of its nameservers is the gateway of a network it is on.
func servesNames(c *Container, resolvers []string) bool {
	for _, a := range c.Net.Attached {
		if slices.Contains(resolvers, a.Gateway) {
			return true
		}
	}
	return false
}

// completeRootfs makes what the runtime needs inside the rootfs: the working
// directory, and the passwd and group lines of a user the image does not know.
// A --workdir the user gave is not made up, as in Podman: it must exist in the
// image or lie in a mount.
func completeRootfs(rootfs string, res *spec.Result, userWorkdir, id string, mtab bool) error {
	cwd, err := securejoin.SecureJoin(rootfs, res.Spec.Process.Cwd)
	if err != nil {
		return fmt.Errorf("working directory %s: %w", res.Spec.Process.Cwd, err)
	}
	if _, err := os.Stat(cwd); err != nil && userWorkdir != "" && !inMount(res.Spec.Process.Cwd, res.Spec.Mounts) {
		// A start error: Podman reports it when the container starts (126).
		return &monitor.StartError{Msg: fmt.Sprintf("workdir %q does not exist on container %s", userWorkdir, id)}
	}
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		return fmt.Errorf("create working directory %s: %w", res.Spec.Process.Cwd, err)
	}
	for file, line := range map[string]string{"/etc/passwd": res.PasswdEntry, "/etc/group": res.GroupEntry} {
		if line == "" {
			continue
		}
		if err := appendLine(rootfs, file, line); err != nil {
			return err
		}
	}
	if mtab {
		return ensureMtab(rootfs)
	}
	return nil
}

// BuildLabel marks the containers of a build's RUN steps: their root
// filesystem becomes a layer, so nothing is added to it for convenience.
const BuildLabel = "io.roost.build"

// ensureMtab links /etc/mtab to /proc/mounts when the image has none, as
// Podman does: tools such as df and mount read it.
func ensureMtab(rootfs string) error {
	p, err := securejoin.SecureJoin(rootfs, "/etc/mtab")
	if err != nil {
		return nil
	}
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		return nil
	}
	if info, err := os.Stat(filepath.Dir(p)); err != nil || !info.IsDir() {
		return nil
	}
	if err := os.Symlink("/proc/mounts", p); err != nil {
		return fmt.Errorf("create /etc/mtab: %w", err)
	}
	return nil
}

func appendLine(rootfs, file, line string) error {
	path, err := securejoin.SecureJoin(rootfs, file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	old, _ := os.ReadFile(path)
	if strings.Contains(string(old), line) {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("add user to %s: %w", file, err)
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("add user to %s: %w", file, err)
	}
	return nil
}

// crunSeccompBPF is crun's annotation for a seccomp program compiled in
// advance (base64): crun then loads it instead of compiling the profile.
const crunSeccompBPF = "run.oci.seccomp_bpf_data"

// precompileSeccomp hands crun the container's seccomp program compiled once
// (pkg/seccomp, cached in the run directory) instead of letting it compile
// the same profile at every start. The profile stays in the spec, so runc,
// or crun without the annotation, get exactly the same filter. Without
// libseccomp here, or with the user's own annotation, nothing changes.
func (e *Engine) precompileSeccomp(c *Container, s *specs.Spec) {
	if filepath.Base(c.Run.Runtime) != "crun" || s.Linux == nil || s.Linux.Seccomp == nil {
		return
	}
	if _, set := s.Annotations[crunSeccompBPF]; set {
		return
	}
	prog, err := seccomp.CompileCached(filepath.Join(e.Cfg.RunDir, "seccomp"), s.Linux.Seccomp)
	if err != nil {
		return // crun compiles the profile itself, as without this
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[crunSeccompBPF] = base64.StdEncoding.EncodeToString(prog)
}

// cgroupsPath is the container's own cgroup: for a rootless user under the
// delegated user@UID.service (the only subtree the user may write), for
// root under roost/; --cgroup-parent replaces the parent.
func (e *Engine) cgroupsPath(c *Container) string {
	parent := c.Run.CgroupParent
	if parent == "" {
		parent = e.DefaultCgroupParent()
	}
	return filepath.Join(parent, "roost-"+c.ID)
}

// DefaultCgroupParent is where containers' cgroups go without
// --cgroup-parent (and pods' with --share-parent): on cgroup v2 the rootless
// user may write only under the delegated user@UID.service.
func (e *Engine) DefaultCgroupParent() string {
	if e.Cfg.Rootless {
		return fmt.Sprintf("/user.slice/user-%d.slice/user@%d.service/user.slice", e.Cfg.UID, e.Cfg.UID)
	}
	return "/roost"
}

// inMount says whether dir is a mount's destination, below one, or above
// one (the runtime makes the directories leading to a mount).
func inMount(dir string, mounts []specs.Mount) bool {
	dir = path.Clean(dir)
	for _, m := range mounts {
		d := path.Clean(m.Destination)
		if dir == d || strings.HasPrefix(dir, strings.TrimSuffix(d, "/")+"/") || strings.HasPrefix(d, strings.TrimSuffix(dir, "/")+"/") {
			return true
		}
	}
	return false
}
