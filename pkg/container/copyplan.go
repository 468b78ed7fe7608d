package container

import (
	"fmt"
	"path"
	"strings"
)

// endpoint is one side of a copy as the user wrote it, with what is there.
type endpoint struct {
	Path   string // as given: a trailing "/" or "/." carries meaning
	Exists bool
	IsDir  bool
}

// landing is where a copy goes: the source is extracted into Dir, an existing
// directory, under Name; an empty Name means the source directory's contents
// go straight into Dir.
type landing struct {
	Dir  string
	Name string
}

// contentsOnly: "dir/." (or the root) copies what is inside dir, not dir.
func contentsOnly(p string) bool {
	return strings.HasSuffix(p, "/.") || path.Clean("/"+p) == "/"
}

// base is the name a path's last element gives a copy.
func base(p string) string { return path.Base(path.Clean("/" + p)) }

// land applies Docker's and Podman's cp rules: a directory destination
// receives the source by its own name, a missing destination becomes the
// copy, a trailing "/" demands a directory.
func land(src, dst endpoint) (landing, error) {
	if !src.Exists {
		return landing{}, fmt.Errorf("%s: no such file or directory", src.Path)
	}
	if !src.IsDir && strings.HasSuffix(src.Path, "/") {
		return landing{}, fmt.Errorf("%s: not a directory", src.Path)
	}
	dstClean := path.Clean(dst.Path)
	switch {
	case dst.Exists && dst.IsDir:
		if src.IsDir && contentsOnly(src.Path) {
			return landing{Dir: dstClean}, nil
		}
		return landing{Dir: dstClean, Name: base(src.Path)}, nil
	case dst.Exists:
		if src.IsDir {
			return landing{}, fmt.Errorf("cannot copy directory %s onto file %s", src.Path, dst.Path)
		}
		if strings.HasSuffix(dst.Path, "/") {
			return landing{}, fmt.Errorf("%s: not a directory", dst.Path)
		}
	case !src.IsDir && strings.HasSuffix(dst.Path, "/"):
		return landing{}, fmt.Errorf("destination directory %s does not exist: create it first", dst.Path)
	}
	return landing{Dir: path.Dir(dstClean), Name: path.Base(dstClean)}, nil
}
