package container

import (
	"errors"
	"fmt"
	"os"
	"path"
	"time"
)

// PathStat is what a container path is, as Docker's archive endpoints
// describe it (the X-Docker-Container-Path-Stat header).
type PathStat struct {
	Name       string      `json:"name"`
	Size       int64       `json:"size"`
	Mode       os.FileMode `json:"mode"`
	Mtime      time.Time   `json:"mtime"`
	LinkTarget string      `json:"linkTarget"`
}

// ErrNoSuchPath: the container has nothing at the path.
var ErrNoSuchPath = errNoSuchPath

// StatPath describes the file or directory at p in the container (running
// or not), symlinks followed inside the container.
func (e *Engine) StatPath(ref, p string) (PathStat, error) {
	var st PathStat
	err := e.withFS(ref, func(fs *ctrFS) error {
		pl, err := fs.place(p)
		if err == nil && !pl.Exists {
			err = errNoSuchPath
		}
		if err != nil {
			return fmt.Errorf("%q could not be found on container %s: %w", p, ref, err)
		}
		fi, err := os.Stat(pl.real)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%q could not be found on container %s: %w", p, ref, errNoSuchPath)
		}
		if err != nil {
			return err
		}
		st = PathStat{Name: pl.Name, Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime()}
		abs := p
		if !path.IsAbs(abs) {
			abs = path.Join(fs.workdir, abs)
		}
		// A path reached through a symlink names where it led.
		if target := fs.containerPath(pl); target != path.Clean(abs) {
			st.LinkTarget = target
		}
		return nil
	})
	return st, err
}
