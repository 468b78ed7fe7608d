package spec

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ProcessOptions describe the container's first process.
type ProcessOptions struct {
	// Args replace the image's Cmd (the words after the image name).
	Args []string
	// Entrypoint, when not nil, replaces the image's Entrypoint and drops the
	// image's Cmd; an empty slice clears the entrypoint (--entrypoint "").
	Entrypoint *[]string
	// Env entries are KEY=VALUE, applied over the image's env; a later entry
	// wins. The caller's own environment (a bare -e KEY, --env-host) is
	// resolved into entries before the request is made (ResolveHostEnv):
	// the container gets the environment of the command that created it,
	// never that of a later start or of a server.
	Env []string
	// EnvHost records that --env-host was given (its entries are in Env).
	EnvHost bool
	// WorkDir replaces the image's WorkingDir; it must be absolute.
	WorkDir string
	// User is "name|uid[:group|gid]", resolved in the image's /etc/passwd
	// and /etc/group; it replaces the image's User.
	User string
	// GroupAdd adds supplementary groups, by name (in the image's
	// /etc/group) or number.
	GroupAdd []string
	Terminal bool
	// Ulimits are "name=soft[:hard]" (see ParseUlimit).
	Ulimits         []string
	NoNewPrivileges bool
	// Init runs an init (catatonit) as PID 1 that reaps zombies and forwards
	// signals: InitPath (default: catatonit on PATH) is bind-mounted at
	// InitMountPath and the command becomes [InitMountPath, "--", command...].
	Init        bool
	InitPath    string
	OOMScoreAdj *int
	// Unsetenv names variables of the defaults and the image's env that the
	// container does not get; UnsetenvAll drops them all (the user's -e
	// entries stay).
	Unsetenv    []string `json:",omitempty"`
	UnsetenvAll bool     `json:",omitempty"`
	// Umask is the process's umask; nil: 0022.
	Umask *uint32 `json:",omitempty"`
	// Personality is linux.personality's domain (LINUX or LINUX32); empty: none.
	Personality string `json:",omitempty"`
}

// InitMountPath is where the init binary appears in the container.
const InitMountPath = "/run/roost-init"

// containerEnv tells programs (systemd among them) that they run in a
// container. It carries Podman's value: scripts written for Podman test
// for it, and `alias podman=roost` must keep them working.
const containerEnv = "container=podman"

// defaultUmask is containers.conf's umask default.
const defaultUmask uint32 = 0o022

// rlimitDefaultMax caps the default open-files and processes limits (Podman's
// RLimitDefaultValue: the kernel's default nr_open).
const rlimitDefaultMax = 1048576

// process is the generated process and what the rest of Generate needs.
type process struct {
	spec                    *specs.Process
	root                    bool   // runs as uid 0
	initPath                string // host path of the init binary to mount, if any
	home                    string // the user's home in the container
	passwdEntry, groupEntry string
}

func (o Options) process(ns namespaces) (process, error) {
	p := process{}
	args, err := o.command()
	if err != nil {
		return p, err
	}
	cwd, err := o.cwd()
	if err != nil {
		return p, err
	}
	u, err := o.resolveUser(ns, cwd)
	if err != nil {
		return p, err
	}
	p.root = u.uid == 0
	p.home = u.home
	p.passwdEntry, p.groupEntry = u.passwdEntry, u.groupEntry

	env, err := o.env(u.home)
	if err != nil {
		return p, err
	}
	rlimits, err := o.rlimits()
	if err != nil {
		return p, err
	}

	if o.Process.Init {
		if p.initPath, err = initBinary(o.Process.InitPath); err != nil {
			return p, err
		}
		args = append([]string{InitMountPath, "--"}, args...)
	}

	umask := defaultUmask
	if o.Process.Umask != nil {
		umask = *o.Process.Umask
	}
	p.spec = &specs.Process{
		Terminal: o.Process.Terminal,
		User: specs.User{
			UID:            uint32(u.uid),
			GID:            uint32(u.gid),
			AdditionalGids: u.additional,
			Umask:          &umask,
		},
		Args:            args,
		Env:             env,
		Cwd:             cwd,
		Rlimits:         rlimits,
		NoNewPrivileges: o.Process.NoNewPrivileges,
		OOMScoreAdj:     o.Process.OOMScoreAdj,
	}
	return p, nil
}

// command joins entrypoint and command the way Podman and Docker do.
func (o Options) command() ([]string, error) {
	entrypoint := o.Image.Entrypoint
	if o.Process.Entrypoint != nil {
		entrypoint = *o.Process.Entrypoint
	}
	if len(entrypoint) == 1 && entrypoint[0] == "" {
		entrypoint = nil
	}
	cmd := o.Process.Args
	if len(cmd) == 0 && o.Process.Entrypoint == nil {
		cmd = o.Image.Cmd
	}
	args := append(append([]string{}, entrypoint...), cmd...)
	if len(args) == 0 {
		return nil, errors.New("no command specified: the image has no CMD or ENTRYPOINT; give one after the image name")
	}
	return args, nil
}

func (o Options) cwd() (string, error) {
	if w := o.Process.WorkDir; w != "" {
		c, ok := cleanAbs(w)
		if !ok {
			return "", fmt.Errorf("invalid --workdir %q: it must be an absolute path", w)
		}
		return c, nil
	}
	if w := o.Image.WorkingDir; w != "" {
		return path.Join("/", w), nil
	}
	return "/", nil
}

// envList is an environment where a later assignment replaces an earlier
// one in place.
type envList struct {
	keys []string
	vals map[string]string
}

func (e *envList) set(k, v string) {
	if e.vals == nil {
		e.vals = map[string]string{}
	}
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

func (e *envList) has(k string) bool { _, ok := e.vals[k]; return ok }

func (e *envList) list() []string {
	out := make([]string, 0, len(e.keys))
	for _, k := range e.keys {
		out = append(out, k+"="+e.vals[k])
	}
	return out
}

// env builds the environment: PATH default, image, then the user's; then HOME, HOSTNAME, TERM and container= where unset.
func (o Options) env(home string) ([]string, error) {
	var e envList
	unset := map[string]bool{}
	for _, k := range o.Process.Unsetenv {
		unset[k] = true
	}
	keep := func(k string) bool { return !o.Process.UnsetenvAll && !unset[k] }
	if keep("PATH") {
		e.set("PATH", strings.TrimPrefix(DefaultPath, "PATH="))
	}
	for _, kv := range o.Image.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" && keep(k) {
			e.set(k, v)
		}
	}
	if err := e.setUserEntries(o.Process.Env); err != nil {
		return nil, err
	}
	defaults := [][2]string{
		{"HOME", home},
		{"HOSTNAME", o.Hostname},
		{"container", strings.TrimPrefix(containerEnv, "container=")},
	}
	if o.Process.Terminal {
		defaults = append(defaults, [2]string{"TERM", "xterm"})
	}
	for _, d := range defaults {
		if d[1] != "" && !e.has(d[0]) && keep(d[0]) {
			e.set(d[0], d[1])
		}
	}
	return e.list(), nil
}

// currentRlimit reads this process's limit; a variable for tests.
var currentRlimit = func(resource int) (unix.Rlimit, error) {
	var r unix.Rlimit
	err := unix.Getrlimit(resource, &r)
	return r, err
}

// rlimits applies --ulimit over the defaults: open files and processes at
// the most this process may give (its hard limit, at most 1048576), soft
// equal to hard, as Podman does rootless. Other limits are inherited.
func (o Options) rlimits() ([]specs.POSIXRlimit, error) {
	set := map[string]specs.POSIXRlimit{}
	var order []string
	put := func(r specs.POSIXRlimit) {
		if _, ok := set[r.Type]; !ok {
			order = append(order, r.Type)
		}
		set[r.Type] = r
	}
	for _, d := range []struct {
		name     string
		resource int
	}{{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE}, {"RLIMIT_NPROC", unix.RLIMIT_NPROC}} {
		r, err := currentRlimit(d.resource)
		if err != nil {
			continue
		}
		v := min(r.Max, uint64(rlimitDefaultMax))
		put(specs.POSIXRlimit{Type: d.name, Hard: v, Soft: v})
	}
	for _, u := range o.Process.Ulimits {
		r, err := ParseUlimit(u)
		if err != nil {
			return nil, err
		}
		put(r)
	}
	out := make([]specs.POSIXRlimit, 0, len(order))
	for _, t := range order {
		out = append(out, set[t])
	}
	return out, nil
}

var rlimitNames = map[string]string{
	"as": "RLIMIT_AS", "core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU", "data": "RLIMIT_DATA",
	"fsize": "RLIMIT_FSIZE", "locks": "RLIMIT_LOCKS", "memlock": "RLIMIT_MEMLOCK",
	"msgqueue": "RLIMIT_MSGQUEUE", "nice": "RLIMIT_NICE", "nofile": "RLIMIT_NOFILE",
	"nproc": "RLIMIT_NPROC", "rss": "RLIMIT_RSS", "rtprio": "RLIMIT_RTPRIO",
	"rttime": "RLIMIT_RTTIME", "sigpending": "RLIMIT_SIGPENDING", "stack": "RLIMIT_STACK",
}

// ParseUlimit parses a --ulimit value, "name=soft[:hard]" (hard defaults to
// soft; -1 or "unlimited" means no limit), e.g. "nofile=1024:2048".
func ParseUlimit(s string) (specs.POSIXRlimit, error) {
	bad := func(why string, a ...any) (specs.POSIXRlimit, error) {
		return specs.POSIXRlimit{}, fmt.Errorf("invalid ulimit %q: %s (use name=soft[:hard], e.g. nofile=1024:2048)", s, fmt.Sprintf(why, a...))
	}
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		return bad("no '='")
	}
	typ, known := rlimitNames[strings.TrimPrefix(strings.ToLower(name), "rlimit_")]
	if !known {
		return bad("unknown limit %q", name)
	}
	softS, hardS, hasHard := strings.Cut(value, ":")
	soft, err := parseLimit(softS)
	if err != nil {
		return bad("the soft limit %q is not a number", softS)
	}
	hard := soft
	if hasHard {
		if hard, err = parseLimit(hardS); err != nil {
			return bad("the hard limit %q is not a number", hardS)
		}
	}
	if soft > hard {
		return bad("the soft limit is above the hard limit")
	}
	return specs.POSIXRlimit{Type: typ, Soft: soft, Hard: hard}, nil
}

func parseLimit(s string) (uint64, error) {
	if s == "-1" || s == "unlimited" {
		return math.MaxUint64, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// initBinary finds the init to run as PID 1.
func initBinary(given string) (string, error) {
	if given != "" {
		if _, err := os.Stat(given); err != nil {
			return "", fmt.Errorf("init binary %s: %w", given, err)
		}
		return given, nil
	}
	if p, err := exec.LookPath("catatonit"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/libexec/podman/catatonit"); err == nil {
		return "/usr/libexec/podman/catatonit", nil
	}
	return "", errors.New("--init needs catatonit: install it (apt-get install catatonit) or give its path with --init-path")
}

// setUserEntries applies --env entries, KEY=VALUE; a later entry wins. A
// bare KEY (a record made before ResolveHostEnv) has no value to give.
func (e *envList) setUserEntries(entries []string) error {
	for _, kv := range entries {
		k, v, ok := strings.Cut(kv, "=")
		if err := checkEnvName(kv, k); err != nil {
			return err
		}
		if ok {
			e.set(k, v)
		}
	}
	return nil
}

func checkEnvName(kv, k string) error {
	if k == "" {
		return fmt.Errorf("invalid environment variable %q: it has no name (use KEY=VALUE)", kv)
	}
	if strings.ContainsAny(k, " \t\n") {
		return fmt.Errorf("invalid environment variable %q: the name has white space", kv)
	}
	return nil
}

// ResolveHostEnv turns the caller's environment into explicit entries:
// with envHost all of hostEnv first, then entries, where a bare KEY takes
// hostEnv's value (and is dropped when hostEnv has none, as Podman does).
// Front ends with an environment of their own (the CLI) call it; an API
// request has none to give.
func ResolveHostEnv(entries []string, envHost bool, hostEnv []string) ([]string, error) {
	values := map[string]string{}
	for _, kv := range hostEnv {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			values[k] = v
		}
	}
	var out []string
	if envHost {
		out = append(out, hostEnv...)
	}
	for _, kv := range entries {
		k, _, ok := strings.Cut(kv, "=")
		if err := checkEnvName(kv, k); err != nil {
			return nil, err
		}
		if ok {
			out = append(out, kv)
		} else if v, set := values[k]; set {
			out = append(out, k+"="+v)
		}
	}
	return out, nil
}

// ParseUmask reads --umask: an octal mode of at most 0777.
func ParseUmask(v string) (*uint32, error) {
	n, err := strconv.ParseUint(v, 8, 32)
	if err != nil || n > 0o777 {
		return nil, fmt.Errorf("invalid umask string %s: use an octal mode such as 0022", v)
	}
	u := uint32(n)
	return &u, nil
}
