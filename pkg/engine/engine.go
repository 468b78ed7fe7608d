// Package engine is the one layer every front end calls: the CLI, compose,
// the systemd generator, and next the API socket, kube play and build. It is
// built from explicit inputs (Options) and never reads the process
// environment or os.Args behind its caller's back; its operations take
// request structs that a flag set and a JSON body can both fill, and return
// results and warnings instead of printing.
//
// The lifecycle itself lives in the packages of each concept (containers in
// pkg/container, pods in pods/, networks in pkg/network, volumes in
// pkg/volume, images in pkg/image); the engine owns what spans them: the
// store they share, image resolution with one pull policy, container
// creation with its defaults and pods, and the run session.
package engine

import (
	"errors"
	"fmt"
	"sync"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/secrets"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/storage"
	"github.com/roost-containers/roost/pkg/volume"
	"github.com/roost-containers/roost/pods"
)

// Options are everything the engine takes from its caller: nothing else
// about the process (environment, arguments, descriptors) reaches it.
type Options struct {
	// Config holds the paths (graph root, run directory, config directory),
	// the caller's identity (UID, GID, Rootless) and roost.conf's settings.
	Config *config.Config
	// ExitCommand is how a monitor calls Roost back after a container's
	// final exit: the roost binary with the global flags that chose this
	// storage.
	ExitCommand []string
	// NotifySocket is systemd's $NOTIFY_SOCKET when the caller runs as a
	// unit's main process (empty otherwise): containers started then hand
	// it to their monitor, and the unit owns them.
	NotifySocket string
	// MonitorScopes puts each new monitor (and so its container) in a
	// transient systemd scope of its own when a user manager runs, so that
	// stopping the caller's unit or session does not kill it. Set it unless
	// the caller is a unit's main process that owns its containers (it has
	// NotifySocket): there the monitor must stay in the unit as MainPID.
	MonitorScopes bool
}

// Engine is one user's containers, pods, networks, volumes and images. The
// store is opened on first use, so commands that touch only networks or
// volumes never pay for it. Safe for concurrent use.
type Engine struct {
	opts Options

	mu         sync.Mutex
	store      cstorage.Store
	choice     storage.Choice
	containers *container.Engine
	networks   *network.Manager
}

// New returns an engine for opts (Config is required); it opens nothing yet.
func New(opts Options) *Engine { return &Engine{opts: opts} }

// Config is the configuration the engine was built with.
func (e *Engine) Config() *config.Config { return e.opts.Config }

// Store opens containers/storage on first use.
func (e *Engine) Store() (cstorage.Store, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.storeLocked()
}

func (e *Engine) storeLocked() (cstorage.Store, error) {
	if e.store != nil {
		return e.store, nil
	}
	s, c, err := storage.Open(e.opts.Config)
	if err != nil {
		return nil, err
	}
	e.store, e.choice = s, c
	return s, nil
}

// StorageChoice says which driver the store uses and why (for `info`).
func (e *Engine) StorageChoice() (storage.Choice, error) {
	if _, err := e.Store(); err != nil {
		return storage.Choice{}, err
	}
	return e.choice, nil
}

// Containers is the container lifecycle over the store.
func (e *Engine) Containers() (*container.Engine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.containers != nil {
		return e.containers, nil
	}
	store, err := e.storeLocked()
	if err != nil {
		return nil, err
	}
	c := container.New(e.opts.Config, store, e.opts.ExitCommand)
	c.NotifySocket = e.opts.NotifySocket
	c.MonitorScopes = e.opts.MonitorScopes
	e.containers = c
	return c, nil
}

// Pods manages pods, whose members are containers.
func (e *Engine) Pods() (*pods.Manager, error) {
	c, err := e.Containers()
	if err != nil {
		return nil, err
	}
	return pods.New(c), nil
}

// Networks manages networks without opening the store; commands that also
// touch containers get the same manager through Containers().Networks.
func (e *Engine) Networks() *network.Manager {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.containers != nil {
		return e.containers.Networks
	}
	if e.networks == nil {
		e.networks = container.NetworkManager(e.opts.Config, state.Open(e.opts.Config.StateDB()), e.opts.ExitCommand)
	}
	return e.networks
}

// Volumes manages volumes without opening the store.
func (e *Engine) Volumes() *volume.Manager {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.containers != nil {
		return e.containers.Volumes
	}
	return volume.New(e.opts.Config)
}

// Close shuts the store down if it was opened. Running containers keep their
// layers mounted, which storage reports and which is expected: that is not
// an error. Other failures come after the work was done (storage tidying
// what a killed command left, which the next command retries), so they are
// returned for the caller to show as a warning.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.store == nil {
		return nil
	}
	_, err := e.store.Shutdown(false)
	e.store, e.containers = nil, nil
	if err != nil && !errors.Is(err, cstorage.ErrLayerUsedByContainer) {
		return fmt.Errorf("close storage: %w", err)
	}
	return nil
}

// Secrets manages the user's secrets without opening the store.
func (e *Engine) Secrets() *secrets.Manager {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.containers != nil {
		return e.containers.Secrets
	}
	return secrets.New(e.opts.Config)
}
