package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/state"
)

// NetworkInUseError: containers still use the network. It is
// network.ErrInUse to errors.Is.
type NetworkInUseError struct {
	Network string
	Users   []string // container names
}

func (e *NetworkInUseError) Error() string {
	return fmt.Sprintf("network %s is used by container %s: remove it first, or use --force to remove the network's containers: %s", e.Network, e.Users[0], network.ErrInUse)
}

func (e *NetworkInUseError) Unwrap() error { return network.ErrInUse }

// NetworkRemoveOptions shape `network rm`.
type NetworkRemoveOptions struct {
	Force bool // remove the network's containers first
	// Timeout, with Force, is how long a running container's stop signal
	// has before SIGKILL; nil kills at once.
	Timeout *uint
}

// RemoveNetwork removes one network (`network rm`, compose down, the API);
// with Force its containers go first. It returns the network's name.
func (e *Engine) RemoveNetwork(ctx context.Context, ref string, o NetworkRemoveOptions) (string, error) {
	ce, err := e.Containers()
	if err != nil {
		return "", err
	}
	n, err := ce.Networks.Get(ref)
	if err != nil {
		return "", err
	}
	if n.Name == network.DefaultName {
		return "", fmt.Errorf("default network %s cannot be removed", ref) // Podman's words
	}
	users, err := ce.UsersOf(n.Name)
	if err != nil {
		return "", err
	}
	if len(users) > 0 && !o.Force {
		err := &NetworkInUseError{Network: n.Name}
		for _, c := range users {
			err.Users = append(err.Users, c.Name)
		}
		return "", err
	}
	for _, c := range users {
		if _, err := ce.Remove(ctx, c.ID, container.RemoveOptions{Force: true, Timeout: o.Timeout}); err != nil && !errors.Is(err, state.ErrNotFound) {
			return "", err
		}
	}
	if _, err := ce.Networks.Remove(n.ID); err != nil {
		return "", err
	}
	// Removing a network is cleaning up: an idle namespace goes now, not
	// after its grace.
	return n.Name, ce.Networks.EndIdle()
}

// PruneNetworks removes the networks that match and that no container
// uses (never the default one); it returns their names.
func (e *Engine) PruneNetworks(ctx context.Context, match func(*network.Network) bool) ([]string, error) {
	ce, err := e.Containers()
	if err != nil {
		return nil, err
	}
	nets, err := ce.Networks.List()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range nets {
		if n.Name == network.DefaultName || (match != nil && !match(n)) {
			continue
		}
		name, err := e.RemoveNetwork(ctx, n.ID, NetworkRemoveOptions{})
		if err == nil {
			removed = append(removed, name)
		}
	}
	return removed, nil
}
