package container

import (
	"errors"
	"fmt"
	"strings"

	"go.podman.io/storage/pkg/archive"

	"github.com/roost-containers/roost/pkg/state"
)

// Change is one path that differs from the image: Kind is "A" (added),
// "C" (changed) or "D" (deleted), as Podman prints them.
type Change struct {
	Kind string
	Path string
}

// runtimeOwned are the paths Roost or the runtime make in every rootfs as
// mount points for what it binds there (hosts, resolv.conf, .containerenv,
// secrets) and the kernel filesystems: not the container's own changes, so
// diff leaves them out, as Podman does (its libpod initInodes).
var runtimeOwned = map[string]bool{
	"/dev": true, "/proc": true, "/sys": true, "/run": true,
	"/etc/hostname": true, "/etc/hosts": true, "/etc/resolv.conf": true, "/etc/mtab": true,
	"/run/.containerenv": true, "/run/notify": true, "/run/secrets": true,
}

// Diff lists what changed in a container's filesystem against its image, in
// storage's order (Podman's), without the mount points Roost made.
func (e *Engine) Diff(ref string) ([]Change, error) {
	id, err := e.Resolve(ref)
	if errors.Is(err, state.ErrNotFound) {
		// Buildah's working containers are storage's too (ps --external).
		id, err = e.ResolveExternal(ref)
	}
	if err != nil {
		return nil, err
	}
	sc, err := e.Store.Container(id)
	if err != nil {
		return nil, fmt.Errorf("storage of container %s: %w", ref, err)
	}
	changes, err := e.Store.Changes("", sc.LayerID)
	if err != nil {
		return nil, fmt.Errorf("changes of container %s: %w", ref, err)
	}
	out := make([]Change, 0, len(changes))
	for _, ch := range changes {
		if runtimeOwned[ch.Path] || underKernelMount(ch.Path) {
			continue
		}
		out = append(out, Change{Kind: changeKind(ch.Kind), Path: ch.Path})
	}
	return out, nil
}

func changeKind(k archive.ChangeType) string {
	switch k {
	case archive.ChangeAdd:
		return "A"
	case archive.ChangeDelete:
		return "D"
	}
	return "C"
}

// underKernelMount: a path below /proc or /sys, where a kernel filesystem is
// always mounted over the layer; what shows there in the layer is the
// runtime's doing (a mount target), never the container's.
func underKernelMount(p string) bool {
	return strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/")
}
