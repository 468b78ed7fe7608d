package build

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

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
		if err != nil {
			return err
		}
		if id != "" {
			s.b.say("--> Using cache %s\n", id)
			s.b.res.Cached++
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
			sc.ContainerLayer, sc.LayerTar = layer.ContainerLayer, layer.LayerTar
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
	return s.moveTo(ctx, id)
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
	rc, err := s.b.store.Diff(base, top.TopLayer, nil)
	if err != nil {
		return "", fmt.Errorf("squash: %w", err)
	}
	defer rc.Close()
	f, err := s.layerFile()
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := copyAll(f, rc); err != nil {
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

// layerFile is an unlinked temporary file for a layer tar.
func (s *stage) layerFile() (*os.File, error) {
	f, err := os.CreateTemp(tempRoot(), "roost-build-layer-*.tar")
	if err != nil {
		return nil, fmt.Errorf("temporary file for a layer: %w", err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}
