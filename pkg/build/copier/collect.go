// Package copier turns COPY and ADD sources into a layer: it finds the
// files (globs, directories' contents, the ignore file), places them under
// the destination, digests them for the cache key, and writes the tar.
package copier

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Item is one file, directory or link to put in the layer.
type Item struct {
	Src  string      // absolute path on the host (a context or a mounted image)
	Dest string      // absolute path in the image
	Info fs.FileInfo // Lstat of Src
	Link string      // a symlink's target
	// Parent: the directory whose contents are copied; it is written like
	// a parent directory (kept as the image has it, else made 0755).
	Parent bool
	// KeepOwner: Src is in an image's file system (Root.Image), whose
	// owners are kept; a context's files belong to root.
	KeepOwner bool
}

// Root is where sources are read: a context directory or an image's
// mounted root. Ignore, when set, keeps a context path (slash-separated,
// relative) out.
type Root struct {
	Dir    string
	Ignore func(rel string) bool
	// Image: the root is an image's file system, whose owners are kept.
	Image bool
}

// ErrNoSource: a source matched nothing.
var ErrNoSource = errors.New("no such file or directory")

// Place finds the sources under the root and places them at dest (absolute,
// already joined with WORKDIR). destIsDir says dest names a directory: it
// ends in "/", there are several sources, or it is one in the image.
func Place(root Root, sources []string, dest string, destIsDir func(string) bool) ([]Item, error) {
	var items []Item
	var matched []string
	for _, src := range sources {
		m, err := match(root, src)
		if err != nil {
			return nil, err
		}
		matched = append(matched, m...)
	}
	dir := strings.HasSuffix(dest, "/") || len(matched) > 1 || len(sources) > 1 || destIsDir(path.Clean(dest))
	dest = path.Clean(dest)
	for _, rel := range matched {
		abs := filepath.Join(root.Dir, rel)
		info, err := os.Lstat(abs)
		if err != nil {
			return nil, err
		}
		switch {
		case info.IsDir():
			walked, err := walk(root, rel, dest)
			if err != nil {
				return nil, err
			}
			items = append(items, walked...)
		case dir:
			it, err := item(abs, path.Join(dest, path.Base(rel)), info)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		default:
			it, err := item(abs, dest, info)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
	}
	for i := range items {
		items[i].KeepOwner = root.Image
	}
	return items, nil
}

func item(abs, dest string, info fs.FileInfo) (Item, error) {
	it := Item{Src: abs, Dest: dest, Info: info}
	if info.Mode()&fs.ModeSymlink != 0 {
		l, err := os.Readlink(abs)
		if err != nil {
			return Item{}, err
		}
		it.Link = l
	}
	return it, nil
}

// match expands one source (a path or a glob) into paths relative to the
// root, refusing any that leave it.
func match(root Root, src string) ([]string, error) {
	rel := strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(src)), "/")
	if rel == "" {
		rel = "."
	}
	var out []string
	if strings.ContainsAny(rel, "*?[") {
		found, err := filepath.Glob(filepath.Join(root.Dir, rel))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		for _, f := range found {
			r, err := filepath.Rel(root.Dir, f)
			if err != nil {
				return nil, err
			}
			if !ignored(root, filepath.ToSlash(r)) {
				out = append(out, filepath.ToSlash(r))
			}
		}
		sort.Strings(out)
	} else if _, err := os.Lstat(filepath.Join(root.Dir, rel)); err == nil && !ignored(root, rel) {
		out = []string{rel}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", src, ErrNoSource)
	}
	return out, nil
}

func ignored(root Root, rel string) bool {
	return root.Ignore != nil && rel != "." && root.Ignore(rel)
}

// walk lists a directory's contents (not the directory itself) under dest,
// in a stable order, skipping what the ignore file names.
func walk(root Root, rel, dest string) ([]Item, error) {
	base := filepath.Join(root.Dir, rel)
	items := []Item{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(root.Dir, p)
		under, _ := filepath.Rel(base, p)
		if under == "." {
			info, err := d.Info()
			if err != nil {
				return err
			}
			items = append(items, Item{Src: p, Dest: dest, Info: info, Parent: true})
			return nil
		}
		if ignored(root, filepath.ToSlash(r)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		it, err := item(p, path.Join(dest, filepath.ToSlash(under)), info)
		if err != nil {
			return err
		}
		items = append(items, it)
		return nil
	})
	return items, err
}
