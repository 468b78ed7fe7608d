package build

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/roost-containers/roost/pkg/image"
)

// step is one committed instruction: how it reads in the history and the
// cache key, the digest of what it reads, its config edit and how it makes
// its layer (nil: none).
type step struct {
	createdBy string
	content   string
	edit      func(*image.BuildConfig)
	layer     func(ctx context.Context, commit func(image.StepCommit) (string, error)) (string, error)
	// annotations go on this step's manifest (the final image's).
	annotations map[string]string
}

// commit serves the step from the cache or makes it, and moves the stage
// onto its image.
func (s *stage) commit(ctx context.Context, st step) error {
	key := stepKey(s.imageID, s.b.opts.Format, st.createdBy, st.content)
	if s.b.opts.Layers && !s.b.opts.NoCache {
		id, err := s.b.cache.lookup(key)
		if err == nil && id == "" && s.b.remote != nil {
			id, err = s.b.remote.fetch(ctx, s.b.cache, key)
		}
		if err != nil {
			return err
		}
		if id != "" {
			s.b.say("--> Using cache %s\n", id)
			s.b.res.Cached++
			s.b.shareStep(ctx, id, key)
			return s.moveTo(ctx, id)
		}
	}
	cfg := s.config
	cfg.Config.Env = slices.Clone(cfg.Config.Env)
	if st.edit != nil {
		st.edit(&cfg)
	}
	sc := image.StepCommit{BaseID: s.imageID, Config: cfg, CreatedBy: st.createdBy, Format: s.b.opts.Format, Created: s.b.opts.Timestamp, Annotations: st.annotations}
	do := func(sc2 image.StepCommit) (string, error) {
		id, err := image.CommitStep(ctx, s.b.store, s.b.host.Config(), sc2)
		if err == nil {
			s.b.made = append(s.b.made, id)
		}
		return id, err
	}
	var id string
	var err error
	if st.layer != nil {
		id, err = st.layer(ctx, func(layer image.StepCommit) (string, error) {
			sc.ContainerLayer, sc.LayerTar, sc.Exclude = layer.ContainerLayer, layer.LayerTar, layer.Exclude
			return do(sc)
		})
	} else {
		id, err = do(sc)
	}
	if err != nil {
		return err
	}
	s.b.res.Steps++
	if err := s.b.cache.record(id, key); err != nil {
		return err
	}
	s.b.shareStep(ctx, id, key)
	return s.moveTo(ctx, id)
}

// shareStep pushes a step's image to the --cache-to repositories.
func (b *builder) shareStep(ctx context.Context, id, key string) {
	if b.remote != nil {
		b.remote.send(ctx, id, key)
	}
}

func (s *stage) moveTo(ctx context.Context, id string) error {
	cfg, err := image.ReadBuildConfig(ctx, s.b.store, id)
	if err != nil {
		return err
	}
	s.imageID, s.config = id, cfg
	s.b.say("--> %.11s\n", id)
	return nil
}

// labelStep adds --label's labels and --annotation's annotations to the
// final image, a step of its own.
func (s *stage) labelStep(ctx context.Context, labels, annotations map[string]string) error {
	created := "/bin/sh -c #(nop) LABEL" + sortedPairs(labels)
	return s.commit(ctx, step{createdBy: created, content: "annotations" + sortedPairs(annotations), annotations: annotations, edit: func(c *image.BuildConfig) {
		m := map[string]string{}
		for k, v := range c.Config.Labels {
			m[k] = v
		}
		for k, v := range labels {
			m[k] = v
		}
		c.Config.Labels = m
	}})
}

func sortedPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %q=%q", k, m[k])
	}
	return b.String()
}

// squash makes the final image its base plus one layer holding every
// change the stage made on it.
func (s *stage) squash(ctx context.Context) (string, error) {
	base := ""
	var baseCfg image.BuildConfig
	if s.baseTop != "" {
		img, err := s.b.store.Image(s.baseTop)
		if err != nil {
			return "", err
		}
		base = img.TopLayer
		if baseCfg, err = image.ReadBuildConfig(ctx, s.b.store, s.baseTop); err != nil {
			return "", err
		}
	}
	top, err := s.b.store.Image(s.imageID)
	if err != nil {
		return "", err
	}
	f, err := s.layerFile()
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := s.writeSquashed(f, base, top.TopLayer); err != nil {
		return "", fmt.Errorf("squash: %w", err)
	}
	cfg := s.config
	cfg.RootFS.DiffIDs = baseCfg.RootFS.DiffIDs
	cfg.History = baseCfg.History
	id, err := image.CommitStep(ctx, s.b.store, s.b.host.Config(), image.StepCommit{
		BaseID: s.baseTop, LayerTar: f, Config: cfg, CreatedBy: "squash", Format: s.b.opts.Format, Created: s.b.opts.Timestamp,
		Annotations: s.b.opts.Annotations,
	})
	if err == nil {
		s.b.made = append(s.b.made, id)
	}
	return id, err
}

// writeSquashed writes the layers above base up to top as one tar holding
// each path's last state: an entry a later layer replaced or deleted is
// left out, and a deletion is kept only for what the base image has.
func (s *stage) writeSquashed(w io.Writer, base, top string) error {
	var ids []string
	for id := top; id != "" && id != base; {
		l, err := s.b.store.Layer(id)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		id = l.Parent
	}
	slices.Reverse(ids)
	baseRoot, err := s.b.mountImage(s.baseTop)
	if err != nil {
		return err
	}
	keep := map[[2]int]bool{}
	final := newPathIndex()
	err = s.eachEntry(ids, func(pos [2]int, hdr *tar.Header, _ io.Reader) error {
		name := strings.TrimSuffix(strings.TrimPrefix(path.Clean("/"+hdr.Name), "/"), "/")
		dir, file := path.Split(name)
		target, whiteout := "", false
		switch {
		case file == ".wh..wh..opq":
			final.drop(strings.TrimSuffix(dir, "/"), false, keep)
			whiteout, target = true, ""
		case strings.HasPrefix(file, ".wh."):
			whiteout, target = true, dir+strings.TrimPrefix(file, ".wh.")
		case hdr.Typeflag == tar.TypeChar && hdr.Devmajor == 0 && hdr.Devminor == 0:
			whiteout, target = true, name
		}
		if !whiteout {
			if hdr.Typeflag == tar.TypeDir {
				// A directory merges with what is below it (overlay's rule):
				// only its own entry is replaced.
				final.forget(name, keep)
			} else {
				final.drop(name, true, keep)
			}
			final.set(name, pos)
			keep[pos] = true
			return nil
		}
		if target != "" {
			final.drop(target, true, keep)
			if _, err := os.Lstat(filepath.Join(baseRoot, target)); baseRoot == "" || err != nil {
				return nil // nothing below to hide
			}
		}
		keep[pos] = true
		return nil
	})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	err = s.eachEntry(ids, func(pos [2]int, hdr *tar.Header, r io.Reader) error {
		if !keep[pos] {
			return nil
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// pathIndex is each path's last entry in the layers squashed, with each
// directory's children, so that replacing or deleting a directory costs
// the size of what is under it, not of everything seen so far.
type pathIndex struct {
	pos      map[string][2]int
	children map[string]map[string]bool // "" is the root
}

func newPathIndex() *pathIndex {
	return &pathIndex{pos: map[string][2]int{}, children: map[string]map[string]bool{}}
}

func parentOf(name string) string {
	if d := path.Dir(name); d != "." {
		return d
	}
	return ""
}

// set records name's entry, linking it and its ancestors into the tree.
func (x *pathIndex) set(name string, pos [2]int) {
	x.pos[name] = pos
	for n := name; n != ""; n = parentOf(n) {
		p := parentOf(n)
		kids := x.children[p]
		if kids == nil {
			kids = map[string]bool{}
			x.children[p] = kids
		}
		if kids[n] {
			return // the rest of the chain is linked already
		}
		kids[n] = true
	}
}

// forget drops name's own entry, keeping what is under it.
func (x *pathIndex) forget(name string, keep map[[2]int]bool) {
	if p, ok := x.pos[name]; ok {
		delete(keep, p)
		delete(x.pos, name)
	}
}

// drop forgets the entries under name (and name itself when self), and
// their places in keep.
func (x *pathIndex) drop(name string, self bool, keep map[[2]int]bool) {
	for kid := range x.children[name] {
		x.drop(kid, true, keep)
	}
	delete(x.children, name)
	if !self || name == "" {
		return
	}
	x.forget(name, keep)
	delete(x.children[parentOf(name)], name)
}

// eachEntry walks the layers' diffs in order, each entry with its position.
func (s *stage) eachEntry(ids []string, fn func(pos [2]int, hdr *tar.Header, r io.Reader) error) error {
	none := archive.Uncompressed
	for i, id := range ids {
		rc, err := s.b.store.Diff("", id, &cstorage.DiffOptions{Compression: &none})
		if err != nil {
			return err
		}
		tr := tar.NewReader(rc)
		for j := 0; ; j++ {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err == nil {
				err = fn([2]int{i, j}, hdr, tr)
			}
			if err != nil {
				rc.Close()
				return err
			}
		}
		rc.Close()
	}
	return nil
}

// layerFile is an unlinked temporary file for a layer tar.
func (s *stage) layerFile() (*os.File, error) {
	f, err := os.CreateTemp(tempRoot(), "roost-build-layer-*.tar")
	if err != nil {
		return nil, fmt.Errorf("temporary file for a layer: %w", err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}
