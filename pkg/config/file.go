package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"
	storageconf "go.podman.io/storage/pkg/config"
	storagetypes "go.podman.io/storage/types"
)

// File is roost.conf: Roost's own settings, TOML like containers.conf.
type File struct {
	Engine struct {
		Runtime string `toml:"runtime"`
		// Events: containers.conf's names. EventsLogfileMaxSize is bytes,
		// a number or a size such as "1m"; 0 never cuts the log.
		EventsLogger         string `toml:"events_logger"`
		EventsLogfilePath    string `toml:"events_logfile_path"`
		EventsLogfileMaxSize any    `toml:"events_logfile_max_size"`
	} `toml:"engine"`
	Storage struct {
		Driver    string   `toml:"driver"`
		Options   []string `toml:"options"`
		GraphRoot string   `toml:"graphroot"`
		RunRoot   string   `toml:"runroot"`
	} `toml:"storage"`
	Network struct {
		Backend string `toml:"backend"` // slirp4netns or pasta
		// IdleGrace: how long the shared network namespace and its helpers
		// outlive their last container, a Go duration ("30s"; "0" none).
		IdleGrace string `toml:"idle_grace"`
	} `toml:"network"`
}

// ConfPath is where roost.conf is read from.
func (c *Config) ConfPath() string {
	if v := os.Getenv("ROOST_CONF"); v != "" {
		return v
	}
	return filepath.Join(c.ConfigDir, "roost.conf")
}

// ContainersConfDir is where the ecosystem's files live for this user.
func (c *Config) ContainersConfDir() string {
	if !c.Rootless {
		return "/etc/containers"
	}
	return envDir("XDG_CONFIG_HOME", filepath.Join(c.Home, ".config"), "containers")
}

func (c *Config) loadFiles() error {
	if err := c.loadStorageConf(); err != nil {
		return err
	}
	if err := c.loadContainersConf(); err != nil {
		return err
	}
	path := c.ConfPath()
	md, err := toml.DecodeFile(path, &c.Conf)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return fmt.Errorf("%s: unknown setting %q: see docs/roost.conf.md for the settings Roost reads", path, keys[0].String())
	}
	s := c.Conf.Storage
	if s.Driver != "" {
		c.StorageDriver, c.StorageDriverSource = s.Driver, path
	}
	if len(s.Options) > 0 {
		c.StorageOpts = append([]string(nil), s.Options...)
	}
	if s.GraphRoot != "" {
		c.GraphRoot = s.GraphRoot
	}
	if s.RunRoot != "" {
		c.StorageRunRoot = s.RunRoot
	}
	if c.Conf.Engine.Runtime != "" {
		c.Runtime = c.Conf.Engine.Runtime
	}
	return c.readIdleGrace(path)
}

// readIdleGrace checks [network] idle_grace; absent keeps the default.
func (c *Config) readIdleGrace(path string) error {
	v := c.Conf.Network.IdleGrace
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if v == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		return fmt.Errorf("%s: invalid [network] idle_grace %q: give a duration such as \"30s\", or \"0\" for none", path, v)
	}
	c.NetworkIdleGrace = d
	return nil
}

// loadStorageConf honours the driver and its options from the ecosystem's
// storage.conf. Its graphroot is Podman's storage, not Roost's, so it is not used.
func (c *Config) loadStorageConf() error {
	path := os.Getenv("CONTAINERS_STORAGE_CONF")
	if path == "" {
		path = filepath.Join(c.ContainersConfDir(), "storage.conf")
	}
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	// storage's own loader merges every storage.conf it finds, the system's
	// too; Roost reads the user's one file, so it decodes that file itself
	// into storage's table and lets storage spell the driver options.
	var file storagetypes.TomlConfig
	if _, err := toml.DecodeFile(path, &file); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if d := file.Storage.Driver; d != "" {
		if d == "overlay2" {
			d = "overlay"
		}
		c.StorageDriver, c.StorageDriverSource = d, path
	}
	if opts := storageconf.GetGraphDriverOptions(file.Storage.Options); len(opts) > 0 {
		c.StorageOpts = opts
	}
	return nil
}
