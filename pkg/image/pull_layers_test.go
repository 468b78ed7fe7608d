package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// gzipLayer returns a gzip-compressed tar of one file, and its tar.
func gzipLayer(t *testing.T, content string) (blob, diff []byte) {
	t.Helper()
	var tb, gb bytes.Buffer
	tw := tar.NewWriter(&tb)
	if err := tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(content)) //nolint:errcheck // a bytes.Buffer
	tw.Close()
	gw := gzip.NewWriter(&gb)
	gw.Write(tb.Bytes()) //nolint:errcheck // a bytes.Buffer
	gw.Close()
	return gb.Bytes(), tb.Bytes()
}

func planned(blob, diff []byte, parent string) plannedLayer {
	diffID := digest.FromBytes(diff)
	return plannedLayer{
		blob:   types.BlobInfo{Digest: digest.FromBytes(blob), Size: int64(len(blob)), MediaType: imgspecv1.MediaTypeImageLayerGzip},
		diffID: diffID,
		id:     chainID(parent, diffID),
	}
}

func TestPutLayerStoresWhatCopyImageReuses(t *testing.T) {
	s := testStore(t)
	blob, diff := gzipLayer(t, "hello\n")
	base := planned(blob, diff, "")
	if err := putLayer(s, bytes.NewReader(blob), base, ""); err != nil {
		t.Fatal(err)
	}
	// copy.Image finds a layer by the manifest's digest, then by its ID.
	found, err := s.LayersByCompressedDigest(base.blob.Digest)
	if err != nil || len(found) != 1 || found[0].ID != base.diffID.Encoded() || found[0].UncompressedDigest != base.diffID {
		t.Fatalf("by compressed digest: %+v %v", found, err)
	}
	blob2, diff2 := gzipLayer(t, "world\n")
	upper := planned(blob2, diff2, base.id)
	if err := putLayer(s, bytes.NewReader(blob2), upper, base.id); err != nil {
		t.Fatal(err)
	}
	want := digest.Canonical.FromString(base.id + "+" + upper.diffID.Encoded()).Encoded()
	if l, err := s.Layer(want); err != nil || l.Parent != base.id {
		t.Fatalf("upper layer %s: %+v %v", want, l, err)
	}
}

func TestPutLayerRefusesAndDeletesATamperedBlob(t *testing.T) {
	blob, diff := gzipLayer(t, "hello\n")
	other, _ := gzipLayer(t, "evil\n")
	for name, l := range map[string]plannedLayer{
		"blob not the manifest's":  planned(blob, diff, ""),  // the registry sends other
		"content not the config's": planned(other, diff, ""), // other's content is not diff
	} {
		t.Run(name, func(t *testing.T) {
			s := testStore(t)
			err := putLayer(s, bytes.NewReader(other), l, "")
			if err == nil || !strings.Contains(err.Error(), l.blob.Digest.String()) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want a one-line error naming blob %s, got %v", l.blob.Digest, err)
			}
			if _, err := s.Layer(l.id); !errors.Is(err, cstorage.ErrLayerUnknown) {
				t.Errorf("the refused layer stays: %v", err)
			}
		})
	}
}

func TestCheckLayer(t *testing.T) {
	blob, diff := gzipLayer(t, "hello\n")
	l := planned(blob, diff, "")
	good := &cstorage.Layer{CompressedDigest: l.blob.Digest, UncompressedDigest: l.diffID}
	if err := checkLayer(l, l.blob.Digest, l.blob.Size, good); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		read  digest.Digest
		size  int64
		layer *cstorage.Layer
	}{
		"short read":          {l.blob.Digest, l.blob.Size - 1, good},
		"other bytes":         {digest.FromString("x"), l.blob.Size, good},
		"storage read less":   {l.blob.Digest, l.blob.Size, &cstorage.Layer{CompressedDigest: digest.FromString("x"), UncompressedDigest: l.diffID}},
		"content not diff_id": {l.blob.Digest, l.blob.Size, &cstorage.Layer{CompressedDigest: l.blob.Digest, UncompressedDigest: digest.FromString("x")}},
	} {
		if err := checkLayer(l, tc.read, tc.size, tc.layer); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPlainLayer(t *testing.T) {
	d := digest.FromString("x")
	ok := types.BlobInfo{Digest: d, Size: 1, MediaType: imgspecv1.MediaTypeImageLayerGzip}
	if !plainLayer(ok) {
		t.Fatal("a gzip layer is plain")
	}
	for name, b := range map[string]types.BlobInfo{
		"encrypted": {Digest: d, Size: 1, MediaType: imgspecv1.MediaTypeImageLayerGzip + "+encrypted"},
		"foreign":   {Digest: d, Size: 1, MediaType: imgspecv1.MediaTypeImageLayerGzip, URLs: []string{"https://example.com/l"}},
		"chunked":   {Digest: d, Size: 1, MediaType: imgspecv1.MediaTypeImageLayerZstd, Annotations: map[string]string{"io.github.containers.zstd-chunked.manifest-checksum": d.String()}},
		"no size":   {Digest: d, Size: -1, MediaType: imgspecv1.MediaTypeImageLayerGzip},
		"sha512":    {Digest: digest.SHA512.FromString("x"), Size: 1, MediaType: imgspecv1.MediaTypeImageLayerGzip},
	} {
		if plainLayer(b) {
			t.Errorf("%s: plain", name)
		}
	}
}

func TestBlobLinesLeftOut(t *testing.T) {
	var out bytes.Buffer
	f := &blobLinesLeftOut{w: &out}
	for _, w := range []string{"Getting image source signatures\nCopying bl", "ob sha256:aa\nCopying config sha256:bb\n", "Writing manifest to image destination\n"} {
		if n, err := f.Write([]byte(w)); n != len(w) || err != nil {
			t.Fatal(n, err)
		}
	}
	f.flush()
	if want := "Getting image source signatures\nCopying config sha256:bb\nWriting manifest to image destination\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

// TestBlobLinesLeftOutFromLayerGoroutines: copy.Image prints from each
// layer's goroutine at once; every whole line still comes out whole (run
// with -race).
func TestBlobLinesLeftOutFromLayerGoroutines(t *testing.T) {
	var out bytes.Buffer
	f := &blobLinesLeftOut{w: &out}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Fprintf(f, "Copying blob sha256:%d\n", i)
			fmt.Fprintf(f, "layer %d done\n", i)
		}()
	}
	wg.Wait()
	f.flush()
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	sort.Strings(got)
	if want := []string{"layer 0 done", "layer 1 done", "layer 2 done", "layer 3 done"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLayerProgressEvents(t *testing.T) {
	ch := make(chan types.ProgressProperties, 10)
	var out bytes.Buffer
	lp := newLayerProgress(&out, ch)
	blob := types.BlobInfo{Digest: digest.FromString("blob"), Size: 4}
	bp := lp.start(blob)
	if n, err := bytes.NewBuffer(nil).ReadFrom(bp.reader(strings.NewReader("blob"))); n != 4 || err != nil {
		t.Fatal(n, err)
	}
	bp.done()
	lp.reused(blob)
	lp.wait()
	close(ch)
	var got []types.ProgressEvent
	var last types.ProgressProperties
	for e := range ch {
		got = append(got, e.Event)
		if e.Event == types.ProgressEventDone {
			last = e
		}
	}
	if len(got) < 3 || got[0] != types.ProgressEventNewArtifact || got[len(got)-1] != types.ProgressEventSkipped || last.Offset != 4 {
		t.Errorf("events %v, done at %d", got, last.Offset)
	}
	if want := "Copying blob " + blob.Digest.String() + "\n"; out.String() != want+want {
		t.Errorf("lines %q", out.String())
	}
}
