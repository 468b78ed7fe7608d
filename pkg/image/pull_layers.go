package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	ciimage "go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/chunked/toc"
)

// Why a pull stores the layers before copy.Image runs:
//
// containers/image's storage destination writes each blob to a temporary
// file while decompressing it once for its DiffID, and only then applies
// it to storage, decompressing it a second time; the two passes run one
// after the other. storeLayers streams each layer from the registry
// straight into store.PutLayer instead, which decompresses and applies it
// in one pass and computes both digests on the way. The layers get the
// IDs containers/image would give them, so copy.Image then finds every
// layer present and only writes the config, manifest and image record in
// its usual format. Anything unusual is left to copy.Image as before.

// plannedLayer is one layer of the image being pulled.
type plannedLayer struct {
	blob   types.BlobInfo // as the manifest names it
	diffID digest.Digest  // as the config names it
	id     string         // its storage ID: the chain ID containers/image uses
	exists bool           // storage has it already
}

// storeLayers puts the layers of the image src serves (for this platform)
// into storage, and says whether it did; false means copy.Image must do it
// all, as for an image whose shape it does not handle. src must have passed
// the signature policy: present checks it before anything is stored.
// Layers stored before a failure stay: they are complete and verified, and
// a later pull reuses them as it would reuse containers/image's own.
//
// Storage applies a layer only on top of its parent, so the layers are
// applied one after the other; their blobs are fetched at the same time
// (at most parallelFetches at once, as copy.Image does). The first layer
// to apply streams from the registry straight into storage; each later one
// downloads into a spool meanwhile and is applied from it on its turn,
// following the download when that is still going on.
func (p *puller) storeLayers(ctx context.Context, src types.ImageSource) (bool, error) {
	layers, err := p.planLayers(ctx, src)
	if err != nil {
		logrus.Debugf("Leaving the layers to the copy: %v", err)
		return false, nil
	}
	if layers == nil {
		return false, nil
	}
	cache := blobinfocache.DefaultCache(p.sys)
	prog := newLayerProgress(p.opts.Progress, p.opts.Layers)
	defer prog.wait()
	ctx, cancel := context.WithCancel(ctx)
	// The downloads ahead begin once the first blob has (its line first).
	firstBegun := make(chan struct{})
	begin := sync.OnceFunc(func() { close(firstBegun) })
	defer begin()
	fetches := p.fetchAhead(ctx, src, cache, layers, prog, firstBegun)
	// Whatever happens below, the downloads end before this returns.
	defer fetches.wait()
	defer cancel()
	parent := ""
	for i, l := range layers {
		switch f := fetches.of[i]; {
		case l.exists:
			prog.reused(l.blob)
		case f != nil:
			err = p.applyFetched(f, cache, l, parent)
		default:
			err = p.fetchLayer(ctx, src, cache, l, parent, prog, begin)
		}
		if err != nil {
			return false, err
		}
		parent = l.id
	}
	return true, nil
}

// parallelFetches is how many blobs a pull downloads at once, as many as
// copy.Image's default.
const parallelFetches = 6

// fetchedLayer is a layer whose blob downloads ahead of its turn.
type fetchedLayer struct {
	spool *spool
	// Under spool.mu: the blob's progress once its download begins, and
	// whether its layer was applied or refused (the bar then ended).
	bar     *blobProgress
	settled bool
}

// layerFetches are the downloads a pull runs ahead of the layer it applies.
type layerFetches struct {
	of   []*fetchedLayer // by layer; nil: not fetched ahead
	done sync.WaitGroup
}

// wait waits for every download to end (they end early once the pull's
// context is cancelled) and lets their files go.
func (lf *layerFetches) wait() {
	lf.done.Wait()
	for _, f := range lf.of {
		if f == nil {
			continue
		}
		// A bar left going would keep the progress display waiting.
		if f.bar != nil && !f.settled {
			f.bar.abort()
		}
		f.spool.close()
	}
}

// fetchAhead starts downloading the blob of every layer to store after the
// first one (which the caller streams), in order, parallelFetches at a
// time, once after is closed.
func (p *puller) fetchAhead(ctx context.Context, src types.ImageSource, cache types.BlobInfoCache, layers []plannedLayer, prog *layerProgress, after <-chan struct{}) *layerFetches {
	lf := &layerFetches{of: make([]*fetchedLayer, len(layers))}
	first := true
	for i, l := range layers {
		if l.exists {
			continue
		}
		if first {
			first = false
			continue
		}
		s, err := newSpool(bigFilesDir(p.sys))
		if err != nil {
			// Not fetched ahead, then: streamed on its turn.
			logrus.Debugf("Fetching blob %s on its turn: %v", l.blob.Digest, err)
			continue
		}
		lf.of[i] = &fetchedLayer{spool: s}
	}
	slots := make(chan struct{}, parallelFetches)
	lf.done.Add(1)
	go func() {
		defer lf.done.Done()
		select {
		case <-after:
		case <-ctx.Done():
		}
		for i, f := range lf.of {
			if f == nil {
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				// Each download not begun ends at once, with the reason.
				for _, rest := range lf.of[i:] {
					if rest != nil {
						rest.spool.end(ctx.Err())
					}
				}
				return
			}
			bar := prog.start(layers[i].blob)
			f.spool.mu.Lock()
			f.bar = bar
			f.spool.mu.Unlock()
			lf.done.Add(1)
			go func(f *fetchedLayer, blob types.BlobInfo) {
				defer lf.done.Done()
				defer func() { <-slots }()
				rc, _, err := src.GetBlob(ctx, blob, cache)
				if err != nil {
					f.spool.end(fmt.Errorf("fetch blob %s: %w", blob.Digest, err))
					return
				}
				defer rc.Close()
				f.spool.fill(bar.reader(rc))
			}(f, layers[i].blob)
		}
	}()
	return lf
}

// applyFetched applies a layer whose blob was fetched ahead, following its
// download.
func (p *puller) applyFetched(f *fetchedLayer, cache types.BlobInfoCache, l plannedLayer, parent string) error {
	err := putLayer(p.store, f.spool.reader(), l, parent)
	f.spool.mu.Lock()
	bar := f.bar
	f.settled = bar != nil
	f.spool.mu.Unlock()
	if err != nil {
		if bar != nil {
			bar.abort()
		}
		return err
	}
	bar.done()
	cache.RecordDigestUncompressedPair(l.blob.Digest, l.diffID)
	return nil
}

// fetchLayer streams one blob from the registry into storage as layer l.id
// on top of parent, and checks it is the blob the manifest and the config
// name. begun is called once the blob is on its way.
func (p *puller) fetchLayer(ctx context.Context, src types.ImageSource, cache types.BlobInfoCache, l plannedLayer, parent string, prog *layerProgress, begun func()) error {
	rc, _, err := src.GetBlob(ctx, l.blob, cache)
	if err != nil {
		return fmt.Errorf("fetch blob %s: %w", l.blob.Digest, err)
	}
	defer rc.Close()
	bar := prog.start(l.blob)
	begun()
	if err := putLayer(p.store, bar.reader(rc), l, parent); err != nil {
		bar.abort()
		return err
	}
	bar.done()
	// As containers/image records a pair it has verified, for later pulls
	// and pushes of the same content.
	cache.RecordDigestUncompressedPair(l.blob.Digest, l.diffID)
	return nil
}

// putLayer applies body (the layer's blob, compressed or not) as layer
// l.id on top of parent and verifies it. Storage is given no digests:
// given them, it records them without computing them, and then there
// would be nothing to check. A layer that fails its check is deleted.
func putLayer(store cstorage.Store, body io.Reader, l plannedLayer, parent string) error {
	d := digest.Canonical.Digester()
	counted := &countingReader{r: io.TeeReader(body, d.Hash())}
	layer, _, err := store.PutLayer(l.id, parent, nil, "", false, nil, counted)
	if errors.Is(err, cstorage.ErrDuplicateID) {
		// A concurrent pull of the same image made it first.
		return sameLayer(store, l)
	}
	if err != nil {
		return fmt.Errorf("store blob %s: %w", l.blob.Digest, err)
	}
	// Storage may stop reading where the tar stream ends; the digest is of
	// the whole blob.
	if _, err := io.Copy(io.Discard, counted); err != nil {
		err = fmt.Errorf("read blob %s: %w", l.blob.Digest, err)
		return errors.Join(err, deleteLayer(store, l.id))
	}
	if err := checkLayer(l, d.Digest(), counted.n, layer); err != nil {
		return errors.Join(err, deleteLayer(store, l.id))
	}
	return nil
}

// checkLayer says whether a layer just stored is the one the image names:
// the bytes read (their digest and count) are the manifest's blob, and
// storage computed the manifest's digest and the config's DiffID for it
// (copy.Image finds the layer by the one and identifies it by the other).
func checkLayer(l plannedLayer, read digest.Digest, size int64, layer *cstorage.Layer) error {
	switch {
	case read != l.blob.Digest || size != l.blob.Size:
		return fmt.Errorf("blob %s: the registry sent %d bytes with digest %s, not what the manifest names (%d bytes)", l.blob.Digest, size, read, l.blob.Size)
	case layer.CompressedDigest != l.blob.Digest:
		return fmt.Errorf("blob %s: storage read it as %s", l.blob.Digest, layer.CompressedDigest)
	case layer.UncompressedDigest != l.diffID:
		return fmt.Errorf("blob %s: its content has digest %s, but the image config's diff_id is %s", l.blob.Digest, layer.UncompressedDigest, l.diffID)
	}
	return nil
}

// sameLayer checks a layer another process stored under l.id.
func sameLayer(store cstorage.Store, l plannedLayer) error {
	layer, err := store.Layer(l.id)
	if err != nil {
		return fmt.Errorf("find layer %s for blob %s: %w", short(l.id), l.blob.Digest, err)
	}
	if layer.UncompressedDigest != l.diffID {
		return fmt.Errorf("layer %s for blob %s has content %s, not the config's diff_id %s", short(l.id), l.blob.Digest, layer.UncompressedDigest, l.diffID)
	}
	return nil
}

func deleteLayer(store cstorage.Store, id string) error {
	if err := store.DeleteLayer(id); err != nil {
		return fmt.Errorf("delete the refused layer %s: %w", short(id), err)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// chainID is the storage ID containers/image gives the layer with diffID
// on top of parent ("" for a base layer), as its storage destination's
// layerID does; copy.Image reuses a layer only under that ID.
func chainID(parent string, diffID digest.Digest) string {
	if parent == "" {
		return diffID.Encoded()
	}
	return digest.Canonical.FromString(parent + "+" + diffID.Encoded()).Encoded()
}

// planLayers lists the layers of the image src serves for this platform,
// or returns nil when the image is not one storeLayers handles.
func (p *puller) planLayers(ctx context.Context, src types.ImageSource) ([]plannedLayer, error) {
	img, err := p.chosenImage(ctx, src)
	if err != nil || img == nil {
		return nil, err
	}
	if _, mt, err := img.Manifest(ctx); err != nil || (mt != manifest.DockerV2Schema2MediaType && mt != imgspecv1.MediaTypeImageManifest) {
		return nil, err // schema1 and the unknown are copy.Image's
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, err
	}
	// With convert_images, storage turns each layer into zstd:chunked,
	// under other IDs: that is copy.Image's to do.
	if strings.EqualFold(p.store.PullOptions()["convert_images"], "true") {
		return nil, nil
	}
	return p.chainLayers(img.LayerInfos(), cfg.RootFS.DiffIDs)
}

// chainLayers pairs each blob with its diff_id and storage ID, or returns
// nil when a layer is not one storeLayers handles.
func (p *puller) chainLayers(blobs []types.BlobInfo, diffIDs []digest.Digest) ([]plannedLayer, error) {
	if len(blobs) == 0 || len(blobs) != len(diffIDs) {
		return nil, nil
	}
	layers := make([]plannedLayer, len(blobs))
	parent := ""
	for i, b := range blobs {
		if !plainLayer(b) || diffIDs[i].Validate() != nil || diffIDs[i].Algorithm() != digest.Canonical {
			return nil, nil
		}
		l := plannedLayer{blob: b, diffID: diffIDs[i], id: chainID(parent, diffIDs[i])}
		var err error
		if l.exists, err = p.reusable(l); err != nil {
			return nil, err
		}
		layers[i], parent = l, l.id
	}
	return layers, nil
}

// reusable says whether storage has layer l, in a shape copy.Image will
// reuse without fetching the blob: it looks layers up by the manifest's
// digest. A layer made from another form of the blob (a `load` of an
// uncompressed archive) makes the image copy.Image's.
func (p *puller) reusable(l plannedLayer) (bool, error) {
	layer, err := p.store.Layer(l.id)
	if errors.Is(err, cstorage.ErrLayerUnknown) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if layer.CompressedDigest != l.blob.Digest && layer.UncompressedDigest != l.blob.Digest {
		return false, fmt.Errorf("layer %s was stored from another form of blob %s", short(l.id), l.blob.Digest)
	}
	return true, nil
}

// plainLayer says whether a layer is an ordinary tar, gzip or zstd blob
// from the registry: not encrypted, not foreign (URLs), not one storage
// could pull partially (zstd:chunked, eStargz), of a known size and a
// sha256 digest (the one storage computes).
func plainLayer(b types.BlobInfo) bool {
	switch b.MediaType {
	case manifest.DockerV2Schema2LayerMediaType, manifest.DockerV2SchemaLayerMediaTypeUncompressed,
		imgspecv1.MediaTypeImageLayer, imgspecv1.MediaTypeImageLayerGzip, imgspecv1.MediaTypeImageLayerZstd:
	default:
		return false
	}
	for k := range b.Annotations {
		if _, ok := toc.ChunkedAnnotations[k]; ok {
			return false
		}
	}
	return len(b.URLs) == 0 && b.Size > 0 && b.Digest.Validate() == nil && b.Digest.Algorithm() == digest.Canonical
}

// chosenImage is the image a pull stores from src: the registry's
// manifest, or the instance of an index chosen for the platform, as
// copy.Image chooses it.
func (p *puller) chosenImage(ctx context.Context, src types.ImageSource) (types.Image, error) {
	_, instance, err := chosenManifest(ctx, p.sys, src)
	if err != nil {
		return nil, err
	}
	return ciimage.FromUnparsedImage(ctx, p.sys, ciimage.UnparsedInstance(src, instance))
}
