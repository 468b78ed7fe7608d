package main

import (
	"strconv"

	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/userns"
)

// userNamespace reads --userns, --uidmap, --gidmap, --subuidname and
// --subgidname into ns; a subordinate name becomes the mapping of its range.
func (f *createFlags) userNamespace(ns *spec.NamespaceOptions) error {
	ns.UserNS, ns.UIDMap, ns.GIDMap = f.userns, f.uidMap, f.gidMap
	for _, n := range []struct {
		name string
		gids bool
		to   *[]string
	}{{f.subUIDName, false, &ns.UIDMap}, {f.subGIDName, true, &ns.GIDMap}} {
		if n.name == "" {
			continue
		}
		start, size, err := userns.NamedRange(n.name, n.gids)
		if err != nil {
			return err
		}
		*n.to = append(*n.to, "0:"+strconv.Itoa(start)+":"+strconv.Itoa(size))
	}
	return ns.CheckUserNamespace()
}
