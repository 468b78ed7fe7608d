package container

import (
	"errors"
	"path"
	"strings"
)

// endpoint is one side of a copy as the user wrote it, with what is there.
type endpoint struct {
	Path   string // as given: a trailing "/" or "/." carries meaning
	Name   string // the base name of what Path resolves to (symlinks followed)
	Exists bool
	IsDir  bool
}

// landing is where a copy goes: the source is extracted into the directory
// Into (the destination, or its parent when Parent), its top entry named
// Name; an empty Name means a source directory's contents go straight in.
type landing struct {
	Parent bool
	Name   string
}

// errDirOntoFile is Podman's refusal to copy a directory onto a file.
var errDirOntoFile = errors.New("destination must be a directory when copying a directory")

// contentsOnly: "dir/." or "." (or the root) copies what is inside dir, not dir.
func contentsOnly(p string) bool {
	return p == "." || strings.HasSuffix(p, "/.") || path.Clean("/"+p) == "/"
}

// base is the name a path's last element gives a copy.
func base(p string) string { return path.Base(path.Clean("/" + p)) }

// land applies Podman's cp rules to a source that exists: a directory
// destination receives the source by its own name (a directory's contents
// for "dir/."), a file destination is replaced by a file, and a missing
// destination (whose parent the caller found) becomes the copy, under the
// destination's name. A trailing "/" on a missing destination is the
// caller's not-found error.
func land(src, dst endpoint) (landing, error) {
	switch {
	case dst.Exists && dst.IsDir:
		if src.IsDir && contentsOnly(src.Path) {
			return landing{}, nil
		}
		return landing{Name: src.Name}, nil
	case dst.Exists && src.IsDir:
		return landing{}, errDirOntoFile
	case dst.Exists:
		return landing{Parent: true, Name: dst.Name}, nil
	}
	// The copy is made under the new name: a directory's contents ("dir/.")
	// too, since the new directory is the source directory renamed.
	return landing{Parent: true, Name: dst.Name}, nil
}
