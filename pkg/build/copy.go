package build

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/roost-containers/roost/pkg/build/copier"
	"github.com/roost-containers/roost/pkg/image"
)

// copyStep is COPY: files of the context, a stage or an image, as a layer.
func (s *stage) copyStep(ctx context.Context, c *instructions.CopyCommand) error {
	root := copier.Root{Dir: s.b.opts.ContextDir, Ignore: s.b.ignore}
	if c.From != "" {
		dir, _, err := s.b.sourceRoot(ctx, c.From, s.index)
		if err != nil {
			return err
		}
		root = copier.Root{Dir: dir, Image: true}
	}
	sources := c.SourcePaths
	if len(c.SourceContents) > 0 {
		dir, err := s.heredocFiles(c.SourceContents)
		if err != nil {
			return err
		}
		root, sources = copier.Root{Dir: dir}, nil
		for _, sc := range c.SourceContents {
			sources = append(sources, sc.Path)
		}
	}
	return s.copyFiles(ctx, "COPY", c.String(), root, sources, c.DestPath, c.Chown, c.Chmod)
}

// copyFiles places the sources, digests them and commits them as a layer.
func (s *stage) copyFiles(ctx context.Context, verb, line string, root copier.Root, sources []string, dest, chown, chmod string) error {
	return s.copyPlaced(ctx, verb, line, []placement{{root, sources, dest}}, chown, chmod)
}

// placement is a group of sources read under one root, for one dest: ADD
// of several kinds of sources (context files, URLs, archives) makes one
// layer of several.
type placement struct {
	root    copier.Root
	sources []string
	dest    string
}

// copyPlaced makes one layer of every group's files, placed at their dest.
func (s *stage) copyPlaced(ctx context.Context, verb, line string, groups []placement, chown, chmod string) error {
	parentRoot, err := s.b.mountImage(s.imageID)
	if err != nil {
		return err
	}
	var items []copier.Item
	for _, g := range groups {
		placed, err := copier.Place(g.root, g.sources, s.destPath(g.dest), func(p string) bool {
			info, err := os.Stat(filepath.Join(parentRoot, p))
			return parentRoot != "" && err == nil && info.IsDir()
		})
		if errors.Is(err, copier.ErrNoSource) {
			return fmt.Errorf("%s %s: %w in the build context", verb, strings.TrimSuffix(err.Error(), ": "+copier.ErrNoSource.Error()), copier.ErrNoSource)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", verb, err)
		}
		items = append(items, placed...)
	}
	root := copier.Root{} // each item says whether its owner is kept
	o := copier.Options{Time: s.b.opts.Timestamp, ParentRoot: parentRoot}
	if o.Owner, err = s.owner(chown, parentRoot); err != nil {
		return err
	}
	if chmod != "" {
		m, err := strconv.ParseUint(chmod, 8, 32)
		if err != nil {
			return fmt.Errorf("--chmod=%s: not an octal mode", chmod)
		}
		mode := fs.FileMode(m)
		o.Mode = &mode
	}
	content, err := copier.Digest(items, root)
	if err != nil {
		return err
	}
	return s.commit(ctx, step{createdBy: "/bin/sh -c #(nop) " + line, content: content, layer: func(ctx context.Context, commit func(image.StepCommit) (string, error)) (string, error) {
		f, err := s.layerFile()
		if err != nil {
			return "", err
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		if err := copier.WriteLayer(w, items, root, o); err != nil {
			return "", fmt.Errorf("%s: %w", verb, err)
		}
		if err := w.Flush(); err != nil {
			return "", err
		}
		return commit(image.StepCommit{LayerTar: f})
	}})
}

// destPath joins a relative destination with WORKDIR, keeping a trailing
// slash (it says the destination is a directory).
func (s *stage) destPath(dest string) string {
	dir := strings.HasSuffix(dest, "/") || dest == "." || strings.HasSuffix(dest, "/.")
	if !path.IsAbs(dest) {
		dest = path.Join("/", s.config.Config.WorkingDir, dest)
	}
	dest = path.Clean(dest)
	if dir && dest != "/" {
		dest += "/"
	}
	return dest
}

// owner resolves --chown=USER[:GROUP] with the image's passwd and group.
func (s *stage) owner(chown, root string) (*copier.Owner, error) {
	if chown == "" {
		return nil, nil
	}
	user, group, hasGroup := strings.Cut(chown, ":")
	uid, ugid, err := lookupID(root, "etc/passwd", user, true)
	if err != nil {
		return nil, fmt.Errorf("--chown=%s: %w", chown, err)
	}
	gid := ugid
	if hasGroup {
		if gid, _, err = lookupID(root, "etc/group", group, false); err != nil {
			return nil, fmt.Errorf("--chown=%s: %w", chown, err)
		}
	} else if _, err := strconv.Atoi(user); err == nil {
		gid = uid
	}
	return &copier.Owner{UID: uid, GID: gid}, nil
}

// lookupID finds a name's id (and for a user its primary group) in the
// image's file; a number is taken as it is.
func lookupID(root, file, name string, user bool) (int, int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, n, nil
	}
	if root == "" {
		return 0, 0, fmt.Errorf("no %s to look %q up in", "/"+file, name)
	}
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		return 0, 0, fmt.Errorf("look %q up: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[0] != name {
			continue
		}
		id, err := strconv.Atoi(fields[2])
		if err != nil {
			break
		}
		gid := id
		if user && len(fields) > 3 {
			gid, _ = strconv.Atoi(fields[3])
		}
		return id, gid, nil
	}
	what := "user"
	if !user {
		what = "group"
	}
	return 0, 0, fmt.Errorf("no %s %q in the image's /%s", what, name, file)
}

// heredocFiles writes COPY's inline documents to a directory.
func (s *stage) heredocFiles(list []instructions.SourceContent) (string, error) {
	dir, err := s.b.tempDir()
	if err != nil {
		return "", err
	}
	for _, sc := range list {
		if err := os.WriteFile(filepath.Join(dir, filepath.Clean("/"+sc.Path)), []byte(sc.Data), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// sourceRoot is where COPY --from and RUN --mount from= read: an earlier
// stage's image or another image, mounted.
func (b *builder) sourceRoot(ctx context.Context, ref string, before int) (string, string, error) {
	id := ""
	if j, ok := b.stageIndex(ref, before); ok {
		id = b.stages[j].imageID
		if id == "" {
			d, err := b.tempDir() // an empty FROM scratch stage
			return d, "", err
		}
	} else {
		var err error
		if id, err = b.host.ResolveImage(ctx, ref); err != nil {
			return "", "", err
		}
	}
	dir, err := b.mountImage(id)
	return dir, id, err
}

// mountImage mounts an image read-only until the build ends; "" for none.
func (b *builder) mountImage(id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if dir, ok := b.mounts[id]; ok {
		return dir, nil
	}
	dir, err := b.store.MountImage(id, nil, "")
	if err != nil {
		return "", fmt.Errorf("mount image %.12s: %w", id, err)
	}
	if b.mounts == nil {
		b.mounts = map[string]string{}
	}
	b.mounts[id] = dir
	return dir, nil
}

func (b *builder) unmountAll() {
	for id := range b.mounts {
		_, _ = b.store.UnmountImage(id, false)
	}
	b.mounts = nil
}
