package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/moby/moby/api/types/common"

	"github.com/roost-containers/roost/pkg/state"
)

// statusError is an error with the HTTP status Docker answers it with.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func badRequest(err error) error { return &statusError{http.StatusBadRequest, err} }
func notFound(err error) error   { return &statusError{http.StatusNotFound, err} }

// statusOf is the status Docker gives err: 404 for a missing object, what
// the handler chose for a statusError, 500 otherwise.
func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	if errors.Is(err, state.ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// writeError answers with Docker's error body, {"message": "..."}.
func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), common.ErrorResponse{Message: err.Error()})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
