package image

import "github.com/roost-containers/roost/pkg/events"

// record writes one image event per name: Podman's image events carry the
// image's id and the name the action was about.
func record(o events.Options, s events.Status, id string, names ...string) {
	for _, n := range names {
		events.Record(o, events.Event{Type: events.Image, Status: s, ID: id, Name: n})
	}
}

// record writes what one rmi did: each name taken off, then the deletion.
func (r Removal) record(o events.Options) {
	id := r.Deleted
	if id == "" {
		return // a name taken off only: removeOne recorded it
	}
	record(o, events.Untag, id, r.Untagged...)
	record(o, events.Remove, id, id)
}
