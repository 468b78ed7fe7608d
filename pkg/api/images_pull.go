package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/registry"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/image"
)

// progressMessage is one line of Docker's JSON progress stream. Error is the
// plain "error" key that older clients (docker-compose 1.x) read beside
// the errorDetail object of jsonstream.Message.
type progressMessage struct {
	jsonstream.Message
	ErrorText string `json:"error,omitempty"`
}

// progressStream writes Docker's JSON progress stream: a 200 whose body is
// one JSON message per line, flushed as it goes. Once it has started, a
// failure can only be told as a final message with errorDetail. Safe for
// the copy's progress goroutine and the handler at once.
type progressStream struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	enc     *json.Encoder
	started bool
}

func newProgressStream(w http.ResponseWriter) *progressStream {
	return &progressStream{w: w, enc: json.NewEncoder(w)}
}

func (p *progressStream) send(m jsonstream.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.startLocked()
	_ = p.enc.Encode(progressMessage{Message: m})
	flushOut(p.w)
}

func (p *progressStream) startLocked() {
	if !p.started {
		p.w.Header().Set("Content-Type", "application/json")
		p.w.WriteHeader(http.StatusOK)
		p.started = true
	}
}

// fail ends the stream with err; before anything was sent it is a plain
// error answer with its status instead.
func (p *progressStream) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		writeError(p.w, err)
		p.started = true
		return
	}
	_ = p.enc.Encode(progressMessage{
		Message:   jsonstream.Message{Error: &jsonstream.Error{Message: err.Error()}},
		ErrorText: err.Error(),
	})
	flushOut(p.w)
}

// layers turns containers/image's blob progress into Docker's per-layer
// lines until finish is called (after the copy returned). The channel is
// never closed: a late send from the copy must not panic the service.
// verbs are what a pull or a push says at each stage.
func (p *progressStream) layers(ch <-chan types.ProgressProperties, v layerVerbs) (sawCopy func() bool, finish func()) {
	stop, fin := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	copied := false
	handle := func(e types.ProgressProperties) {
		id := e.Artifact.Digest.Encoded()
		if len(id) > 12 {
			id = id[:12]
		}
		m := jsonstream.Message{ID: id}
		switch e.Event {
		case types.ProgressEventNewArtifact:
			m.Status = v.start
		case types.ProgressEventRead:
			m.Status = v.moving
			m.Progress = &jsonstream.Progress{Current: int64(e.Offset), Total: e.Artifact.Size}
		case types.ProgressEventDone:
			m.Status = v.done
			mu.Lock()
			copied = true
			mu.Unlock()
		case types.ProgressEventSkipped:
			m.Status = v.skipped
		default:
			return
		}
		p.send(m)
	}
	go func() {
		defer close(fin)
		for {
			select {
			case e := <-ch:
				handle(e)
			case <-stop:
				for { // what was sent before the copy returned
					select {
					case e := <-ch:
						handle(e)
					default:
						return
					}
				}
			}
		}
	}()
	return func() bool { mu.Lock(); defer mu.Unlock(); return copied },
		func() { close(stop); <-fin }
}

type layerVerbs struct{ start, moving, done, skipped string }

var (
	pullVerbs = layerVerbs{"Pulling fs layer", "Downloading", "Pull complete", "Already exists"}
	pushVerbs = layerVerbs{"Preparing", "Pushing", "Pushed", "Layer already exists"}
)

// registryAuth reads X-Registry-Auth: base64url JSON of Docker's
// AuthConfig (user name and password, or auth as base64 user:password).
// An absent or empty one ({}) leaves the stored credentials to apply.
func registryAuth(r *http.Request) (image.RegistryOptions, error) {
	var o image.RegistryOptions
	h := strings.TrimSpace(r.Header.Get(registry.AuthHeader))
	if h == "" {
		return o, nil
	}
	ac, err := decodeAuth(h)
	if err != nil {
		return o, badRequest(fmt.Errorf("invalid X-Registry-Auth header: %w", err))
	}
	user, pass := ac.Username, ac.Password
	if user == "" && ac.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(ac.Auth)
		if err != nil {
			return o, badRequest(fmt.Errorf("invalid X-Registry-Auth header: auth is not base64: %w", err))
		}
		user, pass, _ = strings.Cut(string(raw), ":")
	}
	if user != "" {
		o.Creds = user + ":" + pass
	}
	return o, nil
}

func decodeAuth(h string) (registry.AuthConfig, error) {
	var ac registry.AuthConfig
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if raw, err = enc.DecodeString(h); err == nil {
			break
		}
	}
	if err != nil {
		return ac, errors.New("not base64")
	}
	if err := json.Unmarshal(raw, &ac); err != nil {
		return ac, fmt.Errorf("not a JSON auth configuration: %w", err)
	}
	return ac, nil
}

// imageCreate is `docker pull` (fromImage, tag, platform) and `docker
// import` (fromSrc: - is the body, else a URL), answered as Docker's
// progress stream.
func (s *Server) imageCreate(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("fromSrc") != "" {
		return s.imageImport(w, r)
	}
	name, err := pullName(q.Get("fromImage"), q.Get("tag"))
	if err != nil {
		return badRequest(err)
	}
	o := image.PullOptions{}
	if p := q.Get("platform"); p != "" {
		if o.Platform, err = image.ParsePlatform(p); err != nil {
			return badRequest(err)
		}
	}
	if o.RegistryOptions, err = registryAuth(r); err != nil {
		return err
	}
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	ps := newProgressStream(w)
	named, _ := reference.ParseNormalizedNamed(name)
	tagOrDigest := "latest"
	if t, ok := named.(reference.Tagged); ok {
		tagOrDigest = t.Tag()
	} else if d, ok := named.(reference.Digested); ok {
		tagOrDigest = d.Digest().String()
	}
	ps.send(jsonstream.Message{Status: "Pulling from " + reference.FamiliarName(named), ID: tagOrDigest})
	ch := make(chan types.ProgressProperties)
	o.Layers = ch
	copied, finish := ps.layers(ch, pullVerbs)
	ids, err := image.Pull(r.Context(), store, s.eng.Config(), name, o)
	finish()
	if err != nil {
		ps.fail(err)
		return nil
	}
	if len(ids) > 0 {
		ps.send(jsonstream.Message{Status: "Digest: " + imageID(ids[0])})
	}
	verdict := "Image is up to date for "
	if copied() {
		verdict = "Downloaded newer image for "
	}
	ps.send(jsonstream.Message{Status: "Status: " + verdict + reference.FamiliarString(named)})
	return nil
}

// pullName joins fromImage and tag (a tag or a digest) into one reference;
// without a tag Docker's clients mean :latest.
func pullName(from, tag string) (string, error) {
	if from == "" {
		return "", errors.New("fromImage is required: POST /images/create?fromImage=NAME&tag=TAG")
	}
	name := from
	if tag != "" {
		sep := ":"
		if strings.Contains(tag, ":") {
			sep = "@" // a digest
		}
		name += sep + tag
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", name, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// imageImport makes an image of a filesystem tarball (fromSrc=- reads the
// body), named repo:tag, as `roost import` does.
func (s *Server) imageImport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	o := image.ImportOptions{Source: q.Get("fromSrc"), Reader: r.Body}
	o.Message = q.Get("message")
	if repo := q.Get("repo"); repo != "" {
		o.Name = repo
		if t := q.Get("tag"); t != "" {
			o.Name += ":" + t
		}
	}
	changes, err := image.ParseChanges(q["changes"])
	if err != nil {
		return badRequest(err)
	}
	o.Changes = changes
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	id, err := image.Import(r.Context(), store, s.eng.Config(), o)
	ps := newProgressStream(w)
	if err != nil {
		ps.fail(err)
		return nil
	}
	ps.send(jsonstream.Message{Status: imageID(id)})
	return nil
}

// imagePush is `docker push`: the image's own name (with ?tag=), to its
// registry, as Docker's progress stream ending with the pushed digest.
func (s *Server) imagePush(w http.ResponseWriter, r *http.Request, name string) error {
	if t := r.URL.Query().Get("tag"); t != "" {
		name += ":" + t
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return badRequest(fmt.Errorf("invalid image reference %q: %w", name, err))
	}
	named = reference.TagNameOnly(named)
	o := image.PushOptions{}
	if o.RegistryOptions, err = registryAuth(r); err != nil {
		return err
	}
	store, err := s.eng.Store()
	if err != nil {
		return err
	}
	if !image.Exists(store, named.String()) {
		return notFound(fmt.Errorf("No such image: %s", reference.FamiliarString(named)))
	}
	ps := newProgressStream(w)
	ps.send(jsonstream.Message{Status: "The push refers to repository [" + named.Name() + "]"})
	ch := make(chan types.ProgressProperties)
	o.Layers = ch
	_, finish := ps.layers(ch, pushVerbs)
	d, err := image.Push(r.Context(), store, s.eng.Config(), named.String(), "", o)
	finish()
	if err != nil {
		ps.fail(err)
		return nil
	}
	tag := "latest"
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	ps.send(jsonstream.Message{Status: tag + ": digest: " + d.String()})
	aux, _ := json.Marshal(map[string]any{"Tag": tag, "Digest": d.String()})
	raw := json.RawMessage(aux)
	ps.send(jsonstream.Message{Aux: &raw})
	return nil
}

// failCode is fail with the exit code of the step that failed.
func (p *progressStream) failCode(err error, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.startLocked()
	_ = p.enc.Encode(progressMessage{
		Message:   jsonstream.Message{Error: &jsonstream.Error{Code: code, Message: err.Error()}},
		ErrorText: err.Error(),
	})
	flushOut(p.w)
}
