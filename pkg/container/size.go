package container

import (
	"fmt"

	units "github.com/docker/go-units"
)

// Size is a container's disk use, as Podman reports it: RwSize is what the
// container wrote (its own layer), RootFsSize the whole root filesystem it
// sees (the image's layers and its own).
type Size struct {
	RootFsSize int64 `json:"rootFsSize"`
	RwSize     int64 `json:"rwSize"`
}

// String is ps's SIZE column: "123B (virtual 4.5MB)".
func (s Size) String() string {
	return fmt.Sprintf("%s (virtual %s)", units.HumanSizeWithPrecision(float64(s.RwSize), 3), units.HumanSizeWithPrecision(float64(s.RootFsSize), 3))
}

// Size measures a container's layer and the image under it. It walks the
// container's writable layer, so it costs as much as what was written.
func (e *Engine) Size(c *Container) (Size, error) {
	sc, err := e.Store.Container(c.ID)
	if err != nil {
		return Size{}, fmt.Errorf("size of %s: %w", c.Name, err)
	}
	layer, err := e.Store.Layer(sc.LayerID)
	if err != nil {
		return Size{}, fmt.Errorf("size of %s: %w", c.Name, err)
	}
	rw, err := e.Store.DiffSize(layer.Parent, layer.ID)
	if err != nil {
		return Size{}, fmt.Errorf("size of %s's layer: %w", c.Name, err)
	}
	var img int64
	if sc.ImageID != "" {
		if img, err = e.Store.ImageSize(sc.ImageID); err != nil {
			return Size{}, fmt.Errorf("size of %s's image: %w", c.Name, err)
		}
	}
	return Size{RootFsSize: img + rw, RwSize: rw}, nil
}
