package pods

import "github.com/roost-containers/roost/pkg/container"

// A pod's states, with Podman's names.
const (
	StatusCreated  = "Created"
	StatusRunning  = "Running"
	StatusDegraded = "Degraded" // some containers run, some do not
	StatusExited   = "Exited"
	StatusPaused   = "Paused"
	StatusError    = "Error"
)

// Status derives a pod's state from its containers' (infra included), as
// Podman does: all running is Running; some running beside exited or paused
// ones is Degraded; running beside only created ones is still Running.
func Status(list []container.Container) string {
	var run, paused, exited, created, other int
	for _, c := range list {
		switch {
		case c.Paused():
			paused++
		case c.State.Status == container.StatusRunning || c.State.Status == container.StatusStopping:
			run++
		case c.State.Status == container.StatusExited:
			exited++
		case c.State.Status == container.StatusCreated || c.State.Status == container.StatusCreating:
			created++
		default:
			other++
		}
	}
	switch {
	case run > 0 && (paused > 0 || exited > 0 || other > 0):
		return StatusDegraded
	case run > 0:
		return StatusRunning
	case paused > 0 && paused == len(list):
		return StatusPaused
	case exited > 0:
		return StatusExited
	case other > 0:
		return StatusError
	}
	return StatusCreated
}
