package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/roost-containers/roost/pkg/events"
)

// setEvents decides where events go: --events-backend, else roost.conf's
// events_logger, else containers.conf's, else the file (each of the three
// keys is taken from roost.conf first, then containers.conf); the file is events_logfile_path, else
// RUNDIR/events/events.log (tmpfs, as Podman's is), cut at
// events_logfile_max_size (Podman's 1 MB unless set).
func (c *Config) setEvents(g Globals) error {
	e := c.Conf.Engine
	cc := c.ContainersConf.Engine
	if e.EventsLogger == "" {
		e.EventsLogger = cc.EventsLogger
	}
	if e.EventsLogfilePath == "" {
		e.EventsLogfilePath = cc.EventsLogFilePath
	}
	if e.EventsLogfileMaxSize == nil {
		e.EventsLogfileMaxSize = cc.EventsLogFileMaxSize
	}
	o := events.Options{Backend: events.BackendFile, MaxSize: events.DefaultMaxSize,
		Path: filepath.Join(c.RunDir, "events", "events.log")}
	if e.EventsLogger != "" {
		o.Backend = e.EventsLogger
	}
	if g.EventsBackend != "" {
		o.Backend = g.EventsBackend
	}
	if err := events.CheckBackend(o.Backend); err != nil {
		return err
	}
	if e.EventsLogfilePath != "" {
		o.Path = absPath(e.EventsLogfilePath)
	}
	if e.EventsLogfileMaxSize != nil {
		n, err := parseByteSize(e.EventsLogfileMaxSize)
		if err != nil {
			return fmt.Errorf("%s: events_logfile_max_size: %w", c.ConfPath(), err)
		}
		o.MaxSize = n
	}
	c.Events = o
	return nil
}

// parseByteSize reads a size given as a TOML number or a string with an
// optional unit (k, m, g; powers of 1024, as containers.conf reads them).
func parseByteSize(v any) (uint64, error) {
	switch n := v.(type) {
	case int64:
		if n < 0 {
			return 0, fmt.Errorf("%d is negative: give a size in bytes", n)
		}
		return uint64(n), nil
	case string:
		return parseSizeString(n)
	}
	return 0, fmt.Errorf("%v is not a size: give bytes, or a size such as \"1m\"", v)
}

func parseSizeString(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i")
	mult := uint64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size: give bytes, or a size such as \"1m\"", s)
	}
	return uint64(n * float64(mult)), nil
}
