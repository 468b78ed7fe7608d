// Package config works out where Roost keeps its files and which settings apply:
// built-in defaults, then the ecosystem's files (storage.conf, containers.conf),
// then roost.conf, then the command line.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/roost-containers/roost/pkg/events"
)

// Globals are the settings a user can give on the command line (Podman's global
// flags) or through ROOST_* environment variables.
type Globals struct {
	Root          string   // storage graph root (--root)
	RunRoot       string   // storage run root (--runroot)
	StorageDriver string   // --storage-driver
	StorageOpts   []string // --storage-opt, repeatable
	Runtime       string   // --runtime NAME|PATH
	LogLevel      string   // --log-level

	// Podman's other global flags. They are kept here for the packages
	// that act on them; see docs/compatibility.md for what each does.
	RuntimeFlags     []string // --runtime-flag, repeatable: passed to the OCI runtime as --FLAG
	CgroupManager    string   // --cgroup-manager: systemd or cgroupfs
	EventsBackend    string   // --events-backend: file, journald or none
	TmpDir           string   // --tmpdir: where per-boot state goes
	VolumePath       string   // --volumepath: where volume data lives
	HooksDirs        []string // --hooks-dir, repeatable: OCI hooks directories
	NetworkCmdPath   string   // --network-cmd-path: slirp4netns or pasta binary
	NetworkConfigDir string   // --network-config-dir
	Conmon           string   // --conmon: accepted, Roost's own monitor is used
	RegistriesConf   string   // --registries-conf: a registries.conf to use instead
	NoOut            bool     // --noout: discard standard output
}

// Config is everything the engine packages need to know about paths and settings.
type Config struct {
	Rootless bool
	UID, GID int    // the user's ids on the host (not the ones inside the namespace)
	Home     string // the user's home directory
	// UserName is the user's login name ($USER), for the passwd entry
	// --userns keep-id synthesizes; empty: the entry is named by uid.
	UserName string

	DataDir string // ~/.local/share/roost or /var/lib/roost
	RunDir  string // $XDG_RUNTIME_DIR/roost or /run/roost; tmp_dir, --tmpdir
	// HolderDir holds the namespace holder's pid file: always the default
	// RunDir, where the joining constructor looks (userns), whatever tmp_dir.
	HolderDir string
	ConfigDir string // ~/.config/roost or /etc/roost

	GraphRoot      string // containers/storage graph root
	StorageRunRoot string // containers/storage run root
	StorageDriver  string // empty: probe (see pkg/storage)
	StorageOpts    []string
	// StorageDriverSource says where StorageDriver came from, for `roost info`.
	StorageDriverSource string

	Runtime string // OCI runtime name or path; empty: choose (crun, else runc)

	// The ecosystem's files, read as Podman, Buildah and Skopeo read them.
	RegistriesConf string // empty: containers/image's default search
	PolicyPath     string // empty: containers/image's default search
	AuthFile       string // where login writes and pulls read credentials

	Conf File // the parsed roost.conf
	// NetworkIdleGrace is how long the shared network namespace and its
	// helpers outlive their last container (roost.conf [network] idle_grace).
	NetworkIdleGrace time.Duration

	// Flags are the global flags as given, for what only they decide
	// (--runtime-flag, --events-backend, --cgroup-manager...).
	Flags Globals
	// VolumePath, when set (--volumepath), is where volumes live instead
	// of beside the graph root.
	VolumePath string
	// Events says where the engine and the monitors record events.
	Events events.Options
	// ContainersConf is containers.conf as read from ContainersConfFiles (in
	// that order, over Podman's defaults): the defaults of new containers
	// and some of the engine's settings. roost.conf and flags win over it.
	ContainersConf      ContainersConf
	ContainersConfFiles []string
}

// DefaultNetworkIdleGrace: long enough for a burst of commands, short
// enough that nothing lingers for long after the user is done.
const DefaultNetworkIdleGrace = 30 * time.Second

// Load builds the configuration for the current user from defaults, the
// configuration files and the command line, in that order of precedence.
func Load(g Globals) (*Config, error) {
	c := &Config{UID: hostUID(), GID: hostGID(), UserName: os.Getenv("USER"), NetworkIdleGrace: DefaultNetworkIdleGrace}
	c.Rootless = c.UID != 0
	if err := c.setDirs(); err != nil {
		return nil, err
	}
	if err := c.loadFiles(); err != nil {
		return nil, err
	}
	c.applyGlobals(g)
	if err := c.setEvents(g); err != nil {
		return nil, err
	}
	return c, nil
}

// hostUID is the user's uid on the host. Inside Roost's user namespace getuid()
// says 0, so the uid exported before joining it wins.
func hostUID() int {
	if v, err := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_UID")); err == nil {
		return v
	}
	return os.Getuid()
}

func hostGID() int {
	if v, err := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_GID")); err == nil {
		return v
	}
	return os.Getgid()
}

func (c *Config) setDirs() error {
	if !c.Rootless {
		c.Home = os.Getenv("HOME")
		c.DataDir = "/var/lib/roost"
		c.RunDir = "/run/roost"
		c.HolderDir = c.RunDir
		c.ConfigDir = "/etc/roost"
		c.GraphRoot = filepath.Join(c.DataDir, "storage")
		c.StorageRunRoot = filepath.Join(c.RunDir, "storage")
		c.AuthFile = authFileDefault("/run")
		return nil
	}
	home := os.Getenv("HOME")
	if home == "" {
		return fmt.Errorf("HOME is not set: set it to your home directory")
	}
	c.Home = home
	c.DataDir = envDir("XDG_DATA_HOME", filepath.Join(home, ".local", "share"), "roost")
	c.ConfigDir = envDir("XDG_CONFIG_HOME", filepath.Join(home, ".config"), "roost")
	rt, err := RuntimeDir(c.UID)
	if err != nil {
		return err
	}
	c.RunDir = filepath.Join(rt, "roost")
	c.HolderDir = c.RunDir
	c.GraphRoot = filepath.Join(c.DataDir, "storage")
	c.StorageRunRoot = filepath.Join(c.RunDir, "storage")
	c.AuthFile = authFileDefault(rt)
	return nil
}

func envDir(env, fallback, name string) string {
	if v := os.Getenv(env); v != "" && filepath.IsAbs(v) {
		return filepath.Join(v, name)
	}
	return filepath.Join(fallback, name)
}

// RuntimeDir returns $XDG_RUNTIME_DIR, which must exist and belong to the user:
// Roost keeps sockets and the namespace holder's pid there.
func RuntimeDir(uid int) (string, error) {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return "", fmt.Errorf("XDG_RUNTIME_DIR is not set: log in through a session that sets it (e.g. `loginctl enable-linger`), or export XDG_RUNTIME_DIR=/run/user/%d", uid)
	}
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("XDG_RUNTIME_DIR %q is not an absolute path", dir)
	}
	return dir, nil
}

// authFileDefault is where the ecosystem keeps credentials: REGISTRY_AUTH_FILE if
// set, else $XDG_RUNTIME_DIR/containers/auth.json.
func authFileDefault(runtimeDir string) string {
	if v := os.Getenv("REGISTRY_AUTH_FILE"); v != "" {
		return v
	}
	return filepath.Join(runtimeDir, "containers", "auth.json")
}

func (c *Config) applyGlobals(g Globals) {
	confEngineGlobals(c.ContainersConf.Engine, &g)
	if g.TmpDir != "" {
		c.moveRunDir(absPath(g.TmpDir))
	}
	if g.Root != "" {
		c.GraphRoot = absPath(g.Root)
		// Two graph roots must never share one run root: storage keeps mount
		// counts there. Derive a run root of its own unless one was given.
		if g.RunRoot == "" && c.Conf.Storage.RunRoot == "" {
			sum := sha256.Sum256([]byte(c.GraphRoot))
			c.StorageRunRoot = filepath.Join(c.RunDir, "storage-"+hex.EncodeToString(sum[:])[:12])
		}
	}
	if g.RunRoot != "" {
		c.StorageRunRoot = absPath(g.RunRoot)
	}
	if g.StorageDriver != "" {
		c.StorageDriver = g.StorageDriver
		c.StorageDriverSource = "--storage-driver"
	}
	if len(g.StorageOpts) > 0 {
		c.StorageOpts = append([]string(nil), g.StorageOpts...)
	}
	if g.Runtime != "" {
		c.Runtime = g.Runtime
	}
	c.Flags = g
	if g.RegistriesConf != "" {
		c.RegistriesConf = absPath(g.RegistriesConf)
	}
	if g.VolumePath != "" {
		c.VolumePath = absPath(g.VolumePath)
	}
}

// confEngineGlobals gives the global flags containers.conf's [engine] has
// a key for their value from there when the flag was not given, so the
// file's setting and the flag are one switch.
func confEngineGlobals(e EngineDefaults, g *Globals) {
	if g.CgroupManager == "" {
		g.CgroupManager = e.CgroupManager
	}
	if g.VolumePath == "" {
		g.VolumePath = e.VolumePath
	}
	if g.TmpDir == "" {
		g.TmpDir = e.TmpDir
	}
}

// moveRunDir puts the per-boot state (--tmpdir, containers.conf's tmp_dir,
// Podman's libpod tmp dir) in dir: the containers' run directories, locks,
// network namespaces, events. The user's one namespace holder stays where
// every command finds it (HolderDir), and so does storage's run root: its
// mount counts belong with that namespace.
func (c *Config) moveRunDir(dir string) {
	c.RunDir = dir
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// StateDB is the path of the state database for this graph root.
func (c *Config) StateDB() string {
	return filepath.Join(c.GraphRoot, "roost-state.db")
}
