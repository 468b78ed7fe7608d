package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	dcontainer "github.com/moby/moby/api/types/container"

	"github.com/roost-containers/roost/pkg/container"
)

// The archive endpoints are `docker cp`: HEAD stats a path, GET reads it as
// a tar, PUT extracts a tar into a directory. They do what `roost cp` does
// with a tar on stdin or stdout (container.ArchiveOut, ArchiveIn).

func (c *containerAPI) archiveRoutes(mux *http.ServeMux) {
	mux.Handle("HEAD /containers/{id}/archive", endpoint(c.archiveStat))
	mux.Handle("GET /containers/{id}/archive", endpoint(c.archiveGet))
	mux.Handle("PUT /containers/{id}/archive", endpoint(c.archivePut))
}

// archivePath is ?path=, which Docker requires.
func archivePath(r *http.Request) (string, error) {
	p := r.URL.Query().Get("path")
	if p == "" {
		return "", badRequest(errors.New("no path given: set ?path="))
	}
	return p, nil
}

// archiveError: a missing path is a 404, as Docker answers it.
func archiveError(ref string, err error) error {
	if errors.Is(err, container.ErrNoSuchPath) {
		return notFound(err)
	}
	return ctrError(ref, err)
}

// statHeader sets X-Docker-Container-Path-Stat: the path's stat as
// base64 JSON, which Docker's CLI reads before it copies.
func (c *containerAPI) statHeader(w http.ResponseWriter, ce *container.Engine, ref, p string) error {
	st, err := ce.StatPath(ref, p)
	if err != nil {
		return archiveError(ref, err)
	}
	b, err := json.Marshal(dcontainer.PathStat{Name: st.Name, Size: st.Size, Mode: st.Mode, Mtime: st.Mtime, LinkTarget: st.LinkTarget})
	if err != nil {
		return err
	}
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(b))
	return nil
}

func (c *containerAPI) archiveStat(w http.ResponseWriter, r *http.Request) error {
	p, err := archivePath(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if err := c.statHeader(w, ce, ct.ID, p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (c *containerAPI) archiveGet(w http.ResponseWriter, r *http.Request) error {
	p, err := archivePath(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	if err := c.statHeader(w, ce, ct.ID, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	out := &lazyWriter{w: w}
	if err := ce.ArchiveOut(ct.ID, p, container.CopyOptions{}, out); err != nil && !out.started {
		return archiveError(ct.Name, err)
	}
	return nil
}

// archivePut extracts the body into the directory ?path=; with
// ?noOverwriteDirNonDir a file may not replace a directory nor the reverse.
// ?copyUIDGID gives the files the container user's ownership.
func (c *containerAPI) archivePut(w http.ResponseWriter, r *http.Request) error {
	p, err := archivePath(r)
	if err != nil {
		return err
	}
	noOverwrite, err := queryBool(r, "noOverwriteDirNonDir")
	if err != nil {
		return err
	}
	chown, err := queryBool(r, "copyUIDGID")
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	err = ce.ArchiveIn(ct.ID, p, container.CopyOptions{Chown: chown, Overwrite: !noOverwrite}, r.Body)
	switch {
	case errors.Is(err, container.ErrNotArchive):
		return badRequest(err)
	case err != nil:
		return archiveError(ct.Name, fmt.Errorf("extract into %s: %w", p, err))
	default:
		w.WriteHeader(http.StatusOK)
	}
	return nil
}
