package copier

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Owner is --chown resolved to numbers; nil keeps the source's (an image's)
// or gives root (the context's).
type Owner struct{ UID, GID int }

// Options shape the entries written.
type Options struct {
	Owner *Owner
	Mode  *fs.FileMode // --chmod
	// Time is every entry's modification time when set (--timestamp).
	Time *time.Time
	// ParentRoot is the mounted root of the image the layer goes on, to
	// give the destination's parent directories the metadata they have
	// there (a layer entry replaces it); "" for scratch.
	ParentRoot string
}

// Digest is the content part of a step's cache key: every item's place,
// type, mode, owner (from an image) and content, never the times.
func Digest(items []Item, root Root) (string, error) {
	h := sha256.New()
	for _, it := range items {
		if it.Parent {
			fmt.Fprintf(h, "%s\x00dir\x00", it.Dest)
			continue
		}
		uid, gid := owner(it, root)
		fmt.Fprintf(h, "%s\x00%o\x00%d:%d\x00%d\x00%s\x00", it.Dest, it.Info.Mode(), uid, gid, it.Info.Size(), it.Link)
		if it.Info.Mode().IsRegular() {
			f, err := os.Open(it.Src)
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", fmt.Errorf("read %s: %w", it.Src, err)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func owner(it Item, root Root) (int, int) {
	if !root.Image && !it.KeepOwner {
		return 0, 0
	}
	if st, ok := it.Info.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return 0, 0
}

// WriteLayer writes the items as a layer tar, with the missing parent
// directories first.
func WriteLayer(w io.Writer, items []Item, root Root, o Options) error {
	tw := tar.NewWriter(w)
	done := map[string]bool{}
	for _, it := range items {
		if it.Parent {
			if err := writeParents(tw, it.Dest, o, done); err != nil {
				return err
			}
			continue
		}
		if err := writeParents(tw, path.Dir(it.Dest), o, done); err != nil {
			return err
		}
		if err := writeItem(tw, it, root, o); err != nil {
			return err
		}
		done[it.Dest] = true
	}
	return tw.Close()
}

// writeParents writes each parent directory once: as it is in the parent
// image when there, else as a new 0755 directory.
func writeParents(tw *tar.Writer, dir string, o Options, done map[string]bool) error {
	if dir == "/" || dir == "." || done[dir] {
		return nil
	}
	if err := writeParents(tw, path.Dir(dir), o, done); err != nil {
		return err
	}
	done[dir] = true
	hdr := &tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(dir, "/") + "/", Mode: 0o755, ModTime: stamp(o, time.Now())}
	if o.ParentRoot != "" {
		if info, err := os.Lstat(filepath.Join(o.ParentRoot, dir)); err == nil && info.IsDir() {
			hdr.Mode = tarMode(info.Mode())
			hdr.ModTime = stamp(o, info.ModTime())
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
			}
			return tw.WriteHeader(hdr)
		}
	}
	if o.Owner != nil {
		hdr.Uid, hdr.Gid = o.Owner.UID, o.Owner.GID
	}
	return tw.WriteHeader(hdr)
}

func stamp(o Options, t time.Time) time.Time {
	if o.Time != nil {
		return *o.Time
	}
	return t
}

func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

func writeItem(tw *tar.Writer, it Item, root Root, o Options) error {
	hdr, err := tar.FileInfoHeader(it.Info, it.Link)
	if err != nil {
		return fmt.Errorf("%s: %w", it.Src, err)
	}
	hdr.Name = strings.TrimPrefix(it.Dest, "/")
	if it.Info.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uname, hdr.Gname = "", ""
	hdr.Mode = tarMode(it.Info.Mode())
	hdr.Uid, hdr.Gid = owner(it, root)
	if o.Owner != nil {
		hdr.Uid, hdr.Gid = o.Owner.UID, o.Owner.GID
	}
	if o.Mode != nil && it.Link == "" {
		hdr.Mode = int64(*o.Mode)
	}
	hdr.ModTime = stamp(o, hdr.ModTime)
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	hdr.Format = tar.FormatPAX
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !it.Info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(it.Src)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("copy %s: %w", it.Src, err)
	}
	return nil
}
