package container

import "fmt"

// SetRuntime makes a stopped container use another OCI runtime (its path)
// from its next start: `system migrate --new-runtime`. A running one keeps
// its runtime, which holds its state.
func (e *Engine) SetRuntime(id, path string) error {
	_, err := e.update(id, func(c *Container) error {
		if c.State.Status == StatusRunning || c.State.Status == StatusStopping {
			return fmt.Errorf("container %s is running: stop it, then migrate again", c.Name)
		}
		c.Run.Runtime = path
		return nil
	})
	return err
}
