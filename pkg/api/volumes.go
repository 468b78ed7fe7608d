package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	dockervolume "github.com/moby/moby/api/types/volume"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
)

// volumeRoutes: volumes. Names are matched exactly, as Docker does: the
// CLI's unambiguous-prefix lookup must not let `DELETE /volumes/ab` remove
// volume abc.
func (s *Server) volumeRoutes(mux *http.ServeMux) {
	mux.Handle("GET /volumes", endpoint(s.volumeList))
	mux.Handle("POST /volumes/create", endpoint(s.volumeCreate))
	mux.Handle("GET /volumes/{name}", endpoint(s.volumeInspect))
	mux.Handle("DELETE /volumes/{name}", endpoint(s.volumeDelete))
	mux.Handle("POST /volumes/prune", endpoint(s.volumePrune))
}

// dockerVolume is a volume in Docker's shape.
func dockerVolume(in volume.Inspect) dockervolume.Volume {
	return dockervolume.Volume{
		Name: in.Name, Driver: in.Driver, Mountpoint: in.Mountpoint,
		CreatedAt: in.CreatedAt.Format(time.RFC3339), Labels: in.Labels,
		Options: in.Options, Scope: in.Scope,
	}
}

func (s *Server) volumeList(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err == nil {
		err = f.only("dangling", "driver", "label", "label!", "name")
	}
	var match volume.Filter
	if err == nil {
		match, err = volume.ParseFilter(f.podmanStyle(), volume.ListFilterKeys)
		if err != nil {
			err = badRequest(err)
		}
	}
	if err != nil {
		return err
	}
	ce, err := s.eng.Containers()
	if err != nil {
		return err
	}
	list, err := ce.ListVolumes(match)
	if err != nil {
		return err
	}
	out := dockervolume.ListResponse{Volumes: []dockervolume.Volume{}, Warnings: []string{}}
	for _, in := range list {
		out.Volumes = append(out.Volumes, dockerVolume(in))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) volumeCreate(w http.ResponseWriter, r *http.Request) error {
	var req dockervolume.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.ClusterVolumeSpec != nil {
		return badRequest(errors.New("cluster volumes are a swarm feature, which Roost does not have"))
	}
	// Docker's create is idempotent: a volume of that name is returned as
	// it is (compose creates its volumes on every `up`).
	v, err := s.eng.Volumes().Create(volume.CreateOptions{Name: req.Name, Driver: req.Driver,
		Labels: req.Labels, Options: req.DriverOpts, IgnoreExisting: true})
	if errors.Is(err, volume.ErrInvalid) {
		err = badRequest(err)
	}
	if err != nil {
		return err
	}
	// Docker's shape has no mount count: no need to ask the containers.
	writeJSON(w, http.StatusCreated, dockerVolume(s.eng.Volumes().Inspect(v, 0)))
	return nil
}

func (s *Server) volumeInspect(w http.ResponseWriter, r *http.Request) error {
	in, err := s.inspectVolume(r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dockerVolume(in))
	return nil
}

// inspectVolume reads the volume of exactly that name.
func (s *Server) inspectVolume(name string) (volume.Inspect, error) {
	if err := s.exactVolume(name); err != nil {
		return volume.Inspect{}, err
	}
	ce, err := s.eng.Containers()
	if err != nil {
		return volume.Inspect{}, err
	}
	return ce.InspectVolume(name)
}

// exactVolume is nil when a volume has exactly that name; otherwise a 404
// in Docker's words.
func (s *Server) exactVolume(name string) error {
	_, err := s.eng.Volumes().Exact(name)
	if errors.Is(err, state.ErrNotFound) {
		return notFound(fmt.Errorf("get %s: no such volume", name))
	}
	return err
}

// volumeDelete removes a volume. As in Docker, ?force only makes a missing
// volume no error: a volume in use is refused (409) either way, and no
// container is removed for it (that is `roost volume rm --force`).
func (s *Server) volumeDelete(w http.ResponseWriter, r *http.Request) error {
	force, err := queryBool(r, "force")
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := s.exactVolume(name); err != nil {
		if force && statusOf(err) == http.StatusNotFound {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return err
	}
	ce, err := s.eng.Containers()
	if err != nil {
		return err
	}
	_, err = ce.RemoveVolume(r.Context(), name, container.VolumeRemoveOptions{})
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, volume.ErrInUse):
		return conflict(fmt.Errorf("remove %s: %w", name, err))
	case force && errors.Is(err, state.ErrNotFound):
		w.WriteHeader(http.StatusNoContent) // removed meanwhile
	default:
		return err
	}
	return nil
}

// volumePrune removes unused volumes. From API 1.42 on, Docker prunes only
// anonymous volumes unless the filter all=true asks for every unused one;
// older clients expect every unused volume gone.
func (s *Server) volumePrune(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err == nil {
		err = f.only("label", "label!", "until", "all")
	}
	if err != nil {
		return err
	}
	all := versionLess(requestVersion(r.Context()), "1.42")
	for _, v := range f["all"] {
		switch v {
		case "true", "1":
			all = true
		case "false", "0":
		default:
			return badRequest(fmt.Errorf("invalid filter 'all=%s': want true or false", v))
		}
	}
	delete(f, "all")
	specs := f.podmanStyle()
	if !all {
		specs = append(specs, "anonymous=true")
	}
	match, err := volume.ParseFilter(specs, volume.APIPruneFilterKeys)
	if err != nil {
		return badRequest(err)
	}
	rep, err := s.eng.PruneVolumes(r.Context(), match)
	if err != nil {
		return err
	}
	if rep.Names == nil {
		rep.Names = []string{}
	}
	writeJSON(w, http.StatusOK, dockervolume.PruneReport{VolumesDeleted: rep.Names, SpaceReclaimed: rep.SpaceReclaimed})
	return nil
}
