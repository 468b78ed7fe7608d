// Package events is Roost's record of what happened: one Event per action on
// a container, pod, image, volume, network or the system, written by the
// engine and the monitors to a log (a size-capped file of JSON lines, or
// journald) and read back by `roost events` and, later, the API socket.
//
// Writing is cheap and never fails the action it records: a Writer reports
// errors to its caller, who logs them at debug level and carries on. The
// package imports only the standard library and x/sys, so the monitor can
// record the exits and health checks it sees when no roost command runs.
package events

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Type is the kind of object an event is about.
type Type string

// Status is what happened to it (Podman calls the action a status).
type Status string

// The types, with Podman's names.
const (
	Container Type = "container"
	Image     Type = "image"
	Network   Type = "network"
	Pod       Type = "pod"
	System    Type = "system"
	Volume    Type = "volume"
)

// The statuses, with Podman's names.
const (
	Attach          Status = "attach"
	AutoUpdate      Status = "auto-update"
	Build           Status = "build"
	Checkpoint      Status = "checkpoint"
	Cleanup         Status = "cleanup"
	Commit          Status = "commit"
	Copy            Status = "copy"
	Create          Status = "create"
	Exec            Status = "exec"
	ExecDied        Status = "exec_died"
	Died            Status = "died"
	Export          Status = "export"
	HealthStatus    Status = "health_status"
	Import          Status = "import"
	Init            Status = "init"
	Kill            Status = "kill"
	LoadFromArchive Status = "loadfromarchive"
	Mount           Status = "mount"
	Connect         Status = "connect"
	Disconnect      Status = "disconnect"
	Pause           Status = "pause"
	Prune           Status = "prune"
	Pull            Status = "pull"
	Push            Status = "push"
	Refresh         Status = "refresh"
	Remove          Status = "remove"
	Rename          Status = "rename"
	Renumber        Status = "renumber"
	Reset           Status = "reset"
	Restart         Status = "restart"
	Restore         Status = "restore"
	Rotate          Status = "log-rotation"
	Save            Status = "save"
	Start           Status = "start"
	Stop            Status = "stop"
	Sync            Status = "sync"
	Tag             Status = "tag"
	Unmount         Status = "unmount"
	Unpause         Status = "unpause"
	Untag           Status = "untag"
	Migrate         Status = "migrate"
)

// Event is one record. Its JSON is the line Podman writes to its events
// file (same names, same order), so either tool reads the other's log, and
// its fields are the names --format templates use.
type Event struct {
	// ContainerExitCode is the exit code of a died or exec_died event.
	ContainerExitCode int `json:",omitempty"`
	// ID is the object's id: a container's, pod's, image's, or for a
	// network event the container's.
	ID    string `json:",omitempty"`
	Image string `json:",omitempty"` // the image a container was made from
	Name  string `json:",omitempty"` // the object's name (an image's reference)
	// Network is a network event's network name.
	Network string `json:"network,omitempty"`
	Status  Status
	Time    time.Time
	Type    Type
	// HealthStatus is a health_status event's verdict.
	HealthStatus string `json:"health_status,omitempty"`
	PodID        string `json:",omitempty"`
	// Attributes are a container's labels, and details such as an exec
	// session's id.
	Attributes map[string]string
}

// TimeNano is Time in nanoseconds since the epoch, for templates
// ({{.TimeNano}}, as later Podman releases offer).
func (e Event) TimeNano() int64 { return e.Time.UnixNano() }

// MarshalLine is the event as one JSON line without its newline.
func (e Event) MarshalLine() ([]byte, error) { return json.Marshal(e) }

// ParseLine reads one JSON line of the log.
func ParseLine(line []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil {
		return Event{}, fmt.Errorf("event log line is not JSON: %w", err)
	}
	if e.Type == "" || e.Status == "" {
		return Event{}, fmt.Errorf("event log line has no type or status")
	}
	return e, nil
}

// shortID is the 12-character form of a 64-character id.
func shortID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}

// Human is the line `roost events` prints by default, Podman's: time, type,
// status, id and, for a container or pod, its details in parentheses
// (attributes sorted, so the line is the same each time). truncate shortens
// ids to 12 characters (--no-trunc=false).
func (e Event) Human(truncate bool) string {
	id := e.ID
	if truncate {
		id = shortID(id)
	}
	head := fmt.Sprintf("%s %s %s", e.Time, e.Type, e.Status)
	switch e.Type {
	case Container, Pod:
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s (image=%s, name=%s", head, id, e.Image, e.Name)
		if e.PodID != "" {
			fmt.Fprintf(&b, ", pod_id=%s", e.PodID)
		}
		if e.HealthStatus != "" {
			fmt.Fprintf(&b, ", health_status=%s", e.HealthStatus)
		}
		keys := make([]string, 0, len(e.Attributes))
		for k := range e.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, ", %s=%s", k, e.Attributes[k])
		}
		b.WriteString(")")
		return b.String()
	case Network:
		return fmt.Sprintf("%s %s (container=%s, name=%s)", head, id, id, e.Network)
	case Image:
		return fmt.Sprintf("%s %s %s", head, id, e.Name)
	case System:
		if e.Name == "" {
			return head
		}
		return head + " " + e.Name
	}
	return head + " " + e.Name
}
