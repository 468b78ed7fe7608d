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
func (s *Server) imageSaveMany(w http.ResponseWriter, r *http.Request) error {
	names := r.URL.Query()["names"]
	if len(names) == 0 {
		return badRequest(errors.New("names is required: GET /images/get?names=IMAGE[&names=IMAGE...]"))
	}
	return s.imageSave(w, r, names)
}

// imageSave answers with a docker-archive tar of the images, as `roost
// save` writes it: the archive writer needs a file, so it is made in a
// private temporary directory first and then sent.
func (s *Server) imageSave(w http.ResponseWriter, r *http.Request, names []string) error {
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	tmp, done, err := image.OperationTempDir()
	if err != nil {
		return err
	}
	defer done()
	out := filepath.Join(tmp, "archive.tar")
	err = image.Save(r.Context(), store, s.eng.Config(), names, image.SaveOptions{Format: image.FormatDockerArchive, Output: out})
	if err != nil {
		return imageError(err, names...)
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return nil
}

// imageLoad reads an archive (any format `save` writes) from the body and
// answers, as Docker does, with a JSON stream of "Loaded image" lines.
func (s *Server) imageLoad(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryBool(r, "quiet"); err != nil {
		return err
	}
	store, err := s.eng.Store()
	if err != nil {
		return err
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
		return nil
	}
	if len(names) == 0 {
		ps.send(jsonstream.Message{Stream: "No images were loaded\n"})
	}
	return nil
}
