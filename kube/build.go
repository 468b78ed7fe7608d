package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/image"
)

// Build modes of `kube play --build`, as Podman's: an image whose name
// matches a directory of the context with a Containerfile (or Dockerfile)
// in it is built from there when it is not stored (auto), always, or
// never.
const (
	BuildAuto   = ""
	BuildAlways = "always"
	BuildNever  = "never"
)

// buildDir is the directory an image would be built from: the last path
// element of its name, under the context directory; "" when there is no
// Containerfile or Dockerfile there.
func buildDir(contextDir, img string) string {
	n, err := reference.ParseNormalizedNamed(img)
	if err != nil {
		return ""
	}
	dir := filepath.Join(contextDir, path.Base(reference.Path(n)))
	for _, f := range []string{"Containerfile", "Dockerfile"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.Mode().IsRegular() {
			return dir
		}
	}
	return ""
}

// buildImages builds the images of the plan's containers that have a
// directory in the context, as the mode says, before anything is made.
func buildImages(ctx context.Context, core *engine.Engine, plans []*podPlan, o PlayOptions) error {
	if o.Build == BuildNever || o.ContextDir == "" {
		return nil
	}
	store, err := core.Store()
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, p := range plans {
		for _, r := range append(append([]engine.CreateRequest{}, p.init...), p.main...) {
			name := r.Image.Name
			dir := buildDir(o.ContextDir, name)
			if dir == "" || done[name] {
				continue
			}
			done[name] = true
			if o.Build == BuildAuto {
				if _, _, err := image.Find(store, name); err == nil {
					continue
				} else if !errors.Is(err, cstorage.ErrImageUnknown) {
					return err
				}
			}
			out := o.BuildOutput
			if out == nil {
				out = io.Discard
			}
			if _, err := core.Build(ctx, engine.BuildRequest{ContextDir: dir, Tags: []string{name}, Layers: true,
				RemoveIntermediate: true, Output: out}); err != nil {
				return fmt.Errorf("build %s from %s: %w", name, dir, err)
			}
		}
	}
	return nil
}
