package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	dcontainer "github.com/moby/moby/api/types/container"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/state"
)

// wait is POST /containers/{id}/wait?condition=: not-running (the
// default), next-exit or removed. The answer's headers go out at once,
// as Docker's do: `docker run` waits for them before it starts the
// container. The status code follows in the body when the condition is met.
func (c *containerAPI) wait(w http.ResponseWriter, r *http.Request) error {
	cond := container.WaitCondition(r.URL.Query().Get("condition"))
	switch cond {
	case "":
		cond = container.WaitNotRunning
	case container.WaitNotRunning, container.WaitNextExit, container.WaitRemoved:
	default:
		return badRequest(fmt.Errorf("invalid condition %q: use not-running, next-exit or removed", cond))
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	code, err := c.waitFor(r.Context(), ce, ct, cond)
	resp := dcontainer.WaitResponse{StatusCode: int64(code)}
	if err != nil {
		resp.Error = &dcontainer.WaitExitError{Message: err.Error()}
	}
	_ = json.NewEncoder(w).Encode(resp)
	return nil
}

// waitFor waits through the session that runs the container, when this
// service runs it (it knows the exit even after an AutoRemove container is
// gone), else by watching the container's state.
func (c *containerAPI) waitFor(ctx context.Context, ce *container.Engine, ct *container.Container, cond container.WaitCondition) (int, error) {
	if cond == container.WaitNotRunning && !running(ct) {
		return ct.State.ExitCode, nil
	}
	if sess := c.sessions.running(ct.ID); sess != nil {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-sess.done:
		}
		if sess.ran && !sess.detached {
			if cond != container.WaitRemoved {
				return sess.code, nil
			}
			// Gone already is what "removed" waits for.
			if _, err := ce.WaitUntil(ctx, ct.ID, cond); err != nil && !errors.Is(err, state.ErrNotFound) {
				return sess.code, err
			}
			return sess.code, nil
		}
	}
	code, err := ce.WaitUntil(ctx, ct.ID, cond)
	if errors.Is(err, state.ErrNotFound) && cond == container.WaitRemoved {
		return ct.State.ExitCode, nil
	}
	return code, err
}
