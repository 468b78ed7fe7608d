package container

import "github.com/roost-containers/roost/pkg/proc"

// alive reports whether the owner process still runs (and is the same one).
func (o Owner) alive() bool {
	st, err := proc.StartTime(o.Pid)
	return err == nil && st == o.StartTime
}
