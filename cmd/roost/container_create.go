package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/descriptors"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// createFlags are the flags `create` and `run` share, as Podman names them.
type createFlags struct {
	name, workdir, user, hostname, entrypoint string
	env, envFiles, labels, annotations        []string
	volumes, mounts, tmpfs, capAdd, capDrop   []string
	securityOpts, ulimits, groupAdd, logOpts  []string
	attach                                    []string
	volumesFrom, secrets                      []string
	envHost, readOnly, readOnlyTmpfs, priv    bool
	interactive, tty, rm, init, replace       bool
	stopSignal, restart, logDriver, cidFile   string
	pull, platform, userns, shmSize           string
	pod, podIDFile                            string
	uidMap, gidMap                            []string
	subUIDName, subGIDName                    string
	sdNotify                                  string
	stopTimeout                               uint
	res                                       spec.ResourceFlags
	kernelMemory                              string
	sysctls, devices, labelFiles, unsetenv    []string
	expose, requires, chrootdirs, hostUsers   []string
	tz, umask, personality, initPath          string
	ipc, pid, uts, cgroupns                   string
	cgroups, cgroupParent, healthOnFailure    string
	pidFile, conmonPidFile, seccompPolicy     string
	imageVolume, arch, osName, variant        string
	macAddress, ip6, systemd, passwdEntry     string
	oomScoreAdj                               int
	timeout                                   uint
	preserveFDs                               uint
	unsetenvAll, httpProxy, quiet             bool
	registry                                  registryFlags
	net                                       engine.NetworkFlags
	health                                    engine.HealthFlags
}

func (f *createFlags) add(fl *pflag.FlagSet) {
	fl.SetInterspersed(false) // words after the image belong to the container's command
	fl.StringVar(&f.name, "name", "", "name of the container")
	stringArrayP(fl, &f.env, "env", "e", nil, "set an environment variable (KEY=VALUE, or KEY to copy it)")
	stringArray(fl, &f.envFiles, "env-file", nil, "read environment variables from a file")
	fl.BoolVar(&f.envHost, "env-host", false, "pass Roost's whole environment to the container")
	fl.StringVarP(&f.workdir, "workdir", "w", "", "working directory inside the container")
	fl.StringVarP(&f.user, "user", "u", "", "user[:group] to run as (name or number)")
	fl.StringVar(&f.entrypoint, "entrypoint", "", "override the image's entrypoint (\"\" clears it)")
	fl.StringVarP(&f.hostname, "hostname", "h", "", "container host name")
	stringArrayP(fl, &f.labels, "label", "l", nil, "set a label (KEY=VALUE)")
	stringArray(fl, &f.annotations, "annotation", nil, "set an OCI annotation (KEY=VALUE)")
	stringArrayP(fl, &f.volumes, "volume", "v", nil, "mount HOST-DIR or VOLUME at CONTAINER-DIR[:ro,rw,U,z,Z,nocopy,...]; CONTAINER-DIR alone: an anonymous volume")
	stringArray(fl, &f.mounts, "mount", nil, "mount: type=bind,src=...,dst=...[,ro], type=volume,src=NAME,dst=... or type=tmpfs,dst=...")
	stringArray(fl, &f.volumesFrom, "volumes-from", nil, "mount the volumes of another container: CONTAINER[:ro|rw]")
	stringArray(fl, &f.tmpfs, "tmpfs", nil, "mount a tmpfs: DIR[:OPTIONS]")
	stringArray(fl, &f.secrets, "secret", nil, "give the container a secret: NAME[,type=mount|env][,target=PATH|VAR][,uid=,gid=,mode=]")
	fl.BoolVar(&f.readOnly, "read-only", false, "mount the root filesystem read-only")
	fl.BoolVar(&f.readOnlyTmpfs, "read-only-tmpfs", true, "with --read-only, tmpfs on /run, /tmp and /var/tmp")
	stringArray(fl, &f.capAdd, "cap-add", nil, "add a capability")
	stringArray(fl, &f.capDrop, "cap-drop", nil, "drop a capability")
	fl.BoolVar(&f.priv, "privileged", false, "give every capability, no seccomp, no masked paths")
	stringArray(fl, &f.securityOpts, "security-opt", nil, "seccomp=unconfined|PATH, no-new-privileges, mask=PATHS, unmask=PATHS")
	fl.BoolVar(&f.init, "init", false, "run an init (catatonit) as PID 1")
	stringArray(fl, &f.ulimits, "ulimit", nil, "resource limit: NAME=SOFT[:HARD]")
	fl.StringVar(&f.stopSignal, "stop-signal", "", "signal that stops the container (default SIGTERM)")
	fl.UintVar(&f.stopTimeout, "stop-timeout", 10, "seconds to wait before killing on stop")
	fl.StringVar(&f.restart, "restart", "", "restart policy: no, always, on-failure[:N], unless-stopped")
	fl.StringVar(&f.logDriver, "log-driver", monitor.LogK8sFile, "log driver: k8s-file, journald, none")
	stringArray(fl, &f.logOpts, "log-opt", nil, "log option: max-size=SIZE, max-file=N")
	fl.StringVar(&f.cidFile, "cidfile", "", "write the container id to this file")
	fl.BoolVar(&f.replace, "replace", false, "replace a container of the same name")
	fl.BoolVarP(&f.interactive, "interactive", "i", false, "keep stdin open")
	stringArrayP(fl, &f.attach, "attach", "a", nil, "attach to STDIN, STDOUT or STDERR")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a pseudo-terminal")
	fl.BoolVar(&f.rm, "rm", false, "remove the container when it exits")
	fl.StringVar(&f.pull, "pull", "missing", "pull the image: always, missing, never, newer")
	fl.StringVar(&f.platform, "platform", "", "OS/ARCH of the image to pull")
	fl.StringVar(&f.userns, "userns", "", "user namespace: \"\" (Roost's), keep-id[:uid=U,gid=G], nomap, auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S] or ns:PATH")
	stringArray(fl, &f.uidMap, "uidmap", nil, "map container uids CONTAINER:HOST:SIZE, HOST being an id of the user's namespace")
	stringArray(fl, &f.gidMap, "gidmap", nil, "map container gids CONTAINER:HOST:SIZE, HOST being an id of the user's namespace")
	fl.StringVar(&f.subUIDName, "subuidname", "", "map container uids from 0 onto NAME's range in /etc/subuid")
	fl.StringVar(&f.subGIDName, "subgidname", "", "map container gids from 0 onto NAME's range in /etc/subgid")
	stringArray(fl, &f.groupAdd, "group-add", nil, "add a supplementary group")
	fl.StringVar(&f.shmSize, "shm-size", "", "size of /dev/shm (e.g. 64m)")
	fl.StringVar(&f.pod, "pod", "", "run in pod NAME, or in a new pod: new:NAME")
	fl.StringVar(&f.sdNotify, "sdnotify", "", "under a systemd unit, who says READY=1: conmon (Roost's monitor, once the container runs), container (default when created by a unit), ignore")
	addResourceFlags(fl, &f.res, &f.kernelMemory)
	f.addMore(fl)
	addNetworkFlags(fl, &f.net)
	stringArray(fl, &f.net.DNSOptions, "dns-opt", nil, "alias of --dns-option")
	_ = fl.MarkHidden("dns-opt")
	addHealthFlags(fl, &f.health)
	f.registry.add(fl)
	_ = fl.MarkHidden("cert-dir")
}

// request turns the flags into the engine's CreateRequest; args are the
// image and the container's command.
func (f *createFlags) request(cmd *cobra.Command, args []string, rootless bool, progress io.Writer) (engine.CreateRequest, []string, error) {
	r := engine.CreateRequest{Pod: f.pod, CIDFile: f.cidFile, NoImageHealthcheck: f.health.None}
	if f.quiet {
		progress = nil
	}
	platform, err := f.platformValue()
	if err != nil {
		return r, nil, err
	}
	if f.podIDFile != "" {
		if r.Pod, err = readIDFile(f.podIDFile); err != nil {
			return r, nil, err
		}
	}
	r.Image = engine.ImageRequest{Name: args[0], Pull: engine.PullPolicy(f.pull), Platform: platform, Registry: f.registry.options(cmd), Progress: progress}
	if _, err := engine.ParsePullPolicy(f.pull); err != nil {
		return r, nil, fmt.Errorf("invalid --pull %q: use always, missing, never or newer", f.pull)
	}
	fl := cmd.Flags()
	r.Given = pods.Given{
		Network:  fl.Changed("network") || fl.Changed("net"),
		Ports:    len(f.net.Publish) > 0 || f.net.PublishAll,
		Hostname: fl.Changed("hostname"),
	}
	o, warnings, err := f.options(cmd, args[1:], rootless)
	if err != nil {
		return r, nil, err
	}
	if fl.Changed("kernel-memory") {
		warnings = append(warnings, warnKernelMemory)
	}
	o.CreateArgs = createArgs(cmd, args)
	r.Options = o
	leaveToContainersConf(fl, &r)
	return r, warnings, nil
}

// options turns the flags into the container's parsed options.
func (f *createFlags) options(cmd *cobra.Command, args []string, rootless bool) (container.CreateOptions, []string, error) {
	var o container.CreateOptions
	o.Name, o.Replace, o.VolumesFrom = f.name, f.replace, f.volumesFrom
	var err error
	labels := f.labels
	for _, file := range f.labelFiles {
		lines, err := readEnvFile(file)
		if err != nil {
			return o, nil, fmt.Errorf("--label-file: %w", err)
		}
		labels = append(lines, labels...)
	}
	if o.Labels, err = keyValues("label", labels); err != nil {
		return o, nil, err
	}
	o.DependsOn = f.requires
	s := &o.Spec
	if s.Annotations, err = keyValues("annotation", f.annotations); err != nil {
		return o, nil, err
	}
	s.Hostname, s.StopSignal = f.hostname, f.stopSignal
	if f.stopSignal != "" {
		if _, err := spec.ParseStopSignal(f.stopSignal); err != nil {
			return o, nil, err
		}
	}
	if s.Process, err = f.process(cmd, args); err != nil {
		return o, nil, err
	}
	s.Security = spec.SecurityOptions{
		CapAdd: f.capAdd, CapDrop: f.capDrop, Privileged: f.priv,
		ReadOnlyRootfs: f.readOnly, NoReadOnlyTmpfs: !f.readOnlyTmpfs,
	}
	if err := spec.ApplySecurityOpts(f.securityOpts, &s.Security, &s.Process); err != nil {
		return o, nil, err
	}
	if s.Mounts, err = f.mountList(); err != nil {
		return o, nil, err
	}
	if o.Secrets, err = parseSecretRefs(f.secrets); err != nil {
		return o, nil, err
	}
	if f.shmSize != "" {
		if s.ShmSize, err = units.RAMInBytes(f.shmSize); err != nil || s.ShmSize <= 0 {
			return o, nil, fmt.Errorf("invalid --shm-size %q: give a size such as 64m", f.shmSize)
		}
	}
	ns, err := f.net.Parse(rootless)
	if err != nil {
		return o, nil, err
	}
	o.Net, o.Ports, o.PublishAll = ns.Net, ns.Ports, ns.PublishAll
	if err := f.userNamespace(&s.Namespaces); err != nil {
		return o, nil, err
	}
	if err := f.moreSpec(s); err != nil {
		return o, nil, err
	}
	if o.Expose, err = container.ParseExpose(f.expose); err != nil {
		return o, nil, err
	}
	o.ImageVolume = f.imageVolume
	if o.Run, err = f.runOptions(); err != nil {
		return o, nil, err
	}
	o.Run.Health, err = f.health.Parse()
	return o, ns.Warnings, err
}

func (f *createFlags) process(cmd *cobra.Command, args []string) (spec.ProcessOptions, error) {
	p := spec.ProcessOptions{
		Args: args, EnvHost: f.envHost, WorkDir: f.workdir, User: f.user,
		GroupAdd: f.groupAdd, Terminal: f.tty, Ulimits: f.ulimits, Init: f.init,
		InitPath: f.initPath, Unsetenv: f.unsetenv, UnsetenvAll: f.unsetenvAll,
		Personality: f.personality,
	}
	if cmd.Flags().Changed("oom-score-adj") {
		if f.oomScoreAdj < -1000 || f.oomScoreAdj > 1000 {
			return p, fmt.Errorf("invalid --oom-score-adj %d: it must be between -1000 and 1000", f.oomScoreAdj)
		}
		adj := f.oomScoreAdj
		p.OOMScoreAdj = &adj
	}
	if f.umask != "" {
		u, err := spec.ParseUmask(f.umask)
		if err != nil {
			return p, err
		}
		p.Umask = u
	}
	switch f.personality {
	case "", "LINUX", "LINUX32":
	default:
		return p, fmt.Errorf("invalid --personality %q: use LINUX or LINUX32", f.personality)
	}
	if f.workdir != "" && !strings.HasPrefix(f.workdir, "/") {
		return p, fmt.Errorf("invalid --workdir %q: it must be an absolute path", f.workdir)
	}
	for _, u := range f.ulimits {
		if _, err := spec.ParseUlimit(u); err != nil {
			return p, err
		}
	}
	if cmd.Flags().Changed("entrypoint") {
		ep := spec.ParseEntrypoint(f.entrypoint)
		p.Entrypoint = &ep
	}
	for _, file := range f.envFiles {
		vars, err := readEnvFile(file)
		if err != nil {
			return p, err
		}
		p.Env = append(p.Env, vars...)
	}
	// The container gets this command's environment for -e KEY and
	// --env-host, resolved now: a later start runs elsewhere.
	// --http-proxy: the host's proxy settings come first, so the image's
	// nothing and the user's -e win over them.
	env := p.Env
	if f.httpProxy {
		env = append(spec.ProxyEnv(os.Environ()), env...)
	}
	var err error
	p.Env, err = spec.ResolveHostEnv(append(env, f.env...), f.envHost, os.Environ())
	return p, err
}

func (f *createFlags) mountList() ([]spec.Mount, error) {
	var out []spec.Mount
	for _, v := range f.volumes {
		m, err := spec.ParseVolume(v)
		if err != nil && !errors.Is(err, spec.ErrNamedVolume) {
			return nil, err
		}
		out = append(out, m)
	}
	for _, v := range f.mounts {
		m, err := spec.ParseMount(v)
		if err != nil && !errors.Is(err, spec.ErrNamedVolume) {
			return nil, err
		}
		out = append(out, m)
	}
	for _, v := range f.tmpfs {
		m, err := spec.ParseTmpfs(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// runOptions are how the monitor runs the container; the engine fills the
// defaults (--sdnotify, runtime) and checks what spans flags.
func (f *createFlags) runOptions() (container.RunOptions, error) {
	r := container.RunOptions{StopTimeout: f.stopTimeout, Terminal: f.tty, Stdin: f.interactive, Remove: f.rm, SdNotify: f.sdNotify,
		HealthOnFailure: f.healthOnFailure, PidFile: f.pidFile, ConmonPidFile: f.conmonPidFile, Timeout: f.timeout,
		CgroupParent: f.cgroupParent, CgroupsMode: f.cgroups, PreserveFDs: int(f.preserveFDs)}
	if got := descriptors.Inherited(); r.PreserveFDs > got {
		return r, fmt.Errorf("--preserve-fds %d: descriptors 3 to %d must be open, and %d of them are", r.PreserveFDs, 2+r.PreserveFDs, got)
	}
	var err error
	if r.Restart, err = monitor.ParseRestartPolicy(f.restart); err != nil {
		return r, err
	}
	log, err := engine.ParseLogConfig(f.logDriver, f.logOpts)
	if err != nil {
		return r, err
	}
	r.LogDriver, r.LogMaxSize, r.LogMaxFiles = log.Driver, log.MaxSize, log.MaxFiles
	r.LogPath, r.LogTag = log.Path, log.Tag
	for _, p := range []*string{&r.PidFile, &r.ConmonPidFile} {
		if *p, err = absPath(*p); err != nil {
			return r, err
		}
	}
	return r, nil
}

func keyValues(flag string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, fmt.Errorf("invalid --%s %q: use KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}

// readEnvFile reads KEY=VALUE lines, skipping blanks and # comments.
func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out, sc.Err()
}
