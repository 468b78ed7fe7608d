package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	dockerbuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"

	"github.com/roost-containers/roost/pkg/build"
	"github.com/roost-containers/roost/pkg/engine"
)

// buildRoutes: /build, Docker's classic builder API. BuildKit's /session
// is not served (a 404, as Podman answers it): Docker's CLI then needs
// DOCKER_BUILDKIT=0, which is what it uses when _ping says Builder-Version 1.
func (s *Server) buildRoutes(mux *http.ServeMux) {
	mux.Handle("POST /build", endpoint(s.build))
	mux.Handle("POST /build/prune", endpoint(s.buildPrune))
}

// build runs the engine's Build on the tar context of the body, streaming
// its output as {"stream": ...} lines, the image ID as {"aux": {"ID": ...}}
// and a failure as {"errorDetail": ...}, as Docker's classic builder does.
func (s *Server) build(w http.ResponseWriter, r *http.Request) error {
	req, quiet, err := buildRequest(r)
	if err != nil {
		return err
	}
	ps := newProgressStream(w)
	if !quiet {
		req.Output = streamLines{ps}
	}
	req.ContextTar = r.Body
	res, err := s.eng.Build(r.Context(), req)
	if err != nil {
		var re *build.RunError
		if errors.As(err, &re) {
			ps.failCode(err, re.ExitCode)
			return nil
		}
		ps.fail(err)
		return nil
	}
	id := imageID(res.ImageID)
	aux, _ := json.Marshal(map[string]string{"ID": id})
	raw := json.RawMessage(aux)
	ps.send(jsonstream.Message{Aux: &raw})
	if quiet {
		ps.send(jsonstream.Message{Stream: id + "\n"})
		return nil
	}
	// docker-compose 1.x reads the ID from this line, as older Dockers wrote it.
	ps.send(jsonstream.Message{Stream: "Successfully built " + res.ImageID[:min(12, len(res.ImageID))] + "\n"})
	for _, t := range res.Tags {
		ps.send(jsonstream.Message{Stream: "Successfully tagged " + dockerName(t) + "\n"})
	}
	return nil
}

// buildRequest reads /build's query into the engine's request; every
// value is checked before the body is read.
func buildRequest(r *http.Request) (engine.BuildRequest, bool, error) {
	q := r.URL.Query()
	req := engine.BuildRequest{
		Tags: q["t"], Target: q.Get("target"), Platform: q.Get("platform"),
		Layers: true, RemoveIntermediate: true,
	}
	if remote := q.Get("remote"); remote != "" {
		return req, false, badRequest(fmt.Errorf("remote build contexts (%s) are not supported: send the context as a tar body", remote))
	}
	if df := q.Get("dockerfile"); df != "" {
		if !filepath.IsLocal(df) {
			return req, false, badRequest(fmt.Errorf("dockerfile %q must be a path inside the build context", df))
		}
		req.Containerfile = df
	}
	var err error
	bools := map[string]*bool{"nocache": &req.NoCache, "rm": &req.RemoveIntermediate, "forcerm": &req.ForceRemove, "squash": &req.Squash}
	for name, dst := range bools {
		if q.Has(name) {
			if *dst, err = queryBool(r, name); err != nil {
				return req, false, err
			}
		}
	}
	quiet, err := queryBool(r, "q")
	if err != nil {
		return req, false, err
	}
	req.Quiet = quiet
	if req.Pull, err = buildPull(q.Get("pull")); err != nil {
		return req, false, err
	}
	if req.BuildArgs, err = buildArgsQuery(q.Get("buildargs")); err != nil {
		return req, false, err
	}
	if req.Labels, err = jsonQuery[map[string]string]("labels", q.Get("labels")); err != nil {
		return req, false, err
	}
	if req.CacheFrom, err = jsonQuery[[]string]("cachefrom", q.Get("cachefrom")); err != nil {
		return req, false, err
	}
	switch nm := q.Get("networkmode"); nm {
	case "", "default", "bridge":
	default:
		req.Network = nm
	}
	if h := q.Get("extrahosts"); h != "" {
		req.AddHosts = strings.Split(h, ",")
	}
	return req, quiet, nil
}

// buildPull reads pull: Docker's clients send a boolean; a policy name is
// taken too, as Podman takes it.
func buildPull(v string) (engine.PullPolicy, error) {
	switch strings.ToLower(v) {
	case "", "0", "false":
		return engine.PullMissing, nil
	case "1", "true":
		return engine.PullAlways, nil
	}
	p, err := engine.ParsePullPolicy(v)
	if err != nil {
		return p, badRequest(fmt.Errorf("invalid pull %q: %w", v, err))
	}
	return p, nil
}

// buildArgsQuery reads buildargs, a JSON object of name to value; a null
// value (the CLI's --build-arg NAME with NAME unset) is left out.
func buildArgsQuery(v string) (map[string]string, error) {
	m, err := jsonQuery[map[string]*string]("buildargs", v)
	if err != nil || m == nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, p := range m {
		if p != nil {
			out[k] = *p
		}
	}
	return out, nil
}

// jsonQuery decodes a query parameter holding JSON; absent is the zero value.
func jsonQuery[T any](name, v string) (T, error) {
	var out T
	if v == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return out, badRequest(fmt.Errorf("invalid %s %q: %w", name, v, err))
	}
	return out, nil
}

// buildPrune: Roost's build cache is intermediate images, which image
// prune removes; there is no separate cache to report.
func (s *Server) buildPrune(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, dockerbuild.CachePruneReport{CachesDeleted: []string{}})
	return nil
}

// streamLines sends what the build writes as {"stream": ...} messages.
type streamLines struct{ ps *progressStream }

func (s streamLines) Write(p []byte) (int, error) {
	s.ps.send(jsonstream.Message{Stream: string(p)})
	return len(p), nil
}
