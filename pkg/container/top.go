package container

import (
	"errors"
	"fmt"

	"github.com/roost-containers/roost/pkg/top"
)

// Top lists the processes of a running container (see package top); the
// first row is the header.
func (e *Engine) Top(ref string, descriptors []string) ([][]string, error) {
	if _, err := top.Descriptors(descriptors); err != nil {
		return nil, err
	}
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	if c.State.Status != StatusRunning && c.State.Status != StatusUnknown || c.State.Pid <= 0 {
		return nil, fmt.Errorf("top %s: %w: start it first", c.Name, ErrNotRunning)
	}
	rows, err := top.Table(c.State.Pid, descriptors)
	if errors.Is(err, top.ErrNoProcesses) {
		err = fmt.Errorf("%w: %w", ErrNotRunning, err)
	}
	if err != nil {
		return nil, fmt.Errorf("top %s: %w", c.Name, err)
	}
	return rows, nil
}
