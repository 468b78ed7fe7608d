package volume

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.podman.io/storage/pkg/archive"
)

// Owner is a uid and gid in Roost's user namespace.
type Owner struct{ UID, GID int }

// Prepare readies a volume for a container about to start, under the
// volume's lock: mounted if it is a tmpfs or bind volume; on its first use
// filled from the image (src: the image's directory at the mount path in
// the container's root file system, "" if none or nocopy) and given the
// owner of that directory, or user when the image has none.
func (m *Manager) Prepare(name, src string, user Owner) error {
	l, err := m.Lock(context.TODO(), name) // the start path passes no context yet
	if err != nil {
		return err
	}
	defer l.Unlock()
	v, err := m.Exact(name)
	if err != nil {
		return err
	}
	if err := m.Mounted(v); err != nil {
		return err
	}
	if !v.NeedsCopyUp && !v.NeedsChown {
		return nil
	}
	data := m.Mountpoint(name)
	var srcInfo fs.FileInfo
	if src != "" {
		if fi, err := os.Stat(src); err == nil && fi.IsDir() {
			srcInfo = fi
		}
	}
	copied := false
	if v.NeedsCopyUp && srcInfo != nil {
		if copied, err = copyUp(src, data); err != nil {
			return fmt.Errorf("volume %s: copy the image's files in: %w", name, err)
		}
	}
	if v.NeedsChown {
		if err := takeOwner(data, srcInfo, user); err != nil {
			return fmt.Errorf("volume %s: %w", name, err)
		}
	}
	// As in Podman, the copy-up stays pending until a container brings
	// files to copy: a first use at an empty or missing path leaves it.
	return m.Update(name, func(r *Volume) {
		r.NeedsChown = false
		r.NeedsCopyUp = r.NeedsCopyUp && !copied
	})
}

// copyUp copies the image's files into an empty volume, keeping owners,
// modes, times and links, and says whether it did. A volume that already
// holds files keeps them (they may have come from outside Roost); an empty
// source has nothing to copy.
func copyUp(src, data string) (bool, error) {
	if empty, err := isEmptyDir(src); err != nil || empty {
		return false, err
	}
	if empty, err := isEmptyDir(data); err != nil || !empty {
		return false, err
	}
	return true, archive.NewDefaultArchiver().CopyWithTar(src, data)
}

func isEmptyDir(dir string) (bool, error) {
	ents, err := os.ReadDir(dir)
	return len(ents) == 0, err
}

// takeOwner gives _data the owner and mode of the image's directory, or,
// when the image has none, the container's user as owner: so a non-root
// process can write in a new volume, as with Podman.
func takeOwner(data string, src fs.FileInfo, user Owner) error {
	if src != nil {
		uid, gid := fileOwner(src)
		if err := os.Lchown(data, uid, gid); err != nil {
			return fmt.Errorf("set owner: %w", err)
		}
		if err := os.Chmod(data, src.Mode().Perm()|src.Mode()&(fs.ModeSticky|fs.ModeSetgid|fs.ModeSetuid)); err != nil {
			return fmt.Errorf("set mode: %w", err)
		}
		return nil
	}
	if err := os.Lchown(data, user.UID, user.GID); err != nil {
		return fmt.Errorf("set owner: %w", err)
	}
	return nil
}

// Chown gives every file of a volume to owner (the :U option).
func (m *Manager) Chown(name string, owner Owner) error {
	l, err := m.Lock(context.TODO(), name) // the start path passes no context yet
	if err != nil {
		return err
	}
	defer l.Unlock()
	return ChownTree(m.Mountpoint(name), owner)
}

// ChownTree gives every file under dir, dir included, to owner, without
// following links.
func ChownTree(dir string, owner Owner) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, owner.UID, owner.GID); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
		return nil
	})
}

// Export writes a volume's files to w as a tar archive.
func (m *Manager) Export(ref string, w io.Writer) error {
	return m.whileMounted(ref, func(v *Volume) error {
		rc, err := archive.TarWithOptions(m.Mountpoint(v.Name), &archive.TarOptions{Compression: archive.Uncompressed})
		if err != nil {
			return fmt.Errorf("export volume %s: %w", v.Name, err)
		}
		defer rc.Close()
		if _, err := io.Copy(w, rc); err != nil {
			return fmt.Errorf("export volume %s: %w", v.Name, err)
		}
		return nil
	})
}

// Import unpacks a tar archive (plain or compressed) into an existing
// volume, over the files it has.
func (m *Manager) Import(ref string, r io.Reader) error {
	return m.whileMounted(ref, func(v *Volume) error {
		if err := archive.Untar(r, m.Mountpoint(v.Name), &archive.TarOptions{InUserNS: true}); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, tar.ErrHeader) {
				return fmt.Errorf("import into volume %s: not a tar archive, or one cut short", v.Name)
			}
			return fmt.Errorf("import into volume %s: %w", v.Name, err)
		}
		// Files arrived: the first container must not copy the image over them.
		return m.Update(v.Name, func(r *Volume) { r.NeedsCopyUp = false })
	})
}

// whileMounted runs fn on the volume ref names under the volume's lock,
// with its files in place (a tmpfs or bind volume mounted).
func (m *Manager) whileMounted(ref string, fn func(v *Volume) error) error {
	v, err := m.Get(ref)
	if err != nil {
		return err
	}
	l, err := m.Lock(context.TODO(), v.Name) // import/export pass no context yet
	if err != nil {
		return err
	}
	defer l.Unlock()
	if err := m.Mounted(v); err != nil {
		return err
	}
	return fn(v)
}
