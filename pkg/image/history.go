package image

import (
	"context"
	"fmt"
	"time"

	cstorage "go.podman.io/storage"
)

// HistoryEntry is one step of how an image was built, newest first, with
// the JSON names Podman's `history --format json` prints.
type HistoryEntry struct {
	ID        string    `json:"id"` // the image this step made, else "<missing>"
	Created   time.Time `json:"created"`
	CreatedBy string    `json:",omitempty"`
	Size      int64     `json:"size"` // the step's layer, 0 for a step that made none
	Comment   string    `json:",omitempty"`
	Tags      []string  `json:"tags"`
}

// History reads an image's build steps from its configuration, newest
// first. A step's ID is known where a stored image ends with that step's
// layer (the image itself, or an image it was built on).
func History(ctx context.Context, store cstorage.Store, name string) ([]HistoryEntry, error) {
	img, _, err := Find(store, name)
	if err != nil {
		return nil, err
	}
	if isList(store, img) {
		return nil, listRefused(img, name)
	}
	st, err := readStored(ctx, store, img.ID)
	if err != nil {
		return nil, err
	}
	layers, err := layerChain(store, img.TopLayer)
	if err != nil {
		return nil, err
	}
	byTop, err := imagesByTopLayer(store)
	if err != nil {
		return nil, err
	}
	hist := st.config.History
	out := make([]HistoryEntry, len(hist))
	li := len(layers) - 1 // layers are bottom first; walk from the top
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		e := HistoryEntry{ID: "<missing>", CreatedBy: h.CreatedBy, Comment: h.Comment}
		if h.Created != nil {
			e.Created = *h.Created
		}
		if !h.EmptyLayer && li >= 0 {
			e.Size = layers[li].UncompressedSize
			if owner, ok := byTop[layers[li].ID]; ok && owner.ID != img.ID {
				e.ID, e.Tags = owner.ID, owner.Names
			}
			li--
		}
		out[len(hist)-1-i] = e
	}
	if len(out) > 0 {
		out[0].ID, out[0].Tags = img.ID, img.Names
	}
	return out, nil
}

// layerChain is the layers from the bottom up to top.
func layerChain(store cstorage.Store, top string) ([]cstorage.Layer, error) {
	var chain []cstorage.Layer
	for id := top; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("read layer %s: %w", short(id), err)
		}
		chain = append([]cstorage.Layer{*l}, chain...)
		id = l.Parent
	}
	return chain, nil
}

func imagesByTopLayer(store cstorage.Store) (map[string]cstorage.Image, error) {
	imgs, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	m := make(map[string]cstorage.Image, len(imgs))
	for _, i := range imgs {
		m[i.TopLayer] = i
	}
	return m, nil
}
