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
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/idtools"

	"github.com/roost-containers/roost/pkg/spec"
)

// CopyOptions are cp's flags.
type CopyOptions struct {
	// Chown (--archive): what is copied into a container belongs to its
	// user; false keeps the owners the source (or the tar) has.
	Chown bool
	// Overwrite replaces a directory with a file and a file with a
	// directory; without it such a copy fails.
	Overwrite bool
}

// Every read and write inside a container's root happens in a chrooted helper
// process (containers/storage's chrootarchive), so a symlink the container
// made, or swaps in while we copy, can never lead to the host's files.

// place is one side of a copy resolved on this machine: the path as the
// user wrote it, the real path (every symlink followed inside root), and
// root, the directory no access may leave ("/" on the host; the container's
// root, or a volume's directory).
type place struct {
	endpoint
	root, real string
	ctr        *ctrFS // nil on the host
}

// ctrFS is a container's filesystem as cp sees it. A running container is
// reached through its process's root, where its volumes and tmpfs are
// mounted; a stopped one through its storage mount, with its volumes and
// bind mounts resolved to their host directories.
type ctrFS struct {
	c       *Container
	root    string
	workdir string
	mounts  []spec.Mount // destination → host directory, stopped containers only
}

// errNoSuchPath is the not-found of cp, in Podman's words.
var errNoSuchPath = errors.New("no such file or directory")

// CopyIn copies a host file or directory into a container.
func (e *Engine) CopyIn(ref, hostSrc, ctrDst string, o CopyOptions) error {
	src, err := hostPlace(hostSrc)
	if err == nil && !src.Exists {
		err = errNoSuchPath
	}
	if err != nil {
		return fmt.Errorf("%q could not be found on the host: %w", hostSrc, err)
	}
	return e.withFS(ref, func(fs *ctrFS) error {
		dst, dir, err := fs.destination(ctrDst, ref)
		if err != nil {
			return err
		}
		return e.transfer(src, dst, dir, o)
	})
}

// CopyOut copies a file or directory from a container to the host; what it
// writes belongs to the user.
func (e *Engine) CopyOut(ref, ctrSrc, hostDst string, o CopyOptions) error {
	return e.withFS(ref, func(fs *ctrFS) error {
		src, err := fs.source(ctrSrc, ref)
		if err != nil {
			return err
		}
		dst, dir, err := hostDestination(hostDst)
		if err != nil {
			return err
		}
		return e.transfer(src, dst, dir, o)
	})
}

// CopyBetween copies from one container to another, as cp CTR1:SRC CTR2:DST.
func (e *Engine) CopyBetween(srcRef, ctrSrc, dstRef, ctrDst string, o CopyOptions) error {
	return e.withFS(srcRef, func(sfs *ctrFS) error {
		src, err := sfs.source(ctrSrc, srcRef)
		if err != nil {
			return err
		}
		return e.withFS(dstRef, func(dfs *ctrFS) error {
			dst, dir, err := dfs.destination(ctrDst, dstRef)
			if err != nil {
				return err
			}
			return e.transfer(src, dst, dir, o)
		})
	})
}

// ArchiveOut writes a tar of a container's file or directory to w, named by
// the path's last element ("dir/." gives the directory's contents).
func (e *Engine) ArchiveOut(ref, ctrSrc string, o CopyOptions, w io.Writer) error {
	return e.withFS(ref, func(fs *ctrFS) error {
		src, err := fs.source(ctrSrc, ref)
		if err != nil {
			return err
		}
		name := src.Name
		if src.IsDir && contentsOnly(ctrSrc) {
			name = ""
		}
		tr, err := src.tar(name)
		if err != nil {
			return fmt.Errorf("read %s in container %s: %w", ctrSrc, ref, err)
		}
		defer tr.Close()
		if _, err := io.Copy(w, tr); err != nil {
			return fmt.Errorf("copying from container: %w", err)
		}
		return nil
	})
}

// ErrNotArchive: what came on stdin is not a tar archive.
var ErrNotArchive = errors.New("source must be a (compressed) tar archive when copying from stdin")

// ArchiveIn extracts a tar (plain or compressed) into a directory of a
// container. r is read whole first, so a stream that is not an archive
// changes nothing.
func (e *Engine) ArchiveIn(ref, ctrDir string, o CopyOptions, r io.Reader) error {
	return e.withFS(ref, func(fs *ctrFS) error {
		dir, err := fs.place(ctrDir)
		if err == nil && !dir.Exists && strings.HasSuffix(ctrDir, "/") {
			err = errNoSuchPath
		}
		if err != nil {
			return fmt.Errorf("%q could not be found on container %s: %w", ctrDir, ref, err)
		}
		if !dir.IsDir {
			return errors.New("destination must be a directory when copying from stdin")
		}
		tmp, err := spoolArchive(r)
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		if err := chrootarchive.UntarWithRoot(tmp, dir.real, e.untarInto(fs.c, o), dir.root); err != nil {
			return fmt.Errorf("copying to container: %w", err)
		}
		return nil
	})
}

// spoolArchive copies r to a private temporary file and checks that it is
// a tar archive, compressed or not.
func spoolArchive(r io.Reader) (*os.File, error) {
	tmp, err := os.CreateTemp("", "roost-cp-")
	if err != nil {
		return nil, fmt.Errorf("spool stdin: %w", err)
	}
	fail := func(err error) (*os.File, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	if _, err := io.Copy(tmp, r); err != nil {
		return fail(fmt.Errorf("read stdin: %w", err))
	}
	if !archive.IsArchivePath(tmp.Name()) {
		return fail(ErrNotArchive)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return tmp, nil
}

// transfer copies src to the destination dst (which exists, or whose
// parent dir exists), by Podman's rules (see land).
func (e *Engine) transfer(src, dst place, dir place, o CopyOptions) error {
	l, err := land(src.endpoint, dst.endpoint)
	if err != nil {
		return err
	}
	into := dst
	if l.Parent {
		into = dir
	}
	if err := checkOverwrite(src, into, l.Name, o.Overwrite); err != nil {
		return err
	}
	tr, err := src.tar(l.Name)
	if err != nil {
		return fmt.Errorf("read %s: %w", src.Path, err)
	}
	defer tr.Close()
	if into.ctr == nil {
		// Chrooted into the destination: symlinks come out as they are,
		// and nothing lands outside it.
		opts := &archive.TarOptions{NoLchown: true, InUserNS: e.Cfg.Rootless, NoOverwriteDirNonDir: !o.Overwrite}
		if err := chrootarchive.Untar(tr, into.real, opts); err != nil {
			return fmt.Errorf("copying to host: %w", err)
		}
		return nil
	}
	opts := e.untarInto(into.ctr.c, o)
	opts.NoOverwriteDirNonDir = !o.Overwrite
	if err := chrootarchive.UntarWithRoot(tr, into.real, opts, into.root); err != nil {
		return fmt.Errorf("copying to container: %w", err)
	}
	return nil
}

// checkOverwrite refuses, without --overwrite, to put a file where a
// directory is or a directory where a file is, in Podman's words.
func checkOverwrite(src, into place, name string, overwrite bool) error {
	if name == "" || overwrite {
		return nil
	}
	fi, err := os.Lstat(filepath.Join(into.real, name))
	if err != nil || fi.IsDir() == src.IsDir {
		return nil
	}
	side, shown := "host", "/"+name
	if into.ctr != nil {
		side, shown = "container", path.Join(into.ctr.containerPath(into), name)
	}
	what := "a directory with a file"
	if src.IsDir {
		what = "a file with a directory"
	}
	return fmt.Errorf("copying to %s: error creating %q: cannot replace %s: file exists (use --overwrite)", side, shown, what)
}

// withFS runs fn with the container's filesystem reachable: through the
// process's root while it runs, else mounted from storage for the time of
// fn, with its volumes and bind mounts.
func (e *Engine) withFS(ref string, fn func(fs *ctrFS) error) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if c.State.Status == StatusRunning && c.State.Pid > 0 {
		fs := &ctrFS{c: c, workdir: e.workdir(c), root: fmt.Sprintf("/proc/%d/root", c.State.Pid)}
		if _, err := os.Stat(fs.root); err == nil {
			return fn(fs)
		}
	}
	return e.withRootfs(ref, func(c *Container, rootfs string) error {
		mounts, err := e.volumeMounts(c, false) // no image mounts: nothing to copy to or from there
		if err != nil {
			return err
		}
		return fn(&ctrFS{c: c, workdir: e.workdir(c), root: rootfs, mounts: mounts})
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

// workdir is where relative container paths start: the process's working
// directory.
func (e *Engine) workdir(c *Container) string {
	if sp := e.bundleSpec(c.ID); sp != nil && sp.Process != nil && sp.Process.Cwd != "" {
		return sp.Process.Cwd
	}
	if c.Spec.Process.WorkDir != "" {
		return c.Spec.Process.WorkDir
	}
	if c.Spec.Image.WorkingDir != "" {
		return c.Spec.Image.WorkingDir
	}
	return "/"
}

// place resolves a container path: relative to the working directory,
// into the volume or bind mount it falls in (stopped containers), with
// every symlink followed inside that root. Wildcards are not expanded.
func (fs *ctrFS) place(p string) (place, error) {
	if strings.Contains(p, "*") {
		return place{}, errNoSuchPath
	}
	abs := p
	if !path.IsAbs(p) {
		abs = path.Join(fs.workdir, p)
	}
	abs = path.Clean(abs)
	root, rel := fs.root, abs
	if m, ok := fs.mountAt(abs); ok {
		root, rel = m.Source, strings.TrimPrefix(abs, path.Clean(m.Destination))
	}
	real, err := securejoin.SecureJoin(root, rel)
	if err != nil {
		return place{}, err
	}
	pl := place{endpoint: endpoint{Path: p, Name: filepath.Base(real)}, root: root, real: real, ctr: fs}
	if real == root {
		pl.Name = base(abs)
	}
	fi, err := os.Stat(real)
	if err == nil {
		pl.Exists, pl.IsDir = true, fi.IsDir()
	}
	if pl.Exists && !pl.IsDir && strings.HasSuffix(p, "/") {
		return place{}, syscall.ENOTDIR
	}
	return pl, nil
}

// mountAt is the volume or bind mount that holds abs, the deepest one.
func (fs *ctrFS) mountAt(abs string) (spec.Mount, bool) {
	var best spec.Mount
	found := false
	for _, m := range fs.mounts {
		d := path.Clean(m.Destination)
		if m.Type != spec.TypeBind || (abs != d && !strings.HasPrefix(abs, d+"/")) {
			continue
		}
		if !found || len(d) > len(path.Clean(best.Destination)) {
			best, found = m, true
		}
	}
	return best, found
}

// containerPath is where a place is, as the container sees it.
func (fs *ctrFS) containerPath(pl place) string {
	rel := strings.TrimPrefix(pl.real, pl.root)
	if pl.root != fs.root {
		for _, m := range fs.mounts {
			if m.Source == pl.root {
				return path.Join(m.Destination, rel)
			}
		}
	}
	return path.Join("/", rel)
}

// source is a container path to copy from; it must exist.
func (fs *ctrFS) source(p, ref string) (place, error) {
	src, err := fs.place(p)
	if err == nil && !src.Exists {
		err = errNoSuchPath
	}
	if err != nil {
		return place{}, fmt.Errorf("%q could not be found on container %s: %w", p, ref, err)
	}
	return src, nil
}

// destination is a container path to copy to, and the directory that holds
// it (for a destination that does not exist yet, which the copy creates).
func (fs *ctrFS) destination(p, ref string) (dst, dir place, err error) {
	notFound := func(err error) (place, place, error) {
		return place{}, place{}, fmt.Errorf("%q could not be found on container %s: %w", p, ref, err)
	}
	if dst, err = fs.place(p); err != nil {
		return notFound(err)
	}
	if dst.IsDir {
		return dst, dst, nil
	}
	if !dst.Exists && strings.HasSuffix(p, "/") {
		return notFound(errNoSuchPath)
	}
	// The parent of where the path leads (a dangling symlink's target).
	parent := path.Dir(fs.containerPath(dst))
	if dir, err = fs.place(parent); err == nil && !dir.IsDir {
		err = errNoSuchPath
	}
	if err != nil {
		return notFound(err)
	}
	return dst, dir, nil
}

// hostPlace resolves a host path, following symlinks.
func hostPlace(p string) (place, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return place{}, err
	}
	pl := place{endpoint: endpoint{Path: p, Name: filepath.Base(abs)}, root: "/", real: abs}
	fi, err := os.Stat(abs)
	if errors.Is(err, os.ErrNotExist) {
		return pl, nil
	}
	if err != nil {
		return place{}, err
	}
	// A path that resolves to no name (/dev/stdout to a pipe) stays as given.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		pl.real, pl.Name = real, filepath.Base(real)
	}
	pl.Exists, pl.IsDir = true, fi.IsDir()
	if !pl.IsDir && strings.HasSuffix(p, "/") {
		return place{}, syscall.ENOTDIR
	}
	return pl, nil
}

// hostDestination is a host path to copy to and the directory holding it.
func hostDestination(p string) (dst, dir place, err error) {
	notFound := func(err error) (place, place, error) {
		return place{}, place{}, fmt.Errorf("%q could not be found on the host: %w", p, err)
	}
	if dst, err = hostPlace(p); err != nil {
		return notFound(err)
	}
	if dst.Exists {
		if !dst.IsDir && !dst.regular() {
			return place{}, place{}, fmt.Errorf("invalid destination: %q must be a directory or a regular file", p)
		}
	}
	if dst.IsDir {
		return dst, dst, nil
	}
	if !dst.Exists && strings.HasSuffix(p, "/") {
		return notFound(errNoSuchPath)
	}
	if dir, err = hostPlace(filepath.Dir(dst.real)); err == nil && !dir.IsDir {
		err = errNoSuchPath
	}
	if err != nil {
		return notFound(err)
	}
	return dst, dir, nil
}

func (pl place) regular() bool {
	fi, err := os.Stat(pl.real)
	return err == nil && fi.Mode().IsRegular()
}

// tar streams what pl names as a tar whose top entry is called name, or a
// directory's contents when name is empty. In a container it is read
// chrooted into the root.
func (pl place) tar(name string) (io.ReadCloser, error) {
	if link, ok := symlinkTar(pl.real, name); ok {
		return link, nil
	}
	if pl.real == pl.root && name != "" {
		// The root itself under a new name: its contents, renamed.
		return rootAs(pl, name)
	}
	var opts *archive.TarOptions
	dir := pl.real
	if name == "" {
		opts = &archive.TarOptions{}
	} else {
		b := filepath.Base(pl.real)
		dir = filepath.Dir(pl.real)
		opts = &archive.TarOptions{IncludeFiles: []string{b}, RebaseNames: map[string]string{b: name}}
	}
	if pl.ctr == nil {
		return archive.TarWithOptions(dir, opts)
	}
	return chrootarchive.Tar(dir, opts, pl.root)
}

// rootAs is a tar of a root directory's contents with every name under name/.
func rootAs(pl place, name string) (io.ReadCloser, error) {
	in, err := pl.tar("")
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer in.Close()
		tr, tw := tar.NewReader(in), tar.NewWriter(pw)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				pw.CloseWithError(tw.Close())
				return
			}
			if err == nil {
				h.Name = path.Join(name, h.Name)
				if h.Typeflag == tar.TypeDir {
					h.Name += "/"
				}
				err = tw.WriteHeader(h)
			}
			if err == nil {
				_, err = io.Copy(tw, tr)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr, nil
}

// untarInto are the options for writing into a container: with --archive
// everything belongs to the container's user, as its process sees it;
// without, the tar's owners are taken as the container sees ids.
func (e *Engine) untarInto(c *Container, o CopyOptions) *archive.TarOptions {
	opts := &archive.TarOptions{InUserNS: e.Cfg.Rootless}
	sp := e.bundleSpec(c.ID)
	if o.Chown {
		uid, gid := processOwnerIDs(sp)
		opts.ChownOpts = &idtools.IDPair{UID: uid, GID: gid}
	} else if sp != nil && sp.Linux != nil && len(sp.Linux.UIDMappings) > 0 {
		opts.UIDMaps, opts.GIDMaps = idMaps(sp.Linux.UIDMappings), idMaps(sp.Linux.GIDMappings)
	}
	return opts
}

func idMaps(maps []specs.LinuxIDMapping) []idtools.IDMap {
	out := make([]idtools.IDMap, 0, len(maps))
	for _, m := range maps {
		out = append(out, idtools.IDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	return out
}

// processOwnerIDs is the container process's uid and gid as they appear in
// Roost's namespace (through the container's own user namespace, if any).
func processOwnerIDs(sp *specs.Spec) (int, int) {
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
