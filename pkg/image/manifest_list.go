package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/events"
)

// A manifest list is an image in storage without layers: its "manifest"
// is an OCI index, and instancesKey maps each instance's digest to where
// its content is (a registry reference, or a stored image's ID), for push.
const instancesKey = "roost-instances.json"

// ErrNotList: the name is an image, not a manifest list.
var ErrNotList = errors.New("not a manifest list")

// ManifestAddOptions say which instance of a reference to add and what to
// record about it.
type ManifestAddOptions struct {
	RegistryOptions
	Platform    Platform // choose from an index; also overrides what is recorded
	All         bool     // add every instance of an index
	Annotations map[string]string
}

type manifestList struct {
	id        string
	index     imgspecv1.Index
	instances map[digest.Digest]string // "docker://repo@digest" or "containers-storage:ID"
}

// ManifestCreate stores an empty manifest list under name, adding the
// references given, and returns its ID.
func ManifestCreate(ctx context.Context, store cstorage.Store, cfg *config.Config, name string, refs []string, o ManifestAddOptions) (string, error) {
	named, err := NormalizeName(name)
	if err != nil {
		return "", err
	}
	if img, _, err := Find(store, named.String()); err == nil && slices.Contains(img.Names, named.String()) {
		return "", fmt.Errorf("%s: image name is already in use", named)
	}
	l := &manifestList{index: imgspecv1.Index{MediaType: imgspecv1.MediaTypeImageIndex, Manifests: []imgspecv1.Descriptor{}}, instances: map[digest.Digest]string{}}
	l.index.SchemaVersion = 2
	for _, r := range refs {
		if err := l.add(ctx, store, cfg, r, o); err != nil {
			return "", err
		}
	}
	data, err := l.bigData()
	if err != nil {
		return "", err
	}
	img, err := store.CreateImage("", []string{named.String()}, "", "", &cstorage.ImageOptions{BigData: data})
	if err != nil {
		return "", fmt.Errorf("store manifest list %s: %w", named, err)
	}
	record(cfg.Events, events.Create, img.ID, named.String())
	return img.ID, nil
}

// ManifestAdd adds a reference's instance (or every instance, with All) to
// a stored list and returns the list's ID.
func ManifestAdd(ctx context.Context, store cstorage.Store, cfg *config.Config, list, ref string, o ManifestAddOptions) (string, error) {
	l, err := readList(store, list)
	if err != nil {
		return "", err
	}
	if err := l.add(ctx, store, cfg, ref, o); err != nil {
		return "", err
	}
	return l.id, l.save(store)
}

// ManifestAnnotate edits one instance's platform and annotations.
func ManifestAnnotate(store cstorage.Store, list, instance string, p Platform, annotations map[string]string) (string, error) {
	l, err := readList(store, list)
	if err != nil {
		return "", err
	}
	d, err := digest.Parse(instance)
	if err != nil {
		return "", fmt.Errorf("invalid instance digest %q: %w", instance, err)
	}
	i := slices.IndexFunc(l.index.Manifests, func(m imgspecv1.Descriptor) bool { return m.Digest == d })
	if i < 0 {
		return "", fmt.Errorf("%s has no instance %s", list, d)
	}
	m := &l.index.Manifests[i]
	setPlatform(m, p)
	for k, v := range annotations {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[k] = v
	}
	return l.id, l.save(store)
}

// ManifestInspect returns a stored list's index as JSON.
func ManifestInspect(store cstorage.Store, list string) ([]byte, error) {
	l, err := readList(store, list)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(l.index, "", "    ")
}

// IsManifestList says whether name is a stored manifest list.
func IsManifestList(store cstorage.Store, name string) bool {
	_, err := readList(store, name)
	return err == nil
}

// ManifestRemove deletes a stored list (not the images it names).
func ManifestRemove(store cstorage.Store, cfg *config.Config, list string) (string, error) {
	l, err := readList(store, list)
	if err != nil {
		return "", err
	}
	if _, err := store.DeleteImage(l.id, true); err != nil {
		return "", fmt.Errorf("remove manifest list %s: %w", list, err)
	}
	record(cfg.Events, events.Remove, l.id, list)
	return l.id, nil
}

func readList(store cstorage.Store, name string) (*manifestList, error) {
	img, _, err := Find(store, name)
	if err != nil {
		return nil, err
	}
	l := &manifestList{id: img.ID, instances: map[digest.Digest]string{}}
	raw, err := store.ImageBigData(img.ID, cstorage.ImageDigestBigDataKey)
	if err != nil || !manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		return nil, fmt.Errorf("%s: %w", name, ErrNotList)
	}
	if err := json.Unmarshal(raw, &l.index); err != nil {
		return nil, fmt.Errorf("%s: read its index: %w", name, err)
	}
	if inst, err := store.ImageBigData(img.ID, instancesKey); err == nil {
		if err := json.Unmarshal(inst, &l.instances); err != nil {
			return nil, fmt.Errorf("%s: read its instances: %w", name, err)
		}
	}
	return l, nil
}

func (l *manifestList) bigData() ([]cstorage.ImageBigDataOption, error) {
	index, err := json.Marshal(l.index)
	if err != nil {
		return nil, err
	}
	inst, err := json.Marshal(l.instances)
	if err != nil {
		return nil, err
	}
	return []cstorage.ImageBigDataOption{
		{Key: cstorage.ImageDigestBigDataKey, Data: index, Digest: digest.FromBytes(index)},
		{Key: instancesKey, Data: inst},
	}, nil
}

func (l *manifestList) save(store cstorage.Store) error {
	data, err := l.bigData()
	if err != nil {
		return err
	}
	for _, d := range data {
		if err := store.SetImageBigData(l.id, d.Key, d.Data, manifest.Digest); err != nil {
			return fmt.Errorf("store manifest list: %w", err)
		}
	}
	return nil
}

// add reads ref (a registry reference, docker://..., or a stored image)
// and records its instance(s).
func (l *manifestList) add(ctx context.Context, store cstorage.Store, cfg *config.Config, ref string, o ManifestAddOptions) error {
	sys, err := systemContext(cfg, o.RegistryOptions, o.Platform)
	if err != nil {
		return err
	}
	src, origin, err := l.source(store, ref)
	if err != nil {
		return err
	}
	is, err := src.NewImageSource(ctx, sys)
	if err != nil {
		return fmt.Errorf("add %s: %w", ref, err)
	}
	defer is.Close()
	mb, mt, err := is.GetManifest(ctx, nil)
	if err != nil {
		return fmt.Errorf("add %s: %w", ref, err)
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return l.addInstance(ctx, sys, is, mb, mt, nil, origin, o)
	}
	list, err := manifest.ListFromBlob(mb, mt)
	if err != nil {
		return fmt.Errorf("add %s: %w", ref, err)
	}
	chosen := list.Instances()
	if !o.All {
		d, err := list.ChooseInstance(sys)
		if err != nil {
			return fmt.Errorf("add %s: %w", ref, err)
		}
		chosen = []digest.Digest{d}
	}
	for _, d := range chosen {
		ib, it, err := is.GetManifest(ctx, &d)
		if err != nil {
			return fmt.Errorf("add %s: %w", ref, err)
		}
		if err := l.addInstance(ctx, sys, is, ib, it, &d, origin, o); err != nil {
			return err
		}
	}
	return nil
}

// source is where ref's content is: a stored image when one has that
// name or ID, else the registry.
func (l *manifestList) source(store cstorage.Store, ref string) (types.ImageReference, string, error) {
	if !strings.HasPrefix(ref, "docker://") {
		if img, _, err := Find(store, ref); err == nil {
			r, err := storageRefByID(store, img.ID)
			return r, "containers-storage:" + img.ID, err
		}
	}
	r, err := docker.ParseReference("//" + strings.TrimPrefix(ref, "docker://"))
	if err != nil {
		return nil, "", fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	return r, "docker://" + reference.TrimNamed(r.DockerReference()).String(), nil
}

func (l *manifestList) addInstance(ctx context.Context, sys *types.SystemContext, is types.ImageSource, mb []byte, mt string, instance *digest.Digest, origin string, o ManifestAddOptions) error {
	d, err := manifest.Digest(mb)
	if err != nil {
		return err
	}
	cfgBlob, err := instanceConfig(ctx, is, mb, mt)
	if err != nil {
		return err
	}
	desc := imgspecv1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(mb)), Annotations: o.Annotations,
		Platform: &imgspecv1.Platform{OS: cfgBlob.OS, Architecture: cfgBlob.Architecture, Variant: cfgBlob.Variant}}
	setPlatform(&desc, o.Platform)
	l.index.Manifests = slices.DeleteFunc(l.index.Manifests, func(m imgspecv1.Descriptor) bool { return m.Digest == d })
	l.index.Manifests = append(l.index.Manifests, desc)
	if strings.HasPrefix(origin, "docker://") {
		l.instances[d] = origin + "@" + d.String()
	} else {
		l.instances[d] = origin
	}
	return nil
}

func instanceConfig(ctx context.Context, is types.ImageSource, mb []byte, mt string) (*imgspecv1.Image, error) {
	m, err := manifest.FromBlob(mb, mt)
	if err != nil {
		return nil, err
	}
	rc, _, err := is.GetBlob(ctx, types.BlobInfo{Digest: m.ConfigInfo().Digest}, none.NoCache)
	if err != nil {
		return nil, fmt.Errorf("read the image's config: %w", err)
	}
	defer rc.Close()
	var c imgspecv1.Image
	if err := json.NewDecoder(io.LimitReader(rc, 1<<22)).Decode(&c); err != nil {
		return nil, fmt.Errorf("read the image's config: %w", err)
	}
	return &c, nil
}

func setPlatform(m *imgspecv1.Descriptor, p Platform) {
	if m.Platform == nil {
		m.Platform = &imgspecv1.Platform{}
	}
	if p.OS != "" {
		m.Platform.OS = p.OS
	}
	if p.Arch != "" {
		m.Platform.Architecture = p.Arch
	}
	if p.Variant != "" {
		m.Platform.Variant = p.Variant
	}
}

// ManifestPush copies every instance to dest's repository, then writes the
// index (with the digests the registry now has) under dest's tag.
func ManifestPush(ctx context.Context, store cstorage.Store, cfg *config.Config, list, dest string, o PushOptions) (digest.Digest, error) {
	l, err := readList(store, list)
	if err != nil {
		return "", err
	}
	destRef, err := docker.ParseReference("//" + strings.TrimPrefix(dest, "docker://"))
	if err != nil {
		return "", fmt.Errorf("invalid destination %q: %w", dest, err)
	}
	sys, done, err := copyContext(cfg, o.RegistryOptions, Platform{})
	if err != nil {
		return "", err
	}
	defer done()
	pc, err := acceptAll()
	if err != nil {
		return "", err
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	if err := preflight(ctx, sys, destRef); err != nil {
		return "", err
	}
	index := l.index
	index.Manifests = slices.Clone(l.index.Manifests)
	for i, m := range index.Manifests {
		src, err := instanceSource(store, l.instances[m.Digest])
		if err != nil {
			return "", fmt.Errorf("push instance %s: %w", m.Digest, err)
		}
		mb, err := copy.Image(ctx, pc, destRef, src, &copy.Options{ReportWriter: o.Progress, SourceCtx: sys, DestinationCtx: sys, ImageListSelection: copy.CopySystemImage})
		if err != nil {
			return "", explainPush(sys, destRef, err)
		}
		index.Manifests[i].Digest, index.Manifests[i].Size = digest.FromBytes(mb), int64(len(mb))
		index.Manifests[i].MediaType = manifest.GuessMIMEType(mb)
	}
	return putIndex(ctx, sys, destRef, index)
}

func instanceSource(store cstorage.Store, origin string) (types.ImageReference, error) {
	if id, ok := strings.CutPrefix(origin, "containers-storage:"); ok {
		return storageRefByID(store, id)
	}
	if rest, ok := strings.CutPrefix(origin, "docker://"); ok {
		return docker.ParseReference("//" + rest)
	}
	return nil, errors.New("the list does not record where this instance is")
}

func putIndex(ctx context.Context, sys *types.SystemContext, dest types.ImageReference, index imgspecv1.Index) (digest.Digest, error) {
	blob, err := json.Marshal(index)
	if err != nil {
		return "", err
	}
	d, err := dest.NewImageDestination(ctx, sys)
	if err != nil {
		return "", explainPush(sys, dest, err)
	}
	defer d.Close()
	if err := d.PutManifest(ctx, blob, nil); err != nil {
		return "", explainPush(sys, dest, err)
	}
	if err := d.Commit(ctx, nil); err != nil {
		return "", explainPush(sys, dest, err)
	}
	return digest.FromBytes(blob), nil
}

// isList says whether a stored image is a manifest list (no layers, an
// index as its manifest).
func isList(store cstorage.Store, img *cstorage.Image) bool {
	if img.TopLayer != "" {
		return false
	}
	raw, err := store.ImageBigData(img.ID, cstorage.ImageDigestBigDataKey)
	return err == nil && manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw))
}

// listRefused is the one line for an image command given a manifest list.
func listRefused(img *cstorage.Image, name string) error {
	return fmt.Errorf("%s is a manifest list (%s): use `roost manifest inspect` or `roost manifest push`", name, short(img.ID))
}
