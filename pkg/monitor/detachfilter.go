package monitor

// DetachFilter watches input for the detach keys, for a caller that relays a
// terminal itself (exec -it) rather than through a monitor's attach socket.
type DetachFilter struct {
	keys, held []byte
}

// NewDetachFilter watches for keys (from ParseDetachKeys; none: never detach).
func NewDetachFilter(keys []byte) *DetachFilter { return &DetachFilter{keys: keys} }

// Filter passes input on, holding back a partial match of the keys until the
// next input tells; detach is true once the whole sequence was typed.
func (d *DetachFilter) Filter(in []byte) (out []byte, detach bool) {
	return filterDetach(in, d.keys, &d.held)
}
