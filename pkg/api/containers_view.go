package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	dcontainer "github.com/moby/moby/api/types/container"
	dnetwork "github.com/moby/moby/api/types/network"

	"github.com/roost-containers/roost/pkg/container"
)

// queryFilters is ?filters= as the engine's KEY=VALUE filters.
func queryFilters(r *http.Request) ([]string, error) {
	f, err := parseFilters(r)
	if err != nil {
		return nil, err
	}
	return f.podmanStyle(), nil
}

// list is GET /containers/json?all&limit&size&filters: ps's rows in
// Docker's Summary shape.
func (c *containerAPI) list(w http.ResponseWriter, r *http.Request) error {
	filters, err := queryFilters(r)
	if err != nil {
		return err
	}
	all, err := queryBool(r, "all")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 0)
	if err != nil {
		return err
	}
	size, err := queryBool(r, "size")
	if err != nil {
		return err
	}
	ce, err := c.engine()
	if err != nil {
		return err
	}
	rows, err := ce.Listings(r.Context(), container.ListingOptions{
		ListOptions: container.ListOptions{All: all || limit > 0, Filters: filters}, Last: limit, Size: size,
	})
	if err != nil {
		return badRequest(err)
	}
	out := make([]dcontainer.Summary, 0, len(rows))
	for _, l := range rows {
		if !l.IsInfra {
			out = append(out, summary(l))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// summary is one ps row as Docker lists it: names with a leading slash,
// the command as one string, Docker's state words.
func summary(l container.Listing) dcontainer.Summary {
	s := dcontainer.Summary{
		ID: l.ID, Image: l.Image, ImageID: imageID(l.ImageID), Command: strings.Join(l.Command, " "),
		Created: l.Created, Labels: orEmpty(l.Labels), State: dockerState(l.State), Status: dockerStatus(l.Status),
		Ports: []dcontainer.PortSummary{}, Mounts: []dcontainer.MountPoint{},
	}
	for _, n := range l.Names {
		s.Names = append(s.Names, "/"+n)
	}
	for _, p := range l.Ports {
		for i := uint16(0); i <= p.Range && (i == 0 || p.Range > 0); i++ {
			ps := dcontainer.PortSummary{PrivatePort: p.ContainerPort + i, PublicPort: p.HostPort + i, Type: p.Protocol}
			if ip, err := netip.ParseAddr(p.HostIP); err == nil {
				ps.IP = ip
			} else {
				ps.IP = netip.IPv4Unspecified()
			}
			s.Ports = append(s.Ports, ps)
			if p.Range <= 1 {
				break
			}
		}
	}
	if l.Size != nil {
		s.SizeRw, s.SizeRootFs = l.Size.RwSize, l.Size.RootFsSize
	}
	mode := "bridge"
	if len(l.Networks) > 0 {
		mode = l.Networks[0]
	}
	s.HostConfig.NetworkMode = mode
	return s
}

// dockerStatus is ps's STATUS as Docker words it: "Up 2 minutes", where
// Podman says "Up 2 minutes ago"; "Exited (0) 5 seconds ago" is the same.
func dockerStatus(s string) string {
	if strings.HasPrefix(s, "Up ") {
		return strings.Replace(s, " ago", "", 1)
	}
	return s
}

// inspect is GET /containers/{id}/json. Roost's inspect has Podman's
// shape, which follows Docker's: it is carried over field by field through
// JSON, and what differs (the name's slash, the state's words, the
// network mode's name) is set after.
func (c *containerAPI) inspect(w http.ResponseWriter, r *http.Request) error {
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	in, err := ce.Inspect(ct.ID)
	if err != nil {
		return ctrError(ct.Name, err)
	}
	resp, err := containerInspect(in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func containerInspect(in *container.Inspect) (*dcontainer.InspectResponse, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var out dcontainer.InspectResponse
	// A field whose type differs between the two shapes is left at its
	// zero value; json goes on with the others and reports the first.
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(b, &out); err != nil && !errors.As(err, &typeErr) {
		return nil, err
	}
	out.Name = "/" + strings.TrimPrefix(in.Name, "/")
	out.Created = in.Created.UTC().Format(time.RFC3339Nano)
	out.Image = imageID(in.Image)
	if out.State == nil {
		out.State = &dcontainer.State{}
	}
	out.State.Status = dockerState(in.State.Status)
	out.State.StartedAt = dockerTime(in.State.StartedAt)
	out.State.FinishedAt = dockerTime(in.State.FinishedAt)
	if out.Config != nil && out.Config.Labels == nil {
		out.Config.Labels = map[string]string{}
	}
	if out.Mounts == nil {
		out.Mounts = []dcontainer.MountPoint{}
	}
	// Every address is 0.0.0.0 to Docker's clients (`docker port`,
	// testcontainers' mapped ports), where Podman leaves the address empty.
	if out.NetworkSettings != nil {
		anyAddress(out.NetworkSettings.Ports)
	}
	if out.HostConfig != nil {
		anyAddress(out.HostConfig.PortBindings)
	}
	return &out, nil
}

func anyAddress(ports dnetwork.PortMap) {
	for _, list := range ports {
		for i := range list {
			if !list[i].HostIP.IsValid() {
				list[i].HostIP = netip.IPv4Unspecified()
			}
		}
	}
}

// dockerTime is Docker's way of writing a time that never was.
func dockerTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// logs is GET /containers/{id}/logs: the container's log, multiplexed
// unless it has a terminal, following with ?follow.
func (c *containerAPI) logs(w http.ResponseWriter, r *http.Request) error {
	o, stdout, stderr, err := logRequest(r)
	if err != nil {
		return err
	}
	ce, ct, err := c.get(r)
	if err != nil {
		return err
	}
	tty := ct.Run.Terminal
	ctype := "application/vnd.docker.multiplexed-stream"
	if tty {
		ctype = "application/vnd.docker.raw-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	out, errOut := logWriters(w, tty, stdout, stderr)
	_ = ce.Logs(r.Context(), ct.ID, o, out, errOut)
	return nil
}

// logRequest reads logs' query: follow, since/until (unix seconds, with an
// optional fraction), tail ("all" or a number), timestamps, stdout, stderr.
func logRequest(r *http.Request) (container.LogOptions, bool, bool, error) {
	o := container.LogOptions{Tail: -1}
	var err error
	bools := map[string]*bool{"follow": &o.Follow, "timestamps": &o.Timestamps}
	for name, dst := range bools {
		if *dst, err = queryBool(r, name); err != nil {
			return o, false, false, err
		}
	}
	stdout, err := queryBool(r, "stdout")
	if err != nil {
		return o, false, false, err
	}
	stderr, err := queryBool(r, "stderr")
	if err != nil {
		return o, false, false, err
	}
	q := r.URL.Query()
	if t := q.Get("tail"); t != "" && t != "all" {
		if o.Tail, err = strconv.Atoi(t); err != nil || o.Tail < 0 {
			return o, false, false, badRequest(errors.New("invalid tail: want all or a number"))
		}
	}
	for name, dst := range map[string]*time.Time{"since": &o.Since, "until": &o.Until} {
		if v := q.Get(name); v != "" && v != "0" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return o, false, false, badRequest(errors.New("invalid " + name + ": want unix seconds"))
			}
			*dst = time.Unix(0, int64(f*1e9))
		}
	}
	return o, stdout, stderr, nil
}

// logWriters are where the log's two streams go: nowhere when not asked
// for, the body itself for a terminal, else frames of each stream; each
// write is flushed, so that a follower sees lines as they come.
func logWriters(w http.ResponseWriter, tty, stdout, stderr bool) (io.Writer, io.Writer) {
	body := flushing{w}
	mu := &sync.Mutex{}
	pick := func(wanted bool, which stdcopy.StdType) io.Writer {
		switch {
		case !wanted:
			return io.Discard
		case tty:
			return &lockedWriter{mu: mu, w: body}
		}
		return &frameWriter{mu: mu, w: body, stream: which}
	}
	return pick(stdout, stdcopy.Stdout), pick(stderr, stdcopy.Stderr)
}

// flushing sends what is written at once.
type flushing struct{ w http.ResponseWriter }

func (f flushing) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}
