package engine

import (
	"fmt"
	"strconv"
	"strings"

	units "github.com/docker/go-units"

	"github.com/roost-containers/roost/pkg/monitor"
)

// LogConfig is where a container's output goes and how much of it is kept.
type LogConfig struct {
	Driver   string // monitor.LogK8sFile, LogJournald or LogNone
	MaxSize  int64  // bytes per file; 0: unbounded
	MaxFiles int    // files kept when MaxSize is set
	Tag      string // --log-opt tag=
	Path     string // --log-opt path=: the k8s-file log's place
}

// ParseLogDriver reads --log-driver, compose's logging.driver and an API's
// LogConfig.Type. Docker's json-file (and compose's local) keep a file
// per container as k8s-file does, so they mean k8s-file here, as in Podman.
func ParseLogDriver(name string) (string, error) {
	switch name {
	case "", monitor.LogK8sFile, "json-file", "local":
		return monitor.LogK8sFile, nil
	case monitor.LogJournald, monitor.LogNone:
		return name, nil
	}
	return "", fmt.Errorf("invalid --log-driver %q: use k8s-file, journald or none", name)
}

// ParseLogConfig reads a driver and its KEY=VALUE options (--log-opt).
func ParseLogConfig(driver string, opts []string) (LogConfig, error) {
	d, err := ParseLogDriver(driver)
	if err != nil {
		return LogConfig{}, err
	}
	c := LogConfig{Driver: d}
	for _, opt := range opts {
		if err := c.apply(opt); err != nil {
			return LogConfig{}, err
		}
	}
	if c.MaxSize > 0 && c.MaxFiles == 0 {
		c.MaxFiles = 1
	}
	return c, nil
}

func (c *LogConfig) apply(opt string) error {
	k, v, _ := strings.Cut(opt, "=")
	switch k {
	case "max-size":
		n, err := units.FromHumanSize(v) // decimal (10m = 10,000,000), as Podman reads it and inspect shows it
		if err != nil || n <= 0 {
			return fmt.Errorf("invalid --log-opt %q: give a size such as 10m", opt)
		}
		c.MaxSize = n
	case "tag":
		c.Tag = v
	case "path":
		if !strings.HasPrefix(v, "/") {
			return fmt.Errorf("invalid --log-opt %q: the log path must be absolute", opt)
		}
		c.Path = v
	case "max-file":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("invalid --log-opt %q: give a number of files, at least 1", opt)
		}
		c.MaxFiles = n
	default:
		return fmt.Errorf("invalid --log-opt %q: use max-size=SIZE, max-file=N, tag=TAG or path=FILE", opt)
	}
	return nil
}
