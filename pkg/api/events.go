package api

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	dockerevents "github.com/moby/moby/api/types/events"

	"github.com/roost-containers/roost/pkg/events"
)

// events streams what happened, as `roost events` reads it from the same
// log, in Docker's message shape: one JSON object per event, flushed as it
// comes. With since it starts with past events; with until it ends there.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	opts, match, err := eventRequest(r, time.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flushOut(w) // clients wait for the headers before they show anything
	enc := json.NewEncoder(w)
	for e, err := range events.Read(r.Context(), s.eng.Config().Events, opts) {
		if err != nil {
			// The status is sent: say it the way a stream can.
			_ = enc.Encode(map[string]string{"error": err.Error()})
			return nil
		}
		m, ok := dockerEvent(e)
		if !ok || !match(m) {
			continue
		}
		if enc.Encode(m) != nil {
			return nil // the client went away
		}
		flushOut(w)
	}
	return nil
}

// eventRequest reads since, until and filters. Docker's events stream
// always follows; the log reader stops at until.
func eventRequest(r *http.Request, now time.Time) (events.ReadOptions, func(dockerevents.Message) bool, error) {
	o := events.ReadOptions{Stream: true}
	q := r.URL.Query()
	var err error
	if v := q.Get("since"); v != "" {
		if o.Since, err = events.ParseTime(v, now, true); err != nil {
			return o, nil, badRequest(fmt.Errorf("invalid since %q: %w", v, err))
		}
	}
	if v := q.Get("until"); v != "" {
		if o.Until, err = events.ParseTime(v, now, false); err != nil {
			return o, nil, badRequest(fmt.Errorf("invalid until %q: %w", v, err))
		}
	}
	f, err := parseFilters(r)
	if err != nil {
		return o, nil, err
	}
	if err := f.only("container", "event", "image", "label", "type", "volume", "network", "pod", "scope", "daemon"); err != nil {
		return o, nil, err
	}
	return o, eventFilter(f), nil
}

// dockerActions are Podman's statuses that Docker names differently.
var dockerActions = map[events.Type]map[events.Status]dockerevents.Action{
	events.Container: {events.Died: dockerevents.ActionDie, events.Remove: dockerevents.ActionDestroy, events.ExecDied: dockerevents.ActionExecDie, events.Exec: dockerevents.ActionExecStart},
	events.Image:     {events.Remove: dockerevents.ActionDelete, events.LoadFromArchive: dockerevents.ActionLoad},
}

// dockerEvent is e as Docker reports it; pods and the system's own events
// have no Docker counterpart and are not sent.
func dockerEvent(e events.Event) (dockerevents.Message, bool) {
	var t dockerevents.Type
	attrs := map[string]string{}
	id := e.ID
	switch e.Type {
	case events.Container:
		t = dockerevents.ContainerEventType
		maps.Copy(attrs, e.Attributes)
		attrs["name"], attrs["image"] = e.Name, e.Image
		if e.Status == events.Died {
			attrs["exitCode"] = strconv.Itoa(e.ContainerExitCode)
		}
		if e.HealthStatus != "" {
			attrs["health_status"] = e.HealthStatus
		}
	case events.Image:
		t = dockerevents.ImageEventType
		attrs["name"] = e.Name
	case events.Volume:
		t = dockerevents.VolumeEventType
		id = e.Name
		attrs["driver"] = "local"
	case events.Network:
		t = dockerevents.NetworkEventType
		attrs["name"], attrs["type"] = e.Network, "bridge"
		if e.ID != "" {
			attrs["container"] = e.ID
		}
		id = e.Network
	default:
		return dockerevents.Message{}, false
	}
	action := dockerevents.Action(e.Status)
	if a, ok := dockerActions[e.Type][e.Status]; ok {
		action = a
	}
	return dockerevents.Message{
		Type: t, Action: action, Scope: "local",
		Actor:    dockerevents.Actor{ID: id, Attributes: attrs},
		Time:     e.Time.Unix(),
		TimeNano: e.Time.UnixNano(),
	}, true
}

// eventFilter applies Docker's event filters: values of one key are
// alternatives, different keys must all match.
func eventFilter(f filterArgs) func(dockerevents.Message) bool {
	return func(m dockerevents.Message) bool {
		for k, vs := range f {
			ok := false
			for _, v := range vs {
				ok = ok || eventMatches(m, k, v)
			}
			if !ok {
				return false
			}
		}
		return true
	}
}

func eventMatches(m dockerevents.Message, key, v string) bool {
	a := m.Actor.Attributes
	switch key {
	case "type":
		return string(m.Type) == v
	case "event":
		return string(m.Action) == v || strings.HasPrefix(string(m.Action), v+":")
	case "container":
		return m.Type == dockerevents.ContainerEventType && (a["name"] == v || strings.HasPrefix(m.Actor.ID, v))
	case "image":
		if m.Type == dockerevents.ImageEventType {
			return a["name"] == v || strings.HasPrefix(m.Actor.ID, v)
		}
		return a["image"] == v
	case "volume":
		return m.Type == dockerevents.VolumeEventType && m.Actor.ID == v
	case "network":
		return m.Type == dockerevents.NetworkEventType && (a["name"] == v || m.Actor.ID == v)
	case "label":
		k, val, hasVal := strings.Cut(v, "=")
		got, ok := a[k]
		return ok && (!hasVal || got == val)
	case "scope":
		return v == "local"
	}
	return false // pod, daemon: nothing Docker-shaped matches them
}

// flushOut sends what is written so far, for streamed answers.
func flushOut(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
