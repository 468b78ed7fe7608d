package container

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
)

// A container records the volumes it uses as mounts of type volume in
// Spec.Mounts, each with the volume's full name as Source. That record is the
// one truth about "in use": volume rm and prune read it, and prepare turns
// each into a bind mount of the volume's directory at every start.

// volumeNames lists the volumes c mounts.
func volumeNames(c *Container) []string {
	var out []string
	for _, m := range c.Spec.Mounts {
		if m.Type == spec.TypeVolume && m.Source != "" {
			out = append(out, m.Source)
		}
	}
	return out
}

// claimVolumes completes the volume mounts of a container about to be
// created: --volumes-from copies another container's volumes and binds, the
// image's VOLUME paths no mount covers get anonymous volumes, a mount
// without a name gets a new anonymous volume, and a named volume that does
// not exist yet is created. It returns holding the locks of every volume
// used, so no `volume rm` can take one before the container is recorded;
// release frees them. made lists the volumes created here, which a failed
// create must remove again.
func (e *Engine) claimVolumes(ctx context.Context, o *CreateOptions) (release func(), made []string, err error) {
	o.Spec.Mounts = slices.Clone(o.Spec.Mounts) // names are filled in below
	if err := e.addVolumesFrom(o); err != nil {
		return nil, nil, err
	}
	addImageVolumes(o)
	var names []string
	for i := range o.Spec.Mounts {
		m := &o.Spec.Mounts[i]
		if m.Type != spec.TypeVolume {
			continue
		}
		if m.Source == "" {
			v, err := e.Volumes.Create(volume.CreateOptions{Anonymous: true})
			if err != nil {
				e.dropVolumes(made)
				return nil, nil, err
			}
			m.Source = v.Name
			made = append(made, v.Name)
		}
		names = append(names, m.Source)
	}
	release, err = e.Volumes.LockAll(ctx, names)
	if err != nil {
		e.dropVolumes(made)
		return nil, nil, err
	}
	for _, n := range names {
		if _, err := e.Volumes.Exact(n); err == nil || slices.Contains(made, n) {
			continue
		} else if !errors.Is(err, state.ErrNotFound) {
			release()
			e.dropVolumes(made)
			return nil, nil, err
		}
		_, err := e.Volumes.Create(volume.CreateOptions{Name: n})
		if errors.Is(err, volume.ErrExists) {
			continue // another command made it meanwhile: ours to use, not to drop
		}
		if err != nil {
			release()
			e.dropVolumes(made)
			return nil, nil, err
		}
		made = append(made, n)
	}
	return release, made, nil
}

// addVolumesFrom copies the volume and bind mounts of each --volumes-from
// container (NAME[:ro|rw]) that the user did not mount over.
func (e *Engine) addVolumesFrom(o *CreateOptions) error {
	for _, ref := range o.VolumesFrom {
		name, mode, _ := strings.Cut(ref, ":")
		if mode != "" && mode != "ro" && mode != "rw" {
			return fmt.Errorf("invalid --volumes-from %q: use CONTAINER[:ro|rw]", ref)
		}
		id, err := e.Resolve(name)
		if err != nil {
			return fmt.Errorf("--volumes-from %s: %w", name, err)
		}
		src, err := e.get(id)
		if err != nil {
			return fmt.Errorf("--volumes-from %s: %w", name, err)
		}
		for _, m := range src.Spec.Mounts {
			if (m.Type != spec.TypeVolume && m.Type != spec.TypeBind) || mountsAt(o.Spec.Mounts, m.Destination) {
				continue
			}
			if mode != "" {
				m.Options = append(slices.DeleteFunc(slices.Clone(m.Options), func(s string) bool { return s == "ro" || s == "rw" }), mode)
			}
			o.Spec.Mounts = append(o.Spec.Mounts, m)
		}
	}
	return nil
}

// addImageVolumes gives each VOLUME of the image that no mount covers an
// anonymous volume, as Podman does.
func addImageVolumes(o *CreateOptions) {
	paths := make([]string, 0, len(o.Spec.Image.Volumes))
	for p := range o.Spec.Image.Volumes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		if d, ok := cleanVolumePath(p); ok && !mountsAt(o.Spec.Mounts, d) {
			o.Spec.Mounts = append(o.Spec.Mounts, spec.Mount{Type: spec.TypeVolume, Destination: d})
		}
	}
}

func cleanVolumePath(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	d := strings.TrimRight(p, "/")
	return d, d != ""
}

func mountsAt(ms []spec.Mount, dst string) bool {
	for _, m := range ms {
		if strings.TrimRight(m.Destination, "/") == dst {
			return true
		}
	}
	return false
}

// dropVolumes removes volumes a failed create made. It runs after the
// request may have been cancelled, and must finish all the same.
func (e *Engine) dropVolumes(names []string) {
	for _, n := range names {
		_ = e.deleteUnused(context.Background(), n)
	}
}

// volumeMounts turns c's volume mounts into bind mounts of the volumes'
// directories (mounting tmpfs and bind volumes first), for spec.Generate.
func (e *Engine) volumeMounts(c *Container, withImages bool) ([]spec.Mount, error) {
	out := make([]spec.Mount, 0, len(c.Spec.Mounts))
	for i, m := range c.Spec.Mounts {
		if m.Type == spec.TypeImage && !withImages {
			continue
		}
		if m.Type == spec.TypeImage {
			bm, err := e.imageMount(c, i, m)
			if err != nil {
				return nil, err
			}
			out = append(out, bm)
			continue
		}
		if m.Type != spec.TypeVolume {
			out = append(out, m)
			continue
		}
		v, err := e.Volumes.Exact(m.Source)
		if errors.Is(err, state.ErrNotFound) {
			return nil, fmt.Errorf("volume %s used by container %s at %s no longer exists: recreate it with `roost volume create %s`", m.Source, c.Name, m.Destination, m.Source)
		}
		if err != nil {
			return nil, err
		}
		if err := e.Volumes.Mounted(v); err != nil {
			return nil, err
		}
		opts := slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "U" || o == "copy" || o == "nocopy" })
		out = append(out, spec.Mount{Type: spec.TypeBind, Source: e.Volumes.Mountpoint(v.Name), Destination: m.Destination, Options: opts})
	}
	return out, nil
}

// fillVolumes does, before the container starts, what its volumes need: a
// new volume gets the image's files at its path (unless nocopy) and an
// owner; :U gives the whole volume to the container's user.
func (e *Engine) fillVolumes(c *Container, rootfs string, sp *specs.Spec) error {
	user := processOwner(sp)
	for _, m := range c.Spec.Mounts {
		if m.Type == spec.TypeBind && slices.Contains(m.Options, "U") {
			if err := chownHostPath(m.Source, user); err != nil {
				return fmt.Errorf("bind mount %s (:U): %w", m.Source, err)
			}
		}
		if m.Type != spec.TypeVolume {
			continue
		}
		src := ""
		if !slices.Contains(m.Options, "nocopy") {
			p, err := securejoin.SecureJoin(rootfs, m.Destination)
			if err != nil {
				return fmt.Errorf("volume %s at %s: %w", m.Source, m.Destination, err)
			}
			src = p
		}
		if err := e.Volumes.Prepare(m.Source, src, user); err != nil {
			return err
		}
		if slices.Contains(m.Options, "U") {
			if err := e.Volumes.Chown(m.Source, user); err != nil {
				return fmt.Errorf("volume %s (:U): %w", m.Source, err)
			}
		}
	}
	return nil
}

// chownHostPath is :U on a bind mount: it gives the source to the
// container's user, the whole tree when its top is someone else's, else
// nothing, so files changed since keep their owners (Podman's rule).
func chownHostPath(src string, owner volume.Owner) error {
	var st syscall.Stat_t
	if err := syscall.Lstat(src, &st); err != nil {
		return err
	}
	if int(st.Uid) == owner.UID && int(st.Gid) == owner.GID {
		return nil
	}
	return volume.ChownTree(src, owner)
}

// processOwner is the container process's uid and gid as Roost's namespace
// sees them: the same numbers, or with keep-id mapped back through the
// container's own id mappings.
func processOwner(sp *specs.Spec) volume.Owner {
	if sp.Process == nil {
		return volume.Owner{}
	}
	o := volume.Owner{UID: int(sp.Process.User.UID), GID: int(sp.Process.User.GID)}
	if sp.Linux != nil {
		o.UID = mapID(o.UID, sp.Linux.UIDMappings)
		o.GID = mapID(o.GID, sp.Linux.GIDMappings)
	}
	return o
}

// volumeUsers maps each volume name to the containers that record it.
func (e *Engine) volumeUsers() (map[string][]Container, error) {
	users := map[string][]Container{}
	err := e.DB.View(func(tx *state.Tx) error {
		all, err := state.List[Container](tx, state.Containers)
		for _, c := range all {
			for _, n := range volumeNames(&c) {
				users[n] = append(users[n], c)
			}
		}
		return err
	})
	return users, err
}

// removeAnonymousVolumes is rm -v's (and run --rm's) hook: it removes the
// anonymous volumes c used that no other container uses. Named volumes
// always stay.
func (e *Engine) removeAnonymousVolumes(ctx context.Context, c *Container) error {
	var errs []error
	for _, n := range volumeNames(c) {
		v, err := e.Volumes.Exact(n)
		if err != nil || !v.Anonymous {
			continue
		}
		if err := e.deleteUnused(ctx, n); err != nil && !errors.Is(err, volume.ErrInUse) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deleteUnused removes a volume under its lock unless a container uses it.
func (e *Engine) deleteUnused(ctx context.Context, name string) error {
	l, err := e.Volumes.Lock(ctx, name)
	if err != nil {
		return err
	}
	// The lock file stays: removing it while another command waits on it
	// would let two commands believe they hold the lock.
	defer l.Unlock()
	if _, err := e.Volumes.Exact(name); err != nil {
		return err
	}
	users, err := e.volumeUsers()
	if err != nil {
		return err
	}
	if u := users[name]; len(u) > 0 {
		return inUse(name, u)
	}
	return e.Volumes.Delete(name)
}

func inUse(name string, users []Container) error {
	ids := make([]string, len(users))
	for i, c := range users {
		ids[i] = c.ID
	}
	return fmt.Errorf("volume %s is being used by the following container(s): %s: %w", name, strings.Join(ids, ", "), volume.ErrInUse)
}

// VolumeRemoveOptions are `volume rm`'s flags.
type VolumeRemoveOptions struct {
	Force   bool  // remove the containers that use it first, as Podman does
	Timeout *uint // with Force: seconds before SIGKILL for running users
}

// RemoveVolume removes a volume. A volume in use is refused (ErrInUse)
// unless Force, which removes its containers first. It returns the name.
func (e *Engine) RemoveVolume(ctx context.Context, ref string, o VolumeRemoveOptions) (string, error) {
	v, err := e.Volumes.Get(ref)
	if err != nil {
		return "", err
	}
	if o.Force {
		users, err := e.volumeUsers()
		if err != nil {
			return "", err
		}
		// The containers' locks come before the volume's (start holds a
		// container's lock while it fills its volumes): remove them first.
		for _, c := range users[v.Name] {
			if _, err := e.Remove(ctx, c.ID, RemoveOptions{Force: true, Timeout: o.Timeout}); err != nil && !errors.Is(err, state.ErrNotFound) {
				return "", fmt.Errorf("remove volume %s: %w", v.Name, err)
			}
		}
	}
	return v.Name, e.deleteUnused(ctx, v.Name)
}

// PruneVolumes removes every volume no container uses that f matches, and
// returns their names.
func (e *Engine) PruneVolumes(ctx context.Context, f volume.Filter) ([]string, error) {
	all, err := e.Volumes.List()
	if err != nil {
		return nil, err
	}
	var pruned []string
	var errs []error
	for i := range all {
		v := &all[i]
		if !f.Match(v, false) {
			continue
		}
		err := e.deleteUnused(ctx, v.Name)
		switch {
		case err == nil:
			pruned = append(pruned, v.Name)
		case errors.Is(err, volume.ErrInUse), errors.Is(err, state.ErrNotFound):
		default:
			errs = append(errs, err)
		}
	}
	return pruned, errors.Join(errs...)
}

// PrunableVolumes names the volumes PruneVolumes would remove now: f
// matches them and no container uses them (prune's confirmation lists them).
func (e *Engine) PrunableVolumes(f volume.Filter) ([]string, error) {
	all, err := e.Volumes.List()
	if err != nil {
		return nil, err
	}
	users, err := e.volumeUsers()
	if err != nil {
		return nil, err
	}
	var out []string
	for i := range all {
		if len(users[all[i].Name]) == 0 && f.Match(&all[i], false) {
			out = append(out, all[i].Name)
		}
	}
	return out, nil
}

// ListVolumes returns the volumes f matches, in Podman's inspect shape.
func (e *Engine) ListVolumes(f volume.Filter) ([]volume.Inspect, error) {
	all, err := e.Volumes.List()
	if err != nil {
		return nil, err
	}
	users, err := e.volumeUsers()
	if err != nil {
		return nil, err
	}
	var out []volume.Inspect
	for i := range all {
		v := &all[i]
		if f.Match(v, len(users[v.Name]) > 0) {
			out = append(out, e.Volumes.Inspect(v, e.running(users[v.Name])))
		}
	}
	return out, nil
}

// InspectVolume returns one volume in Podman's inspect shape.
func (e *Engine) InspectVolume(ref string) (volume.Inspect, error) {
	v, err := e.Volumes.Get(ref)
	if err != nil {
		return volume.Inspect{}, err
	}
	users, err := e.volumeUsers()
	if err != nil {
		return volume.Inspect{}, err
	}
	return e.Volumes.Inspect(v, e.running(users[v.Name])), nil
}

// running counts the containers of list that run now.
func (e *Engine) running(list []Container) uint {
	var n uint
	for i := range list {
		e.refresh(&list[i])
		if list[i].State.Status == StatusRunning {
			n++
		}
	}
	return n
}
