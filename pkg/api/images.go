package api

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	dockerimage "github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/api/types/storage"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/image"
)

// imageRoutes: images: json, create, inspect, history, tag, delete, push,
// get, load, search, prune. Routes on a named image go through
// imageByName, which splits the name (it holds slashes) from the action.
func (s *Server) imageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /images/json", endpoint(s.imageList))
	mux.Handle("POST /images/create", endpoint(s.imageCreate))
	mux.Handle("POST /images/load", endpoint(s.imageLoad))
	mux.Handle("GET /images/get", endpoint(s.imageSaveMany))
	mux.Handle("GET /images/search", endpoint(s.imageSearch))
	mux.Handle("POST /images/prune", endpoint(s.imagePrune))
	mux.Handle("/images/", endpoint(s.imageByName))
}

// imageByName serves /images/{name}[/{action}].
func (s *Server) imageByName(w http.ResponseWriter, r *http.Request) error {
	name, action, err := splitImagePath(r.Method, strings.TrimPrefix(r.URL.Path, "/images/"))
	if err != nil {
		return notFound(fmt.Errorf("page not found: %s %s: %w", r.Method, r.URL.Path, err))
	}
	switch action {
	case "json":
		return s.imageInspect(w, r, name)
	case "history":
		return s.imageHistory(w, r, name)
	case "get":
		return s.imageSave(w, r, []string{name})
	case "tag":
		return s.imageTag(w, r, name)
	case "push":
		return s.imagePush(w, r, name)
	case "":
		return s.imageDelete(w, r, name)
	}
	return nil // splitImagePath knows no other action
}

// imageError gives storage's errors Docker's statuses and words: a missing
// image is a 404 "No such image: NAME" (clients match that text), one in
// use a 409.
func imageError(err error, names ...string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cstorage.ErrImageUnknown):
		if len(names) == 1 {
			return notFound(fmt.Errorf("No such image: %s", names[0]))
		}
		return notFound(err)
	case errors.Is(err, image.ErrInUse):
		return conflict(err)
	}
	return err
}

func (s *Server) imageList(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err == nil {
		err = f.only("dangling", "label", "before", "since", "reference", "until", "id", "digest")
	}
	all, err2 := queryBool(r, "all")
	if err = errors.Join(err, err2); err != nil {
		return err
	}
	filters := f.podmanStyle()
	if ref := r.URL.Query().Get("filter"); ref != "" { // API < 1.41's way to say reference=
		filters = append(filters, "reference="+ref)
	}
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	list, err := image.List(r.Context(), store, image.ListOptions{All: all, Filters: filters})
	if err != nil {
		return badRequest(err)
	}
	out := make([]dockerimage.Summary, 0, len(list))
	for _, i := range list {
		out = append(out, dockerimage.Summary{
			ID: imageID(i.ID), ParentID: imageID(i.ParentID), RepoTags: matchingTags(dockerNames(i.RepoTags), f["reference"], true),
			RepoDigests: matchingTags(dockerNames(i.RepoDigests), f["reference"], false), Created: i.Created, Size: i.Size,
			SharedSize: -1, Labels: orEmpty(i.Labels), Containers: int64(i.Containers),
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// matchingTags keeps, as Docker does under a reference filter, only the
// names that match it, so `docker images -q NAME` prints one line per
// image rather than one per name. An image that matched otherwise (by a
// name in another form, or by ID) keeps its tags when allIfNone.
func matchingTags(tags, patterns []string, allIfNone bool) []string {
	if len(patterns) == 0 {
		return tags
	}
	var kept []string
	for _, t := range tags {
		repo, _, _ := strings.Cut(t, "@")
		if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
			repo = repo[:i]
		}
		for _, p := range patterns {
			if ok, _ := path.Match(p, t); ok {
				kept = append(kept, t)
				break
			}
			if ok, _ := path.Match(p, repo); ok {
				kept = append(kept, t)
				break
			}
		}
	}
	if len(kept) == 0 && allIfNone {
		return tags
	}
	if kept == nil {
		return []string{}
	}
	return kept
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (s *Server) imageInspect(w http.ResponseWriter, r *http.Request, name string) error {
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	ds, err := image.Inspect(r.Context(), store, []string{name})
	if err != nil {
		return imageError(err, name)
	}
	writeJSON(w, http.StatusOK, dockerInspect(ds[0]))
	return nil
}

// dockerInspect is Docker's image inspect from Roost's details.
func dockerInspect(d image.Details) dockerimage.InspectResponse {
	layers := make([]string, 0, len(d.RootFS.Layers))
	for _, l := range d.RootFS.Layers {
		layers = append(layers, l.String())
	}
	out := dockerimage.InspectResponse{
		ID:           imageID(d.ID),
		RepoTags:     dockerNames(d.RepoTags),
		RepoDigests:  dockerNames(d.RepoDigests),
		Comment:      d.Comment,
		Author:       d.Author,
		Config:       &dockerspec.DockerOCIImageConfig{ImageConfig: d.Config},
		Architecture: d.Architecture,
		Os:           d.Os,
		Size:         d.Size,
		GraphDriver:  &storage.DriverData{Name: d.GraphDriver.Name, Data: orEmpty(d.GraphDriver.Data)},
		RootFS:       dockerimage.RootFS{Type: d.RootFS.Type, Layers: layers},
	}
	if d.Created != nil {
		out.Created = d.Created.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
	}
	if hc := d.HealthCheck; hc != nil {
		out.Config.Healthcheck = &dockerspec.HealthcheckConfig{
			Test: hc.Test, Interval: hc.Interval, Timeout: hc.Timeout,
			StartPeriod: hc.StartPeriod, Retries: hc.Retries,
		}
	}
	return out
}

func (s *Server) imageHistory(w http.ResponseWriter, r *http.Request, name string) error {
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	entries, err := image.History(r.Context(), store, name)
	if err != nil {
		return imageError(err, name)
	}
	out := make([]dockerimage.HistoryResponseItem, 0, len(entries))
	for _, e := range entries {
		id := e.ID
		if id != "<missing>" {
			id = imageID(id)
		}
		out = append(out, dockerimage.HistoryResponseItem{
			ID: id, Created: e.Created.Unix(), CreatedBy: e.CreatedBy, Size: e.Size,
			Comment: e.Comment, Tags: dockerNames(e.Tags),
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// imageTag gives an image another name: repo[:tag], Docker's 201 answer.
func (s *Server) imageTag(w http.ResponseWriter, r *http.Request, name string) error {
	repo, tag := r.URL.Query().Get("repo"), r.URL.Query().Get("tag")
	if repo == "" {
		return badRequest(errors.New("repo is required: POST /images/{name}/tag?repo=NAME&tag=TAG"))
	}
	target := repo
	if tag != "" {
		target += ":" + tag
	}
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	if err := image.Tag(store, name, []string{target}, s.eng.Config().Events); err != nil {
		if !errors.Is(err, cstorage.ErrImageUnknown) {
			err = badRequest(err) // what remains is a name that is not one
		}
		return imageError(err, name)
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

// imageDelete is rmi: untag, then delete when no name is left; force also
// removes the containers that use it.
func (s *Server) imageDelete(w http.ResponseWriter, r *http.Request, name string) error {
	force, err := queryBool(r, "force")
	if err != nil {
		return err
	}
	ce, err := s.eng.Containers()
	if err != nil {
		return err
	}
	o := image.RemoveOptions{Force: force, Events: s.eng.Config().Events}
	if force {
		o.RemoveContainer = func(id string) error { return ce.RemoveUser(r.Context(), id) }
	}
	done, err := image.Remove(r.Context(), ce.Store, []string{name}, o)
	if err == nil && len(done) == 0 { // force hides a missing image; Docker does not
		err = notFound(fmt.Errorf("No such image: %s", name))
	}
	if err != nil {
		return imageError(err, name)
	}
	out := []dockerimage.DeleteResponse{}
	for _, d := range done {
		for _, n := range d.Untagged {
			out = append(out, dockerimage.DeleteResponse{Untagged: dockerName(n)})
		}
	}
	for _, d := range done {
		if d.Deleted != "" {
			out = append(out, dockerimage.DeleteResponse{Deleted: imageID(d.Deleted)})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) imageSearch(w http.ResponseWriter, r *http.Request) error {
	term := r.URL.Query().Get("term")
	if term == "" {
		return badRequest(errors.New("term is required: GET /images/search?term=NAME"))
	}
	limit, err := queryInt(r, "limit", 0)
	var f filterArgs
	if err == nil {
		f, err = parseFilters(r)
	}
	if err == nil {
		err = f.only("stars", "is-official", "is-automated")
	}
	if err != nil {
		return err
	}
	o := image.SearchOptions{Limit: limit, Filters: f.podmanStyle()}
	if o.RegistryOptions, err = registryAuth(r); err != nil {
		return err
	}
	found, err := image.Search(r.Context(), s.eng.Config(), term, o)
	if err != nil {
		return err
	}
	out := make([]registry.SearchResult, 0, len(found))
	for _, f := range found {
		out = append(out, registry.SearchResult{
			Name: f.Name, Description: f.Description, StarCount: f.Stars,
			IsOfficial: f.Official != "", IsAutomated: f.Automated != "",
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// imagePrune removes dangling images, or with dangling=false every unused
// one, as `roost image prune [--all]` does.
func (s *Server) imagePrune(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err == nil {
		err = f.only("dangling", "label", "label!", "until")
	}
	if err != nil {
		return err
	}
	o := image.PruneOptions{Events: s.eng.Config().Events}
	for _, v := range f["dangling"] {
		o.All = o.All || v == "false" || v == "0"
	}
	delete(f, "dangling")
	o.Filters = f.podmanStyle()
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	if imgs, err := store.Images(); err == nil {
		for _, i := range imgs {
			if n, err := store.ImageSize(i.ID); err == nil {
				sizes[i.ID] = n
			}
		}
	}
	ids, err := image.Prune(r.Context(), store, o)
	if err != nil {
		return err
	}
	rep := dockerimage.PruneReport{ImagesDeleted: []dockerimage.DeleteResponse{}}
	for _, id := range ids {
		rep.ImagesDeleted = append(rep.ImagesDeleted, dockerimage.DeleteResponse{Deleted: imageID(id)})
		rep.SpaceReclaimed += uint64(sizes[id])
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
