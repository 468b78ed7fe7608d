package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/events"
)

// Files in the run directory (0700; files 0600, written atomically).
const (
	ConfigFile     = "monitor.json" // Config, written by the CLI
	MonitorPidFile = "monitor.pid"  // the monitor's pid, decimal
	PidFile        = "pid"          // the container init's pid (host view), decimal
	ExitFile       = "exit"         // ExitStatus as JSON, after each exit
	RestartsFile   = "restarts"     // restarts so far, decimal
	AttachSocket   = "attach"       // unix socket: attach and control (see proto.go)
	ConsoleSocket  = "console"      // transient: receives the pty master from the runtime
	RuntimeLogFile = "runtime.log"  // the OCI runtime's --log of the last create
)

// Log drivers.
const (
	LogK8sFile  = "k8s-file"
	LogJournald = "journald"
	LogNone     = "none"
)

// Restart policies.
const (
	RestartNo            = "no"
	RestartAlways        = "always"
	RestartOnFailure     = "on-failure"
	RestartUnlessStopped = "unless-stopped"
)

// Config tells the monitor what to run and how. The CLI writes it as JSON to
// <runDir>/monitor.json.
type Config struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"` // for the journal's CONTAINER_NAME
	Bundle string `json:"bundle"`

	RuntimePath string   `json:"runtimePath"`
	RuntimeRoot string   `json:"runtimeRoot"`
	RuntimeArgs []string `json:"runtimeArgs,omitempty"` // extra global flags
	// CgroupManager: "" (the runtime's default), "disabled", "cgroupfs", "systemd".
	CgroupManager string `json:"cgroupManager,omitempty"`

	Terminal bool `json:"terminal"` // process.terminal: the runtime sends a pty master
	Stdin    bool `json:"stdin"`    // keep stdin open for attach (-i)
	// WaitAttach makes the monitor create the container, report it to Start,
	// and start it only once a client has attached (or after a minute), so a
	// foreground `run` loses no output.
	WaitAttach bool `json:"waitAttach,omitempty"`

	LogDriver   string `json:"logDriver"` // k8s-file, journald, none
	LogPath     string `json:"logPath,omitempty"`
	LogMaxSize  int64  `json:"logMaxSize,omitempty"`  // bytes; 0: unlimited
	LogMaxFiles int    `json:"logMaxFiles,omitempty"` // files kept with rotation, the live one included

	Restart RestartPolicy `json:"restart"`

	// PreserveFDs: the caller's descriptors 3 .. 3+PreserveFDs-1 go to the
	// container's process (--preserve-fds), on the first create only. Start
	// passes them on the monitor's same fds, its sync and start fds after.
	PreserveFDs int `json:"preserveFds,omitempty"`

	// NetNS is the container's network namespace file when Roost made one
	// (RunDir/netns/ID); the port forwarder dials from a thread inside it.
	NetNS string `json:"netns,omitempty"`
	// Ports are the published ports the monitor forwards.
	Ports []Port `json:"ports,omitempty"`

	// Health is the container's healthcheck, run by the monitor while the
	// container runs; nil: none.
	Health *HealthConfig `json:"health,omitempty"`
	// HealthOnFailure is what to do when the check turns unhealthy
	// (HealthAction*; "" is none).
	HealthOnFailure string `json:"healthOnFailure,omitempty"`
	// Timeout kills the container this long after each start; 0: never.
	// Its exit is then recorded as -1, as Podman records it.
	Timeout time.Duration `json:"timeout,omitempty"`
	// SdNotify is --sdnotify: how the container's readiness reaches systemd
	// (SdNotifyConmon, SdNotifyContainer, SdNotifyIgnore; "" is conmon).
	SdNotify string `json:"sdNotify,omitempty"`
	// NotifySocket is systemd's $NOTIFY_SOCKET as the starting command saw
	// it; empty when the container was not started by a systemd unit.
	NotifySocket string `json:"notifySocket,omitempty"`

	// Events is where the monitor records what it sees (init, start, died,
	// health_status), as Event: the container's id, name, image, labels.
	Events events.Options `json:"events"`
	Event  events.Event   `json:"event"`

	// ExitCommand runs once after the final exit (e.g. `roost container
	// cleanup ID`), with the monitor's environment.
	ExitCommand []string `json:"exitCommand,omitempty"`
}

// sd_notify modes (--sdnotify), as Podman names them.
const (
	SdNotifyConmon    = "conmon"    // the monitor says READY=1 once the container runs
	SdNotifyContainer = "container" // the container says READY=1 itself; the monitor relays it
	SdNotifyIgnore    = "ignore"    // nobody tells systemd anything
)

// The socket the monitor offers the container in container mode: the
// directory NotifyDir of the run directory is bind-mounted at
// ContainerNotifyDir, and the container's NOTIFY_SOCKET names the socket.
const (
	NotifyDir          = "notify"
	NotifySocketName   = "notify.sock"
	ContainerNotifyDir = "/run/notify"
)

// ParseSdNotify checks an --sdnotify value. Without one, a container made
// by a systemd unit says READY=1 itself (Podman's default); one made
// elsewhere cannot reach the socket, so a later start from a unit has the
// monitor say it.
func ParseSdNotify(s string, underSystemd bool) (string, error) {
	switch s {
	case "":
		if underSystemd {
			return SdNotifyContainer, nil
		}
		return SdNotifyConmon, nil
	case SdNotifyConmon, SdNotifyContainer, SdNotifyIgnore:
		return s, nil
	}
	return "", fmt.Errorf("invalid --sdnotify %q: use conmon, container or ignore", s)
}

// Port is one published port: the monitor listens on HostIP:HostPort and
// forwards to 127.0.0.1:ContainerPort inside the container's namespace.
// pkg/container converts its PortMapping into this (the monitor does not
// import the engine).
type Port struct {
	HostIP        string `json:"hostIP,omitempty"` // empty: every address
	HostPort      uint16 `json:"hostPort"`
	ContainerPort uint16 `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"` // tcp (empty) or udp
}

// RestartPolicy is --restart.
type RestartPolicy struct {
	Policy     string `json:"policy,omitempty"`     // no (""), always, on-failure, unless-stopped
	MaxRetries int    `json:"maxRetries,omitempty"` // on-failure:N; 0 is unlimited
}

// ParseRestartPolicy reads the --restart flag: no, always, unless-stopped,
// on-failure or on-failure:N.
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	p := RestartPolicy{Policy: name}
	if name == "" {
		p.Policy = RestartNo
	}
	if hasCount {
		n, err := strconv.Atoi(count)
		if name != RestartOnFailure || err != nil || n < 0 {
			return RestartPolicy{}, fmt.Errorf("invalid restart policy %q: only on-failure takes a count (on-failure:3)", s)
		}
		p.MaxRetries = n
	}
	return p, p.validate()
}

func (p RestartPolicy) validate() error {
	switch p.Policy {
	case "", RestartNo, RestartAlways, RestartOnFailure, RestartUnlessStopped:
		return nil
	}
	return fmt.Errorf("invalid restart policy %q: use no, always, on-failure[:N] or unless-stopped", p.Policy)
}

// Validate checks what the monitor needs before anything starts.
func (c *Config) Validate() error {
	switch {
	case c.ID == "":
		return errors.New("monitor config: no container id")
	case c.Bundle == "":
		return errors.New("monitor config: no bundle")
	case c.RuntimePath == "":
		return errors.New("monitor config: no OCI runtime")
	}
	switch c.LogDriver {
	case "", LogNone, LogJournald:
	case LogK8sFile:
		if c.LogPath == "" {
			return errors.New("monitor config: k8s-file log driver without a log path")
		}
	default:
		return fmt.Errorf("unknown log driver %q: use k8s-file, journald or none", c.LogDriver)
	}
	if len(c.Ports) > 0 && c.NetNS == "" {
		return errors.New("monitor config: published ports without a network namespace")
	}
	for _, p := range c.Ports {
		switch p.Protocol {
		case "", "tcp", "udp":
		default:
			return fmt.Errorf("monitor config: port %d: protocol %q is not forwarded: use tcp or udp", p.HostPort, p.Protocol)
		}
	}
	return c.Restart.validate()
}

// WriteConfig writes cfg into runDir (created 0700 if needed).
func WriteConfig(runDir string, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return writeRunFile(filepath.Join(runDir, ConfigFile), append(b, '\n'))
}

// ReadConfig reads the Config in runDir.
func ReadConfig(runDir string) (Config, error) {
	var cfg Config
	b, err := os.ReadFile(filepath.Join(runDir, ConfigFile))
	if err != nil {
		return cfg, err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("%s: %w", filepath.Join(runDir, ConfigFile), err)
	}
	return cfg, cfg.Validate()
}
