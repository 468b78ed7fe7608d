// Package container is Roost's container lifecycle: create, start, stop, kill,
// remove, list, logs, wait. It records containers in pkg/state, keeps their
// files in containers/storage, and hands each running one to its monitor.
package container

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/secrets"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
)

// Status is a container's condition, with Podman's names.
type Status string

const (
	StatusCreating Status = "creating" // being made by a command; half-made if that command died
	StatusCreated  Status = "created"
	StatusRunning  Status = "running"
	StatusStopping Status = "stopping"
	StatusExited   Status = "exited"
	StatusRemoving Status = "removing"
	StatusUnknown  Status = "unknown" // its monitor died: the container may still run
)

// Container is what Roost records about one container.
type Container struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Created   time.Time         `json:"created"`
	ImageID   string            `json:"imageId"`
	ImageName string            `json:"imageName"`
	Command   []string          `json:"command"` // the process's argv, for ps
	Labels    map[string]string `json:"labels,omitempty"`
	Spec      spec.Options      `json:"spec"` // regenerated at every start
	Run       RunOptions        `json:"run"`
	Net       NetOptions        `json:"net"`
	Ports     []PortMapping     `json:"ports,omitempty"`
	State     State             `json:"state"`
	// DependsOn names the containers this one needs (a pod's infra, the
	// container whose network it shares): rm refuses to remove those first.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Pod is set for a pod's infra container and its members.
	Pod *PodLink `json:"pod,omitempty"`
	// CreateArgs are the create/run flags (as --name=value) and arguments.
	CreateArgs []string `json:"createArgs,omitempty"`
	// Secrets are the secrets it gets (--secret): names and ids, never data.
	Secrets []SecretUse `json:"secrets,omitempty"`
}

// RunOptions are the settings that shape how the monitor runs the container.
type RunOptions struct {
	Restart     monitor.RestartPolicy `json:"restart"`
	LogDriver   string                `json:"logDriver"`
	LogMaxSize  int64                 `json:"logMaxSize,omitempty"`
	LogMaxFiles int                   `json:"logMaxFiles,omitempty"`
	Remove      bool                  `json:"remove,omitempty"` // --rm
	StopTimeout uint                  `json:"stopTimeout"`
	Terminal    bool                  `json:"terminal,omitempty"`
	Stdin       bool                  `json:"stdin,omitempty"`
	Runtime     string                `json:"runtime"`            // the runtime binary's path
	SdNotify    string                `json:"sdNotify,omitempty"` // --sdnotify (monitor.SdNotify*)
	// Health is the healthcheck the monitor runs; nil: none.
	Health *monitor.HealthConfig `json:"health,omitempty"`
	// HealthOnFailure is what the monitor does when the container turns
	// unhealthy: none, kill, restart or stop (monitor.HealthAction*).
	HealthOnFailure string `json:"healthOnFailure,omitempty"`
	// LogPath replaces the k8s-file log's place (--log-opt path=); LogTag
	// is --log-opt tag=, kept for inspect.
	LogPath string `json:"logPath,omitempty"`
	LogTag  string `json:"logTag,omitempty"`
	// PidFile and ConmonPidFile receive the container's and its monitor's
	// pid at every start (--pidfile, --conmon-pidfile).
	PidFile       string `json:"pidFile,omitempty"`
	ConmonPidFile string `json:"conmonPidFile,omitempty"`
	// Timeout kills the container this many seconds after it starts
	// (--timeout); 0: never.
	Timeout uint `json:"timeout,omitempty"`
	// CgroupParent is the parent of the container's cgroup (--cgroup-parent);
	// CgroupsMode is --cgroups: enabled (""), disabled, no-conmon or split.
	CgroupParent string `json:"cgroupParent,omitempty"`
	CgroupsMode  string `json:"cgroupsMode,omitempty"`
	// PreserveFDs: the container's process gets the starting command's
	// descriptors 3 .. 3+PreserveFDs-1 (--preserve-fds), when it has them.
	PreserveFDs int `json:"preserveFds,omitempty"`
}

// State is the container's lifecycle as last recorded; live facts (is the
// process still there?) come from the monitor's files, see Engine.refresh.
type State struct {
	Status        Status    `json:"status"`
	StartedAt     time.Time `json:"startedAt,omitempty"`
	FinishedAt    time.Time `json:"finishedAt,omitempty"`
	ExitCode      int       `json:"exitCode"`
	Pid           int       `json:"pid,omitempty"`
	MonitorPid    int       `json:"monitorPid,omitempty"`
	RestartCount  int       `json:"restartCount"`
	StoppedByUser bool      `json:"stoppedByUser,omitempty"`
	// Restarting: exited, and the monitor will start it again after its
	// back-off. Live only (from the monitor's files), never recorded.
	Restarting bool `json:"-"`
	// Health: starting, healthy or unhealthy for a running container with a
	// healthcheck. Live only (from the health file), never recorded.
	Health string `json:"-"`
	Error  string `json:"error,omitempty"`
	// Lease names the lease (state.Lease) of the operation creating or
	// removing the container: once it is free while the status still says
	// creating or removing, the record was left half-made (the command was
	// killed, or a server's request failed) and Reconcile finishes it.
	Lease string `json:"lease,omitempty"`
	// Owner is how schema 1 named that operation: its process. A record
	// carries one only while an older roost's command is at work on it (see
	// state.SchemaVersion); Reconcile then checks the process.
	Owner *Owner `json:"owner,omitempty"`
	// Paused: the runtime froze the running container (only with cgroups).
	Paused bool `json:"paused,omitempty"`
}

// Owner names a process across pid reuse (schema 1's owner of a record).
type Owner struct {
	Pid       int    `json:"pid,omitempty"`
	StartTime uint64 `json:"startTime,omitempty"`
}

// Engine does container work for one user's configuration and storage.
type Engine struct {
	Cfg   *config.Config
	Store cstorage.Store
	DB    *state.DB
	// Volumes are the user's volumes, which containers mount.
	Volumes *volume.Manager
	// Secrets are the user's secrets, which containers get at start.
	Secrets *secrets.Manager
	// ExitCommand is how the monitor calls Roost back after the container's
	// final exit: the roost binary with the global flags in force.
	ExitCommand []string
	// Networks manages the user's networks and their shared namespace.
	Networks *network.Manager
	// NotifySocket is systemd's $NOTIFY_SOCKET of the command (empty when not
	// run by a systemd unit): a start hands it to the monitor.
	NotifySocket string
	// MonitorScopes moves each new monitor (and so its container) into a
	// transient systemd scope of its own when a user manager runs, so that
	// stopping the unit or session of the command that started it does not
	// kill the container. Leave it false for a command that is the main
	// process of a unit owning its containers (it has $NOTIFY_SOCKET:
	// generated, --new and Quadlet units): there the monitor is the unit's
	// MainPID and must stay in its cgroup.
	MonitorScopes bool

	// runtimeDeletes are runtime deletes started ahead of their clean-up
	// (StartRuntimeDelete): id -> a channel closed when done.
	runtimeDeletes sync.Map
}

// New returns an engine over an open store.
func New(cfg *config.Config, store cstorage.Store, exitCommand []string) *Engine {
	db := state.Open(cfg.StateDB())
	return &Engine{Cfg: cfg, Store: store, DB: db, ExitCommand: exitCommand, Networks: NetworkManager(cfg, db, exitCommand), Volumes: volume.New(cfg), Secrets: secrets.New(cfg)}
}

// runDir holds the bundle and the monitor's files: lost at reboot, as they should be.
func (e *Engine) runDir(id string) string { return filepath.Join(e.Cfg.RunDir, "containers", id) }

func (e *Engine) lockDir() string { return filepath.Join(e.Cfg.RunDir, "locks") }

// logPath lives with the container's storage, so logs survive a reboot.
func (e *Engine) logPath(c *Container) (string, error) {
	if c.Run.LogPath != "" {
		return c.Run.LogPath, nil
	}
	id := c.ID
	dir, err := e.Store.ContainerDirectory(id)
	if err != nil {
		return "", fmt.Errorf("container %s directory: %w", id, err)
	}
	return filepath.Join(dir, "ctr.log"), nil
}

// lock takes the container's lock; callers re-read the record under it.
func (e *Engine) lock(ctx context.Context, id string) (*state.Lock, error) {
	return state.LockObject(ctx, e.lockDir(), id)
}

// locked resolves ref, takes the container's lock and reads its record with
// live state; the caller unlocks.
func (e *Engine) locked(ctx context.Context, ref string) (*Container, *state.Lock, error) {
	id, err := e.Resolve(ref)
	if err != nil {
		return nil, nil, err
	}
	l, err := e.lock(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := e.get(id)
	if errors.Is(err, state.ErrNotFound) {
		err = &removedError{ref} // it went while we waited for its lock
	}
	if err != nil {
		l.Unlock()
		return nil, nil, err
	}
	e.refresh(c)
	return c, l, nil
}

// removedError: another command removed the container first. It is still
// state.ErrNotFound to callers (rm -f treats it as done).
type removedError struct{ ref string }

func (e *removedError) Error() string {
	return "container " + e.ref + " was removed by another command"
}
func (e *removedError) Unwrap() error { return state.ErrNotFound }

// get reads one record by id.
func (e *Engine) get(id string) (*Container, error) {
	var c Container
	err := e.DB.View(func(tx *state.Tx) error { return tx.Get(state.Containers, id, &c) })
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Resolve turns a name, id or id prefix into a full id.
func (e *Engine) Resolve(ref string) (string, error) {
	var id string
	err := e.DB.View(func(tx *state.Tx) (err error) {
		id, err = tx.Lookup(state.Containers, ref)
		return err
	})
	if errors.Is(err, state.ErrNotFound) && !errors.Is(err, state.ErrAmbiguous) {
		err = &NoSuchError{Ref: ref}
	}
	return id, err
}

// NoSuchError is a name or id that matches no container, in Podman's words
// (scripts match them). It is state.ErrNotFound.
type NoSuchError struct{ Ref string }

func (e *NoSuchError) Error() string {
	return fmt.Sprintf("no container with name or ID %q found: no such container", e.Ref)
}
func (e *NoSuchError) Unwrap() error { return state.ErrNotFound }

// save writes the record back.
func (e *Engine) save(c *Container) error {
	return e.DB.Update(func(tx *state.Tx) error { return tx.Put(state.Containers, c.ID, c.Name, c) })
}

// update re-reads the record, applies fn and saves, in one transaction.
func (e *Engine) update(id string, fn func(*Container) error) (*Container, error) {
	var c Container
	err := e.DB.Update(func(tx *state.Tx) error {
		if err := tx.Get(state.Containers, id, &c); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		return tx.Put(state.Containers, c.ID, c.Name, &c)
	})
	return &c, err
}

// leaseDir holds the leases of creates and removes in progress.
func (e *Engine) leaseDir() string { return filepath.Join(e.lockDir(), "leases") }

// NetworkManager is the network manager for a configuration (also used by
// the network commands, which need no storage).
func NetworkManager(cfg *config.Config, db *state.DB, self []string) *network.Manager {
	return &network.Manager{DB: db, RunDir: cfg.RunDir, Backend: cfg.Conf.Network.Backend, Rootless: cfg.Rootless, Events: cfg.Events,
		DefaultSubnet: cfg.ContainersConf.Network.DefaultSubnet, IdleGrace: cfg.NetworkIdleGrace, Self: self}
}
