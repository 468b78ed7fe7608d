package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// ContainersConf is containers.conf, the file Podman, Buildah and Skopeo
// share: the keys of [containers], [engine] and [network] that Roost uses.
// Every other key of Podman's files is ignored, as Podman ignores keys it
// does not know. Values start at Podman's built-in defaults and each file
// read replaces the keys it sets (ReadContainersConf).
type ContainersConf struct {
	Containers ContainersDefaults `toml:"containers"`
	Engine     EngineDefaults     `toml:"engine"`
	Network    NetworkDefaults    `toml:"network"`
}

// ContainersDefaults is [containers]: what a new container gets unless its
// create request says otherwise.
type ContainersDefaults struct {
	Annotations         []string `toml:"annotations"` // KEY=VALUE
	BaseHostsFile       string   `toml:"base_hosts_file"`
	CgroupNS            string   `toml:"cgroupns"`
	DefaultCapabilities []string `toml:"default_capabilities"`
	DefaultSysctls      []string `toml:"default_sysctls"` // KEY=VALUE
	DefaultUlimits      []string `toml:"default_ulimits"` // NAME=SOFT[:HARD]
	Devices             []string `toml:"devices"`
	DNSOptions          []string `toml:"dns_options"`
	DNSSearches         []string `toml:"dns_searches"`
	DNSServers          []string `toml:"dns_servers"`
	Env                 []string `toml:"env"`
	EnvHost             bool     `toml:"env_host"`
	// HostContainersInternalIP is the address host.containers.internal
	// names in /etc/hosts; empty: the host's address as Roost sees it.
	HostContainersInternalIP string   `toml:"host_containers_internal_ip"`
	HTTPProxy                bool     `toml:"http_proxy"`
	Init                     bool     `toml:"init"`
	InitPath                 string   `toml:"init_path"`
	IPCNS                    string   `toml:"ipcns"`
	Label                    bool     `toml:"label"`
	LogDriver                string   `toml:"log_driver"`
	LogSizeMax               int64    `toml:"log_size_max"` // bytes; -1: no limit
	LogTag                   string   `toml:"log_tag"`
	NetNS                    string   `toml:"netns"`
	NoHosts                  bool     `toml:"no_hosts"`
	PidNS                    string   `toml:"pidns"`
	PidsLimit                int64    `toml:"pids_limit"`
	ReadOnly                 bool     `toml:"read_only"`
	ShmSize                  string   `toml:"shm_size"`
	TZ                       string   `toml:"tz"`
	Umask                    string   `toml:"umask"`
	UserNS                   string   `toml:"userns"`
	UTSNS                    string   `toml:"utsns"`
	Volumes                  []string `toml:"volumes"`
}

// EngineDefaults is [engine]: how Roost itself works.
type EngineDefaults struct {
	CgroupManager     string   `toml:"cgroup_manager"`
	Env               []string `toml:"env"` // set in Roost's own environment
	EventsLogger      string   `toml:"events_logger"`
	EventsLogFilePath string   `toml:"events_logfile_path"`
	// EventsLogFileMaxSize is bytes, a number or a size such as "1m";
	// 0: no limit (read by setEvents, as roost.conf's is).
	EventsLogFileMaxSize any    `toml:"events_logfile_max_size"`
	ImageParallelCopies  uint   `toml:"image_parallel_copies"`
	ImageVolumeMode      string `toml:"image_volume_mode"`
	InfraImage           string `toml:"infra_image"`
	// NetworkCmdOptions are slirp4netns's options for --network slirp4netns
	// given without any.
	NetworkCmdOptions []string `toml:"network_cmd_options"`
	PullPolicy        string   `toml:"pull_policy"`
	// Runtime is a name (a key of Runtimes, else a program on PATH) or a path.
	Runtime string `toml:"runtime"`
	// Runtimes maps a runtime's name to the paths where it may be found.
	Runtimes    map[string][]string `toml:"runtimes"`
	StaticDir   string              `toml:"static_dir"`
	StopTimeout uint                `toml:"stop_timeout"`
	TmpDir      string              `toml:"tmp_dir"`
	VolumePath  string              `toml:"volume_path"`
}

// NetworkDefaults is [network].
type NetworkDefaults struct {
	DefaultNetwork   string `toml:"default_network"`
	DefaultSubnet    string `toml:"default_subnet"`
	NetworkConfigDir string `toml:"network_config_dir"`
}

// DefaultContainersConf is Podman 4.3's built-in configuration, before any
// file is read, for the keys Roost uses. Runtime and DefaultNetwork stay
// empty: Roost chooses its runtime itself and names its own default network.
func DefaultContainersConf() ContainersConf {
	return ContainersConf{
		Containers: ContainersDefaults{
			CgroupNS: "private",
			DefaultCapabilities: []string{
				"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
				"SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
			},
			Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
			HTTPProxy:  true,
			IPCNS:      "shareable",
			LogDriver:  "k8s-file",
			LogSizeMax: -1,
			NetNS:      "private",
			PidNS:      "private",
			PidsLimit:  2048,
			ShmSize:    "65536k",
			Umask:      "0022",
			UserNS:     "host",
			UTSNS:      "private",
		},
		Engine: EngineDefaults{
			PullPolicy:  "missing",
			StopTimeout: 10,
		},
	}
}

// ContainersConfSources are where containers.conf files are looked for;
// ContainersConfFiles turns them into the list of files to read.
type ContainersConfSources struct {
	// Env is $CONTAINERS_CONF: when set, that one file replaces every other.
	Env string
	// Override is $CONTAINERS_CONF_OVERRIDE, read after everything else.
	Override string
	// System are the system-wide files, lowest first; a FILE.d directory
	// beside the last one adds its *.conf files.
	System []string
	// User is the user's file (empty as root); USER.d adds *.conf files.
	User string
}

// containersConfSources are the places Podman 4.3 reads, for this user.
func (c *Config) containersConfSources() ContainersConfSources {
	s := ContainersConfSources{
		Env:      os.Getenv("CONTAINERS_CONF"),
		Override: os.Getenv("CONTAINERS_CONF_OVERRIDE"),
		System:   []string{"/usr/share/containers/containers.conf", "/etc/containers/containers.conf"},
	}
	if c.Rootless {
		s.User = filepath.Join(c.ContainersConfDir(), "containers.conf")
	}
	return s
}

// ContainersConfFiles lists the files to read, lowest precedence first:
// only $CONTAINERS_CONF when set (it must exist, as in Podman 4.3);
// otherwise the system files, /etc's containers.conf.d/*.conf, the user's
// file and its containers.conf.d/*.conf, each only if present; then
// $CONTAINERS_CONF_OVERRIDE, which must exist when set.
func ContainersConfFiles(s ContainersConfSources) ([]string, error) {
	var files []string
	if s.Env != "" {
		if _, err := os.Stat(s.Env); err != nil {
			return nil, fmt.Errorf("CONTAINERS_CONF names %s, which cannot be read: %w", s.Env, errors.Unwrap(err))
		}
		files = append(files, s.Env)
	} else {
		for _, f := range s.System {
			files = appendIfExists(files, f)
		}
		if n := len(s.System); n > 0 {
			files = append(files, confDir(s.System[n-1]+".d")...)
		}
		if s.User != "" {
			files = appendIfExists(files, s.User)
			files = append(files, confDir(s.User+".d")...)
		}
	}
	if s.Override != "" {
		if _, err := os.Stat(s.Override); err != nil {
			return nil, fmt.Errorf("CONTAINERS_CONF_OVERRIDE names %s, which cannot be read: %w", s.Override, errors.Unwrap(err))
		}
		files = append(files, s.Override)
	}
	return files, nil
}

func appendIfExists(files []string, path string) []string {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return append(files, path)
	}
	return files
}

// confDir lists DIR/*.conf in lexical order; a missing directory has none.
func confDir(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// ReadContainersConf reads files in order over Podman's defaults: a later
// file replaces each key it sets, whole (a list is not appended to).
func ReadContainersConf(files []string) (ContainersConf, error) {
	conf := DefaultContainersConf()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return conf, fmt.Errorf("read %s: %w", f, errors.Unwrap(err))
		}
		if err := conf.decode(f, string(data)); err != nil {
			return conf, err
		}
	}
	return conf, nil
}

// decode merges one file's text into conf, as Podman decodes each file
// into the same struct: a key the file sets replaces the value (a list
// whole), a table such as [engine.runtimes] adds its names to the map.
func (conf *ContainersConf) decode(path, text string) error {
	if _, err := toml.Decode(text, conf); err != nil {
		return confSyntaxError(path, err)
	}
	return nil
}

// tomlLine finds the line in the library's messages that are not a
// ParseError ("toml: line 3 (last key "containers.env"): incompatible
// types..."): the one place its error text is read.
var tomlLine = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

// ConfError is a containers.conf file that cannot be used: File:Line says
// where (Line 0: unknown), Key which key, Msg what is wrong.
type ConfError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *ConfError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	key := ""
	if e.Key != "" {
		key = fmt.Sprintf(" (key %s)", e.Key)
	}
	return fmt.Sprintf("%s: invalid containers.conf: %s%s: fix or remove that line", where, e.Msg, key)
}

func confSyntaxError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &ConfError{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: oneLine(pe.Message)}
	}
	if m := tomlLine.FindStringSubmatch(oneLine(err.Error())); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfError{File: path, Line: line, Key: m[2], Msg: m[3]}
	}
	return &ConfError{File: path, Msg: oneLine(strings.TrimPrefix(err.Error(), "toml: "))}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// loadContainersConf reads the user's containers.conf files into c and
// applies [engine] env to this process's environment, as Podman does, so
// that pulls see a proxy set there.
func (c *Config) loadContainersConf() error {
	files, err := ContainersConfFiles(c.containersConfSources())
	if err != nil {
		return err
	}
	conf, err := ReadContainersConf(files)
	if err != nil {
		return err
	}
	c.ContainersConf, c.ContainersConfFiles = conf, files
	for _, kv := range conf.Engine.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("containers.conf [engine] env %q: %w", kv, err)
			}
		}
	}
	if conf.Engine.Runtime != "" {
		c.Runtime = c.runtimeFromConf(conf.Engine)
	}
	return nil
}

// runtimeFromConf resolves [engine] runtime through [engine.runtimes]: the
// first path listed for that name that exists, else the name itself (found
// on PATH later, or refused there with the name in the message).
func (c *Config) runtimeFromConf(e EngineDefaults) string {
	for _, p := range e.Runtimes[e.Runtime] {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return e.Runtime
}
