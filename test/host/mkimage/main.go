// Command mkimage builds deterministic OCI images for Roost's test fixtures
// without any container tool. It reads a JSON description, builds gzip
// layers from directories, tar files and inline entries, writes the image
// config, manifest (and an image index for multi-platform images) as blobs
// of an OCI image layout, and records each image in the layout's index.json
// under an org.opencontainers.image.ref.name annotation.
//
// Output is deterministic: entries are sorted by path, every mtime is the
// spec's "created" time, owners are 0:0 unless asked otherwise, and gzip
// headers carry no name or time, so the same input gives the same digests.
//
// Usage:
//
//	mkimage -spec spec.json [-gc]     (-spec - reads the description from stdin)
//
// Description (all paths inside the image are relative, a leading "/" is ignored):
//
//	{
//	  "layout":  "/var/cache/x/oci",           // OCI layout dir, created or extended
//	  "created": "2024-01-01T00:00:00Z",        // optional, this is the default
//	  "layers": {                               // named layers, shared by images
//	    "base": {
//	      "created_by": "debootstrap minbase",   // history entry text
//	      "sources": [                          // applied in order, later wins per path
//	        {"dir": "/some/rootfs", "include": ["usr"], "exclude": ["usr/share/doc/*"], "owner": "keep"},
//	        {"tar": "/some/rootfs.tar", "include": ["etc", "var"]}
//	      ],
//	      "entries": [                          // inline entries, applied last
//	        {"path": "/etc/x", "content": "hi\n", "mode": "0644"},
//	        {"path": "/etc/y", "source": "/host/file"},
//	        {"path": "/tmp", "type": "dir", "mode": "1777"},
//	        {"path": "/bin/sh", "type": "symlink", "target": "busybox"},
//	        {"path": "/home/u", "type": "dir", "uid": 1000, "gid": 1000}
//	      ]
//	    }
//	  },
//	  "images": [
//	    {"ref": "debian-bookworm",
//	     "manifests": [                         // one: a plain manifest; several: an image index
//	       {"platform": {"architecture": "amd64", "os": "linux"},
//	        "layers": ["base"],
//	        "author": "",
//	        "config": {"Env": ["A=b"], "Cmd": ["bash"], "WorkingDir": "/srv",
//	                   "Volumes": {"/data": {}}, "ExposedPorts": {"8080/tcp": {}},
//	                   "Entrypoint": null, "User": "app", "Labels": {"k": "v"}, "StopSignal": ""}}]}
//	  ]
//	}
//
// Include/exclude patterns use path.Match syntax and also select everything
// below a matching directory. "owner": "root" (default) stores 0:0, "keep"
// keeps the numeric owners of the source. Sockets are skipped. Hard links
// are kept inside a layer; a hard link whose other names fall in another
// layer becomes a regular file.
//
// On success mkimage prints one line per image: "<ref> <digest> <mediaType>".
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	mtManifest = "application/vnd.oci.image.manifest.v1+json"
	mtIndex    = "application/vnd.oci.image.index.v1+json"
	mtConfig   = "application/vnd.oci.image.config.v1+json"
	mtLayerGz  = "application/vnd.oci.image.layer.v1.tar+gzip"
	refAnnot   = "org.opencontainers.image.ref.name"
)

// ---- description ----

type Spec struct {
	Layout  string               `json:"layout"`
	Created string               `json:"created"`
	Layers  map[string]LayerSpec `json:"layers"`
	Images  []ImageSpec          `json:"images"`
}

type LayerSpec struct {
	CreatedBy string   `json:"created_by"`
	Comment   string   `json:"comment"`
	Sources   []Source `json:"sources"`
	Entries   []Entry  `json:"entries"`
}

type Source struct {
	Dir     string   `json:"dir"`
	Tar     string   `json:"tar"`
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
	Owner   string   `json:"owner"`
}

type Entry struct {
	Path    string  `json:"path"`
	Type    string  `json:"type"`
	Mode    string  `json:"mode"`
	UID     int     `json:"uid"`
	GID     int     `json:"gid"`
	Content *string `json:"content"`
	Source  string  `json:"source"`
	Target  string  `json:"target"`
}

type ImageSpec struct {
	Ref       string         `json:"ref"`
	Manifests []ManifestSpec `json:"manifests"`
}

type ManifestSpec struct {
	Platform Platform      `json:"platform"`
	Layers   []string      `json:"layers"`
	Author   string        `json:"author"`
	Config   ContainerConf `json:"config"`
}

// ---- OCI structures (field order fixed for stable JSON) ----

type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

type ContainerConf struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
}

type History struct {
	Created   string `json:"created"`
	CreatedBy string `json:"created_by,omitempty"`
	Comment   string `json:"comment,omitempty"`
}

type RootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type ImageConfig struct {
	Created      string        `json:"created"`
	Author       string        `json:"author,omitempty"`
	Architecture string        `json:"architecture"`
	Variant      string        `json:"variant,omitempty"`
	OS           string        `json:"os"`
	Config       ContainerConf `json:"config"`
	RootFS       RootFS        `json:"rootfs"`
	History      []History     `json:"history"`
}

type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *Platform         `json:"platform,omitempty"`
}

type Manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Manifests     []Descriptor `json:"manifests"`
}

// ---- file tree model ----

type node struct {
	name     string // clean relative path, no leading or trailing slash
	typ      byte   // tar type flag (TypeReg, TypeDir, TypeSymlink, TypeChar, ...)
	mode     int64  // permission bits plus setuid/setgid/sticky (tar encoding)
	uid, gid int
	linkname string // symlink target
	devMajor int64
	devMinor int64
	size     int64
	data     []byte // regular file content held in memory, or
	file     string // regular file content read from this host path
	linkKey  string // non-empty: regular file that is one name of a hard-link group
}

type layerResult struct {
	diffID string
	desc   Descriptor
	hist   History
}

func main() {
	specPath := flag.String("spec", "", "JSON description file (- for stdin)")
	gc := flag.Bool("gc", false, "remove blobs no longer referenced from index.json")
	flag.Parse()
	if *specPath == "" {
		fmt.Fprintln(os.Stderr, "usage: mkimage -spec FILE|- [-gc]")
		os.Exit(2)
	}
	if err := run(*specPath, *gc); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(specPath string, gc bool) error {
	var raw []byte
	var err error
	if specPath == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(specPath)
	}
	if err != nil {
		return err
	}
	var spec Spec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return fmt.Errorf("parse spec: %w", err)
	}
	if spec.Layout == "" {
		return errors.New("spec: layout is required")
	}
	if spec.Created == "" {
		spec.Created = "2024-01-01T00:00:00Z"
	}
	created, err := time.Parse(time.RFC3339, spec.Created)
	if err != nil {
		return fmt.Errorf("spec: created: %w", err)
	}
	created = created.UTC()
	spec.Created = created.Format(time.RFC3339)

	// Which layers are used; validate references first.
	used := map[string]bool{}
	for _, im := range spec.Images {
		if im.Ref == "" {
			return errors.New("spec: image without ref")
		}
		if len(im.Manifests) == 0 {
			return fmt.Errorf("spec: image %s has no manifests", im.Ref)
		}
		for _, m := range im.Manifests {
			for _, l := range m.Layers {
				if _, ok := spec.Layers[l]; !ok {
					return fmt.Errorf("spec: image %s uses unknown layer %q", im.Ref, l)
				}
				used[l] = true
			}
		}
	}

	if err := initLayout(spec.Layout); err != nil {
		return err
	}

	// Build layers concurrently, at most one per CPU.
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	results := make(map[string]*layerResult, len(names))
	tars := newTarCache()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, runtime.NumCPU())
	for _, n := range names {
		n := n
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := buildLayer(spec.Layout, n, spec.Layers[n], created, tars)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("layer %s: %w", n, err)
				}
				return
			}
			results[n] = res
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}

	// Images.
	newEntries := map[string]Descriptor{}
	var out []string
	for _, im := range spec.Images {
		var descs []Descriptor
		for _, m := range im.Manifests {
			d, err := writeManifest(spec.Layout, spec.Created, m, results, spec.Layers)
			if err != nil {
				return fmt.Errorf("image %s: %w", im.Ref, err)
			}
			descs = append(descs, d)
		}
		var top Descriptor
		if len(descs) == 1 {
			top = descs[0]
		} else {
			idx := Index{SchemaVersion: 2, MediaType: mtIndex, Manifests: descs}
			b, err := json.Marshal(idx)
			if err != nil {
				return err
			}
			top, err = writeBlobBytes(spec.Layout, mtIndex, b)
			if err != nil {
				return err
			}
		}
		top.Annotations = map[string]string{refAnnot: im.Ref}
		newEntries[im.Ref] = top
		out = append(out, fmt.Sprintf("%s %s %s", im.Ref, top.Digest, top.MediaType))
	}

	if err := updateIndex(spec.Layout, newEntries); err != nil {
		return err
	}
	if gc {
		if err := collectGarbage(spec.Layout); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
	}
	for _, l := range out {
		fmt.Println(l)
	}
	return nil
}

// ---- layout helpers ----

func initLayout(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`))
}

func writeFileAtomic(p string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), p)
}

func blobPath(layout, digest string) string {
	return filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

func writeBlobBytes(layout, mediaType string, b []byte) (Descriptor, error) {
	sum := sha256.Sum256(b)
	d := Descriptor{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(b))}
	p := blobPath(layout, d.Digest)
	if st, err := os.Stat(p); err == nil && st.Size() == d.Size {
		return d, nil
	}
	return d, writeFileAtomic(p, b)
}

func updateIndex(layout string, entries map[string]Descriptor) error {
	p := filepath.Join(layout, "index.json")
	idx := Index{SchemaVersion: 2, MediaType: mtIndex}
	if b, err := os.ReadFile(p); err == nil {
		if err := json.Unmarshal(b, &idx); err != nil {
			return fmt.Errorf("existing %s: %w", p, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	idx.SchemaVersion = 2
	idx.MediaType = mtIndex
	kept := idx.Manifests[:0]
	for _, d := range idx.Manifests {
		if _, replaced := entries[d.Annotations[refAnnot]]; !replaced {
			kept = append(kept, d)
		}
	}
	for _, d := range entries {
		kept = append(kept, d)
	}
	sort.SliceStable(kept, func(i, j int) bool {
		return kept[i].Annotations[refAnnot] < kept[j].Annotations[refAnnot]
	})
	idx.Manifests = kept
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(p, append(b, '\n'))
}

// collectGarbage deletes blobs that index.json no longer reaches.
func collectGarbage(layout string) error {
	b, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil {
		return err
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return err
	}
	live := map[string]bool{}
	var visit func(d Descriptor) error
	visit = func(d Descriptor) error {
		if live[d.Digest] {
			return nil
		}
		live[d.Digest] = true
		switch d.MediaType {
		case mtIndex:
			var sub Index
			if err := readJSONBlob(layout, d.Digest, &sub); err != nil {
				return err
			}
			for _, m := range sub.Manifests {
				if err := visit(m); err != nil {
					return err
				}
			}
		case mtManifest:
			var m Manifest
			if err := readJSONBlob(layout, d.Digest, &m); err != nil {
				return err
			}
			live[m.Config.Digest] = true
			for _, l := range m.Layers {
				live[l.Digest] = true
			}
		}
		return nil
	}
	for _, d := range idx.Manifests {
		if err := visit(d); err != nil {
			return err
		}
	}
	dir := filepath.Join(layout, "blobs", "sha256")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !live["sha256:"+e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func readJSONBlob(layout, digest string, v any) error {
	b, err := os.ReadFile(blobPath(layout, digest))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ---- manifests ----

func writeManifest(layout, created string, m ManifestSpec, results map[string]*layerResult, specs map[string]LayerSpec) (Descriptor, error) {
	plat := m.Platform
	if plat.OS == "" {
		plat.OS = "linux"
	}
	if plat.Architecture == "" {
		plat.Architecture = "amd64"
	}
	cfg := ImageConfig{
		Created:      created,
		Author:       m.Author,
		Architecture: plat.Architecture,
		Variant:      plat.Variant,
		OS:           plat.OS,
		Config:       m.Config,
		RootFS:       RootFS{Type: "layers", DiffIDs: []string{}},
		History:      []History{},
	}
	man := Manifest{SchemaVersion: 2, MediaType: mtManifest, Layers: []Descriptor{}}
	for _, l := range m.Layers {
		r := results[l]
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, r.diffID)
		cfg.History = append(cfg.History, r.hist)
		man.Layers = append(man.Layers, r.desc)
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return Descriptor{}, err
	}
	man.Config, err = writeBlobBytes(layout, mtConfig, cb)
	if err != nil {
		return Descriptor{}, err
	}
	mb, err := json.Marshal(man)
	if err != nil {
		return Descriptor{}, err
	}
	d, err := writeBlobBytes(layout, mtManifest, mb)
	if err != nil {
		return Descriptor{}, err
	}
	d.Platform = &plat
	return d, nil
}

// ---- layers ----

func buildLayer(layout, name string, ls LayerSpec, mtime time.Time, tars *tarCache) (*layerResult, error) {
	tree := map[string]*node{}
	for i, src := range ls.Sources {
		var err error
		switch {
		case src.Dir != "" && src.Tar != "":
			err = errors.New("a source has both dir and tar")
		case src.Dir != "":
			err = addDir(tree, src, i)
		case src.Tar != "":
			err = addTar(tree, src, tars)
		default:
			err = errors.New("a source needs dir or tar")
		}
		if err != nil {
			return nil, err
		}
	}
	for _, e := range ls.Entries {
		if err := addEntry(tree, e); err != nil {
			return nil, fmt.Errorf("entry %s: %w", e.Path, err)
		}
	}

	tmp, err := os.CreateTemp(filepath.Join(layout, "blobs", "sha256"), ".tmp-layer-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())

	blobHash := sha256.New()
	counter := &countWriter{}
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, blobHash, counter), 1<<20)
	gz, err := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	if err != nil {
		tmp.Close()
		return nil, err
	}
	diffHash := sha256.New()
	if err := writeTar(io.MultiWriter(gz, diffHash), tree, mtime); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := gz.Close(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	digest := "sha256:" + hex.EncodeToString(blobHash.Sum(nil))
	if err := os.Rename(tmp.Name(), blobPath(layout, digest)); err != nil {
		return nil, err
	}
	createdBy := ls.CreatedBy
	if createdBy == "" {
		createdBy = "mkimage layer " + name
	}
	return &layerResult{
		diffID: "sha256:" + hex.EncodeToString(diffHash.Sum(nil)),
		desc:   Descriptor{MediaType: mtLayerGz, Digest: digest, Size: counter.n},
		hist:   History{Created: mtime.Format(time.RFC3339), CreatedBy: createdBy, Comment: ls.Comment},
	}, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func writeTar(w io.Writer, tree map[string]*node, mtime time.Time) error {
	names := make([]string, 0, len(tree))
	for n := range tree {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tar.NewWriter(w)
	firstName := map[string]string{} // hard-link group -> name written as the regular file
	for _, n := range names {
		nd := tree[n]
		hdr := &tar.Header{
			Name:     nd.name,
			Mode:     nd.mode,
			Uid:      nd.uid,
			Gid:      nd.gid,
			ModTime:  mtime,
			Typeflag: nd.typ,
			Format:   tar.FormatPAX,
		}
		switch nd.typ {
		case tar.TypeDir:
			hdr.Name += "/"
		case tar.TypeSymlink:
			hdr.Linkname = nd.linkname
		case tar.TypeChar, tar.TypeBlock:
			hdr.Devmajor, hdr.Devminor = nd.devMajor, nd.devMinor
		case tar.TypeReg:
			if nd.linkKey != "" {
				if first, ok := firstName[nd.linkKey]; ok {
					hdr.Typeflag = tar.TypeLink
					hdr.Linkname = first
					if err := tw.WriteHeader(hdr); err != nil {
						return err
					}
					continue
				}
				firstName[nd.linkKey] = nd.name
			}
			hdr.Size = nd.size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", nd.name, err)
		}
		if nd.typ == tar.TypeReg {
			if err := writeContent(tw, nd); err != nil {
				return fmt.Errorf("%s: %w", nd.name, err)
			}
		}
	}
	return tw.Close()
}

func writeContent(w io.Writer, nd *node) error {
	if nd.file == "" {
		if int64(len(nd.data)) != nd.size {
			return errors.New("size mismatch")
		}
		_, err := w.Write(nd.data)
		return err
	}
	f, err := os.Open(nd.file)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(w, io.LimitReader(f, nd.size))
	if err != nil {
		return err
	}
	if n != nd.size {
		return fmt.Errorf("file shrank while reading (%d of %d bytes)", n, nd.size)
	}
	return nil
}

// cleanName turns an image path into the tar form: relative, clean, no "./".
func cleanName(p string) string {
	p = path.Clean("/" + strings.TrimPrefix(p, "./"))
	return strings.TrimPrefix(p, "/")
}

// matches reports whether name or one of its parent directories matches a pattern.
func matches(patterns []string, name string) bool {
	for _, pat := range patterns {
		pat = cleanName(pat)
		for p := name; p != "" && p != "."; p = path.Dir(p) {
			if ok, _ := path.Match(pat, p); ok {
				return true
			}
			if path.Dir(p) == p {
				break
			}
		}
	}
	return false
}

func selected(src Source, name string) bool {
	if len(src.Include) > 0 && !matches(src.Include, name) {
		return false
	}
	return !matches(src.Exclude, name)
}

func owners(src Source, uid, gid int) (int, int, error) {
	switch src.Owner {
	case "", "root":
		return 0, 0, nil
	case "keep":
		return uid, gid, nil
	}
	return 0, 0, fmt.Errorf("owner must be root or keep, not %q", src.Owner)
}

// tarMode converts a Go file mode to the tar mode field.
func tarMode(m fs.FileMode) int64 {
	v := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return v
}

func addDir(tree map[string]*node, src Source, idx int) error {
	root := filepath.Clean(src.Dir)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := cleanName(filepath.ToSlash(rel))
		if !selected(src, name) {
			// An excluded directory may still hold included entries only if an
			// include pattern reaches below it; keep walking in that case.
			if d.IsDir() && matches(src.Exclude, name) {
				return fs.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%s: no stat data", p)
		}
		uid, gid, err := owners(src, int(st.Uid), int(st.Gid))
		if err != nil {
			return err
		}
		nd := &node{name: name, mode: tarMode(fi.Mode()), uid: uid, gid: gid}
		m := fi.Mode()
		switch {
		case m.IsDir():
			nd.typ = tar.TypeDir
		case m.IsRegular():
			nd.typ = tar.TypeReg
			nd.file = p
			nd.size = fi.Size()
			if st.Nlink > 1 {
				nd.linkKey = fmt.Sprintf("dir%d:%d:%d", idx, st.Dev, st.Ino)
			}
		case m&fs.ModeSymlink != 0:
			nd.typ = tar.TypeSymlink
			if nd.linkname, err = os.Readlink(p); err != nil {
				return err
			}
		case m&fs.ModeNamedPipe != 0:
			nd.typ = tar.TypeFifo
		case m&fs.ModeDevice != 0:
			nd.typ = tar.TypeBlock
			if m&fs.ModeCharDevice != 0 {
				nd.typ = tar.TypeChar
			}
			nd.devMajor = int64(major(uint64(st.Rdev)))
			nd.devMinor = int64(minor(uint64(st.Rdev)))
		default:
			return nil // sockets and other oddities are not image content
		}
		tree[name] = nd
		return nil
	})
}

func major(dev uint64) uint64 { return ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000) }
func minor(dev uint64) uint64 { return (dev & 0xff) | ((dev >> 12) & 0xffffff00) }

// ---- tar sources (parsed once, shared between layers) ----

type tarFile struct {
	entries []*node           // in archive order
	content map[string][]byte // regular file name -> data (for hard-link resolution)
}

type tarCache struct {
	mu    sync.Mutex
	files map[string]*tarLoad
}

type tarLoad struct {
	once sync.Once
	tf   *tarFile
	err  error
}

func newTarCache() *tarCache { return &tarCache{files: map[string]*tarLoad{}} }

func (c *tarCache) get(p string) (*tarFile, error) {
	c.mu.Lock()
	l, ok := c.files[p]
	if !ok {
		l = &tarLoad{}
		c.files[p] = l
	}
	c.mu.Unlock()
	l.once.Do(func() { l.tf, l.err = loadTar(p) })
	return l.tf, l.err
}

func loadTar(p string) (*tarFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	tf := &tarFile{content: map[string][]byte{}}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		name := cleanName(h.Name)
		if name == "" || name == "." {
			continue
		}
		nd := &node{name: name, mode: h.Mode & 0o7777, uid: h.Uid, gid: h.Gid}
		switch h.Typeflag {
		case tar.TypeDir:
			nd.typ = tar.TypeDir
		case tar.TypeReg:
			nd.typ = tar.TypeReg
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", p, name, err)
			}
			nd.data, nd.size = data, int64(len(data))
			tf.content[name] = data
		case tar.TypeLink:
			target := cleanName(h.Linkname)
			data, ok := tf.content[target]
			if !ok {
				return nil, fmt.Errorf("%s: hard link %s to unknown %s", p, name, h.Linkname)
			}
			nd.typ = tar.TypeReg
			nd.data, nd.size = data, int64(len(data))
			nd.linkKey = "tar:" + p + ":" + target
			// Mark the target as a member of the same group.
			for _, e := range tf.entries {
				if e.name == target && e.typ == tar.TypeReg {
					e.linkKey = nd.linkKey
				}
			}
			tf.content[name] = data
		case tar.TypeSymlink:
			nd.typ = tar.TypeSymlink
			nd.linkname = h.Linkname
		case tar.TypeChar, tar.TypeBlock:
			nd.typ = h.Typeflag
			nd.devMajor, nd.devMinor = h.Devmajor, h.Devminor
		case tar.TypeFifo:
			nd.typ = tar.TypeFifo
		default:
			continue // pax globals, GNU long names are handled by archive/tar
		}
		tf.entries = append(tf.entries, nd)
	}
	// The back-patching above only ran for targets seen before links; link
	// groups are complete because a tar link always follows its target.
	return tf, nil
}

func addTar(tree map[string]*node, src Source, tars *tarCache) error {
	tf, err := tars.get(src.Tar)
	if err != nil {
		return err
	}
	for _, e := range tf.entries {
		if !selected(src, e.name) {
			continue
		}
		uid, gid, err := owners(src, e.uid, e.gid)
		if err != nil {
			return err
		}
		cp := *e
		cp.uid, cp.gid = uid, gid
		tree[e.name] = &cp
	}
	return nil
}

// ---- inline entries ----

func addEntry(tree map[string]*node, e Entry) error {
	name := cleanName(e.Path)
	if name == "" {
		return errors.New("empty path")
	}
	nd := &node{name: name, uid: e.UID, gid: e.GID}
	defMode := int64(0o644)
	switch e.Type {
	case "", "file":
		nd.typ = tar.TypeReg
		switch {
		case e.Content != nil && e.Source != "":
			return errors.New("content and source are exclusive")
		case e.Content != nil:
			nd.data = []byte(*e.Content)
			nd.size = int64(len(nd.data))
		case e.Source != "":
			fi, err := os.Stat(e.Source)
			if err != nil {
				return err
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("%s is not a regular file", e.Source)
			}
			nd.file = e.Source
			nd.size = fi.Size()
			defMode = tarMode(fi.Mode())
		default:
			nd.data = []byte{}
		}
	case "dir":
		nd.typ = tar.TypeDir
		defMode = 0o755
	case "symlink":
		nd.typ = tar.TypeSymlink
		defMode = 0o777
		if e.Target == "" {
			return errors.New("symlink needs target")
		}
		nd.linkname = e.Target
	case "hardlink":
		target := cleanName(e.Target)
		t, ok := tree[target]
		if !ok || t.typ != tar.TypeReg {
			return fmt.Errorf("hardlink target %s is not a regular file in this layer", e.Target)
		}
		if t.linkKey == "" {
			t.linkKey = "entry:" + target
		}
		cp := *t
		cp.name = name
		tree[name] = &cp
		return nil
	default:
		return fmt.Errorf("unknown type %q", e.Type)
	}
	nd.mode = defMode
	if e.Mode != "" {
		m, err := strconv.ParseInt(e.Mode, 8, 64)
		if err != nil || m < 0 || m > 0o7777 {
			return fmt.Errorf("bad mode %q", e.Mode)
		}
		nd.mode = m
	}
	tree[name] = nd
	return nil
}
