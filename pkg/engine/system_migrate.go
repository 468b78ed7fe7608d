package engine

import (
	"context"
	"errors"

	"github.com/roost-containers/roost/pkg/container"
	rt "github.com/roost-containers/roost/pkg/runtime"
)

// Migrate is `system migrate`: it reads every container record (a record
// the state database cannot decode is an error here, not at its next use)
// and, with newRuntime, moves the stopped containers to that OCI runtime.
func (e *Engine) Migrate(ctx context.Context, newRuntime string) error {
	ce, err := e.Containers()
	if err != nil {
		return err
	}
	list, err := ce.List(ctx, container.ListOptions{All: true})
	if err != nil || newRuntime == "" {
		return err
	}
	b, err := rt.Find(newRuntime)
	if err != nil {
		return err
	}
	var errs []error
	for i := range list {
		errs = append(errs, ce.SetRuntime(list[i].ID, b.Path))
	}
	return errors.Join(errs...)
}
