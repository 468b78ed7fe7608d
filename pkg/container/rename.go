package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/state"
)

// Rename gives a container a new name, running or not. The name index
// changes in the same transaction as the record, so the old name is free
// and the new one taken at once.
func (e *Engine) Rename(ctx context.Context, ref, name string) (*Container, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	c, l, err := e.locked(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	switch c.State.Status {
	case StatusCreating, StatusRemoving:
		return nil, fmt.Errorf("cannot rename container %s: it is being %s by another command", c.Name, c.State.Status)
	}
	if c.Name == name {
		return c, nil
	}
	c, err = e.update(c.ID, func(r *Container) error {
		r.Name = name
		return nil
	})
	if errors.Is(err, state.ErrNameInUse) {
		return nil, fmt.Errorf("cannot rename %s to %q: %w: remove or rename the container that has it", c.Name, name, ErrNameInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("rename container: %w", err)
	}
	e.event(c, events.Rename)
	return c, nil
}
