package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/jsonstream"

	"github.com/roost-containers/roost/pkg/image"
)

// imageSaveMany is GET /images/get?names=A&names=B: one docker-archive of
// every named image.
func (s *Server) imageSaveMany(w http.ResponseWriter, r *http.Request) {
	names := r.URL.Query()["names"]
	if len(names) == 0 {
		writeError(w, badRequest(errors.New("names is required: GET /images/get?names=IMAGE[&names=IMAGE...]")))
		return
	}
	s.imageSave(w, r, names)
}

// imageSave answers with a docker-archive tar of the images, as `roost
// save` writes it: the archive writer needs a file, so it is made in a
// private temporary directory first and then sent.
func (s *Server) imageSave(w http.ResponseWriter, r *http.Request, names []string) {
	store, err := s.eng.Store()
	if err != nil {
		writeError(w, err)
		return
	}
	tmp, err := os.MkdirTemp(image.TempDir(), "roost-api-save-")
	if err != nil {
		writeError(w, err)
		return
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "archive.tar")
	err = image.Save(r.Context(), store, s.eng.Config(), names, image.SaveOptions{Format: image.FormatDockerArchive, Output: out})
	if err != nil {
		writeError(w, imageError(err, names...))
		return
	}
	f, err := os.Open(out)
	if err != nil {
		writeError(w, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

// imageLoad reads an archive (any format `save` writes) from the body and
// answers, as Docker does, with a JSON stream of "Loaded image" lines.
func (s *Server) imageLoad(w http.ResponseWriter, r *http.Request) {
	if _, err := queryBool(r, "quiet"); err != nil {
		writeError(w, err)
		return
	}
	store, err := s.eng.Store()
	if err != nil {
		writeError(w, err)
		return
	}
	names, err := image.Load(r.Context(), store, s.eng.Config(), image.LoadOptions{Reader: r.Body})
	ps := newProgressStream(w)
	for _, n := range names {
		line := "Loaded image: " + dockerName(n) + "\n"
		if strings.HasPrefix(n, "sha256:") {
			line = "Loaded image ID: " + n + "\n"
		}
		ps.send(jsonstream.Message{Stream: line})
	}
	if err != nil {
		ps.fail(badRequest(err))
		return
	}
	if len(names) == 0 {
		ps.send(jsonstream.Message{Stream: "No images were loaded\n"})
	}
}
