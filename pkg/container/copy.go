package container

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/idtools"
)

// CopyOptions are cp's flags.
type CopyOptions struct {
	Follow bool // -L: copy what a source symlink points to, not the link
	Chown  bool // --archive: what is copied in belongs to the container's user
}

// Every read and write inside a container's root happens in a chrooted helper
// process (containers/storage's chrootarchive), so a symlink the container
// made, or swaps in while we copy, can never lead to the host's files.

// CopyIn copies a host file or directory into a container.
func (e *Engine) CopyIn(ref, hostSrc, ctrDst string, o CopyOptions) error {
	srcReal := hostSrc
	if o.Follow {
		if r, err := filepath.EvalSymlinks(hostSrc); err == nil {
			srcReal = r
		}
	}
	src := lstat(srcReal, hostSrc)
	return e.withRootfs(ref, func(c *Container, rootfs string) error {
		dst := stat(inRoot(rootfs, ctrDst, true))
		dst.Path = ctrDst
		l, err := land(src, dst)
		if err != nil {
			return err
		}
		dir, err := dirInRoot(rootfs, l.Dir)
		if err != nil {
			return fmt.Errorf("container %s: destination %w: create it first", c.Name, err)
		}
		tr, err := hostTar(srcReal, l.Name)
		if err != nil {
			return fmt.Errorf("read %s: %w", hostSrc, err)
		}
		defer tr.Close()
		if err := chrootarchive.UntarWithRoot(tr, dir, e.untarInto(c, o), rootfs); err != nil {
			return fmt.Errorf("copy %s into container %s: %w", hostSrc, c.Name, err)
		}
		return nil
	})
}

// CopyOut copies a file or directory from a container to the host; what it
// writes belongs to the user.
func (e *Engine) CopyOut(ref, ctrSrc, hostDst string, o CopyOptions) error {
	dst := stat(hostDst, nil)
	return e.withRootfs(ref, func(c *Container, rootfs string) error {
		srcReal, err := inRoot(rootfs, ctrSrc, o.Follow)
		src := lstat(srcReal, ctrSrc)
		if err != nil {
			src.Exists = false
		}
		l, err := land(src, dst)
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		if fi, err := os.Stat(l.Dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("destination directory %s does not exist: create it first", l.Dir)
		}
		if l.Dir, err = filepath.Abs(l.Dir); err != nil {
			return err
		}
		if srcReal == rootfs && l.Name != "" {
			// The whole root becomes a new directory on the host.
			l.Dir = filepath.Join(l.Dir, l.Name)
			if err := os.Mkdir(l.Dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", l.Dir, err)
			}
			l.Name = ""
		}
		tr, err := rootTar(rootfs, srcReal, l.Name)
		if err != nil {
			return fmt.Errorf("read %s in container %s: %w", ctrSrc, c.Name, err)
		}
		defer tr.Close()
		// Extracted chrooted into the destination: symlinks come out as
		// they are, and nothing lands outside the destination.
		if err := chrootarchive.Untar(tr, l.Dir, &archive.TarOptions{NoLchown: true, InUserNS: e.Cfg.Rootless}); err != nil {
			return fmt.Errorf("copy %s from container %s: %w", ctrSrc, c.Name, err)
		}
		return nil
	})
}

// ArchiveOut writes a tar of a container's file or directory to w, named by
// the path's last element ("dir/." gives the directory's contents).
func (e *Engine) ArchiveOut(ref, ctrSrc string, o CopyOptions, w io.Writer) error {
	return e.withRootfs(ref, func(c *Container, rootfs string) error {
		srcReal, err := inRoot(rootfs, ctrSrc, o.Follow)
		src := lstat(srcReal, ctrSrc)
		if err != nil || !src.Exists {
			return fmt.Errorf("container %s: %s: no such file or directory", c.Name, ctrSrc)
		}
		name := base(ctrSrc)
		if src.IsDir && contentsOnly(ctrSrc) {
			name = ""
		}
		// Check the path rules a directory destination would apply.
		if _, err := land(src, endpoint{Path: "/", Exists: true, IsDir: true}); err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		tr, err := rootTar(rootfs, srcReal, name)
		if err != nil {
			return fmt.Errorf("read %s in container %s: %w", ctrSrc, c.Name, err)
		}
		defer tr.Close()
		if _, err := io.Copy(w, tr); err != nil {
			return fmt.Errorf("tar %s from container %s: %w", ctrSrc, c.Name, err)
		}
		return nil
	})
}

// ArchiveIn extracts a tar (plain or compressed) into a directory of a container.
func (e *Engine) ArchiveIn(ref, ctrDir string, o CopyOptions, r io.Reader) error {
	return e.withRootfs(ref, func(c *Container, rootfs string) error {
		dir, err := dirInRoot(rootfs, ctrDir)
		if err != nil {
			return fmt.Errorf("container %s: %w: a tar from stdin is extracted into an existing directory", c.Name, err)
		}
		if err := chrootarchive.UntarWithRoot(r, dir, e.untarInto(c, o), rootfs); err != nil {
			return fmt.Errorf("extract into %s of container %s: %w", ctrDir, c.Name, err)
		}
		return nil
	})
}

// withRootfs runs fn with the container's root filesystem mounted: one more
// use of storage's mount count for the time of fn, so a stopped container is
// mounted and unmounted again, and a running one keeps its mount.
func (e *Engine) withRootfs(ref string, fn func(c *Container, rootfs string) error) (err error) {
	c, l, err := e.locked(context.TODO(), ref)
	if err != nil {
		return err
	}
	defer l.Unlock()
	rootfs, err := e.Store.Mount(c.ID, "")
	if err != nil {
		return fmt.Errorf("mount container %s: %w", c.Name, err)
	}
	defer func() {
		if _, uerr := e.Store.Unmount(c.ID, false); uerr != nil && err == nil {
			err = fmt.Errorf("unmount container %s: %w", c.Name, uerr)
		}
	}()
	return fn(c, rootfs)
}

// untarInto are the options for writing into a container: with --archive
// everything belongs to the container's user, as its process sees it.
func (e *Engine) untarInto(c *Container, o CopyOptions) *archive.TarOptions {
	opts := &archive.TarOptions{InUserNS: e.Cfg.Rootless}
	if o.Chown {
		uid, gid := e.processOwner(c)
		opts.ChownOpts = &idtools.IDPair{UID: uid, GID: gid}
	}
	return opts
}

// processOwner is the container process's uid and gid as they appear in
// Roost's namespace (through the container's own user namespace, if any).
func (e *Engine) processOwner(c *Container) (int, int) {
	sp := e.bundleSpec(c.ID)
	if sp == nil || sp.Process == nil {
		return 0, 0
	}
	uid, gid := int(sp.Process.User.UID), int(sp.Process.User.GID)
	if sp.Linux != nil {
		uid, gid = mapID(uid, sp.Linux.UIDMappings), mapID(gid, sp.Linux.GIDMappings)
	}
	return uid, gid
}

func mapID(id int, maps []specs.LinuxIDMapping) int {
	if len(maps) == 0 {
		return id
	}
	for _, m := range maps {
		if id >= int(m.ContainerID) && id < int(m.ContainerID+m.Size) {
			return int(m.HostID) + id - int(m.ContainerID)
		}
	}
	return 0
}

// inRoot finds a container path under rootfs with every symlink resolved
// inside rootfs; the last element is resolved only with follow, since cp
// copies a symlink itself unless -L.
func inRoot(rootfs, p string, follow bool) (string, error) {
	clean := path.Clean("/" + p)
	if follow || clean == "/" {
		return securejoin.SecureJoin(rootfs, clean)
	}
	dir, err := securejoin.SecureJoin(rootfs, path.Dir(clean))
	return filepath.Join(dir, path.Base(clean)), err
}

// dirInRoot is an existing directory of the container, resolved under rootfs.
func dirInRoot(rootfs, p string) (string, error) {
	real, err := inRoot(rootfs, p, true)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("directory %s does not exist", p)
	}
	return real, nil
}

// lstat describes real (not following a final symlink) under the user's name.
func lstat(real, userPath string) endpoint {
	fi, err := os.Lstat(real)
	return endpoint{Path: userPath, Exists: err == nil, IsDir: err == nil && fi.IsDir()}
}

// stat describes a destination, following symlinks.
func stat(real string, err error) endpoint {
	if err != nil {
		return endpoint{Path: real}
	}
	fi, err := os.Stat(real)
	return endpoint{Path: real, Exists: err == nil, IsDir: err == nil && fi.IsDir()}
}

// hostTar streams a host path as a tar whose top entry is called name, or
// the directory's contents when name is empty.
func hostTar(real, name string) (io.ReadCloser, error) {
	if link, ok := symlinkTar(real, name); ok {
		return link, nil
	}
	if name == "" {
		return archive.TarWithOptions(real, &archive.TarOptions{})
	}
	b := filepath.Base(real)
	return archive.TarWithOptions(filepath.Dir(real), &archive.TarOptions{
		IncludeFiles: []string{b}, RebaseNames: map[string]string{b: name},
	})
}

// rootTar is hostTar for a path under rootfs, read chrooted into rootfs.
func rootTar(rootfs, real, name string) (io.ReadCloser, error) {
	if name == "" {
		return chrootarchive.Tar(real, &archive.TarOptions{}, rootfs)
	}
	if real == rootfs {
		return nil, errors.New("the root directory is copied by its contents")
	}
	if link, ok := symlinkTar(real, name); ok {
		return link, nil
	}
	b := filepath.Base(real)
	return chrootarchive.Tar(filepath.Dir(real), &archive.TarOptions{
		IncludeFiles: []string{b}, RebaseNames: map[string]string{b: name},
	}, rootfs)
}

// symlinkTar is a tar of the one symlink real, named name: storage's
// archive walks an included path with a stat that follows it, so a link
// whose target is outside the tree (or missing) would be left out. A link
// is never followed here (the caller resolved its parents inside the root),
// only read. ok is false when real is not a symlink.
func symlinkTar(real, name string) (io.ReadCloser, bool) {
	fi, err := os.Lstat(real)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 || name == "" {
		return nil, false
	}
	target, err := os.Readlink(real)
	if err != nil {
		return nil, false
	}
	hdr, err := tar.FileInfoHeader(fi, target)
	if err != nil {
		return nil, false
	}
	hdr.Name = name
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if tw.WriteHeader(hdr) != nil || tw.Close() != nil {
		return nil, false
	}
	return io.NopCloser(&buf), true
}
