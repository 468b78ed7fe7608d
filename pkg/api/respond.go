package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/moby/moby/api/types/common"

	"github.com/roost-containers/roost/pkg/state"
)

// maxBody bounds a JSON request body: create and update bodies are a few
// kB; anything near this is a mistake or an attack, not a request.
const maxBody = 8 << 20

// statusError is an error with the HTTP status Docker answers it with.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func badRequest(err error) error { return &statusError{http.StatusBadRequest, err} }
func notFound(err error) error   { return &statusError{http.StatusNotFound, err} }
func conflict(err error) error   { return &statusError{http.StatusConflict, err} }
func notModified(err error) error {
	return &statusError{http.StatusNotModified, err}
}

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

// endpoint is a handler that returns its failure rather than answering
// it: ServeHTTP writes it as Docker's error body. One that has begun its
// answer (a stream, a hijacked connection) returns nil from then on.
type endpoint func(http.ResponseWriter, *http.Request) error

func (h endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		writeError(w, err)
	}
}

// writeError answers with Docker's error body, {"message": "..."}.
func writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, common.ErrorResponse{Message: err.Error()})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeBody reads a JSON request body into v; a missing body leaves v as
// it is, a malformed or oversized one is a 400 naming the problem.
func decodeBody(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	body := &io.LimitedReader{R: r.Body, N: maxBody + 1}
	dec := json.NewDecoder(body)
	err := dec.Decode(v)
	// The limit cuts an oversized body short, which reads as a malformed
	// one: say what is really wrong.
	if body.N <= 0 || dec.InputOffset() > maxBody {
		return badRequest(fmt.Errorf("request body is larger than %d bytes", maxBody))
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return badRequest(fmt.Errorf("invalid JSON body: %w", err))
	}
	return nil
}

// queryBool reads a boolean query parameter as Docker's clients send it
// ("1", "true", "0", "false", or absent).
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest(fmt.Errorf("invalid value %q for query parameter %s: want a boolean", v, name))
	}
	return b, nil
}

// queryInt reads an integer query parameter, def when absent.
func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest(fmt.Errorf("invalid value %q for query parameter %s: want an integer", v, name))
	}
	return n, nil
}
