package volume

import "time"

// Inspect is a volume in the shape of Podman's `volume inspect` (and of
// each entry of `volume ls --format json`).
type Inspect struct {
	Name        string            `json:"Name"`
	Driver      string            `json:"Driver"`
	Mountpoint  string            `json:"Mountpoint"`
	CreatedAt   time.Time         `json:"CreatedAt"`
	Labels      map[string]string `json:"Labels"`
	Scope       string            `json:"Scope"`
	Options     map[string]string `json:"Options"`
	UID         int               `json:"UID,omitempty"`
	GID         int               `json:"GID,omitempty"`
	Anonymous   bool              `json:"Anonymous,omitempty"`
	MountCount  uint              `json:"MountCount"`
	NeedsCopyUp bool              `json:"NeedsCopyUp,omitempty"`
	NeedsChown  bool              `json:"NeedsChown,omitempty"`
}

// Inspect shows v; running is how many running containers mount it.
func (m *Manager) Inspect(v *Volume, running uint) Inspect {
	in := Inspect{
		Name: v.Name, Driver: v.Driver, Mountpoint: m.Mountpoint(v.Name),
		CreatedAt: v.CreatedAt.Local(), Labels: v.Labels, Scope: "local",
		Options: v.Options, Anonymous: v.Anonymous, MountCount: running,
		NeedsCopyUp: v.NeedsCopyUp, NeedsChown: v.NeedsChown,
	}
	if in.Labels == nil {
		in.Labels = map[string]string{}
	}
	if in.Options == nil {
		in.Options = map[string]string{}
	}
	if o, err := parseOptions(v.Options); err == nil {
		in.UID, in.GID = max(o.ownerUID, 0), max(o.ownerGID, 0)
	}
	return in
}
