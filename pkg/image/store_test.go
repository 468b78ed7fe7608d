package image

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
	"go.podman.io/storage/types"

	"github.com/roost-containers/roost/pkg/events"
)

func TestMain(m *testing.M) {
	// containers/storage re-executes the binary to unpack a layer in a
	// chroot (the pull tests store layers): that child must do only that.
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// testStore is a real containers/storage store on vfs in a temporary
// directory: removal, pruning and lookups run against storage's own locking
// and bookkeeping, without a registry.
func testStore(t *testing.T) cstorage.Store {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("a vfs store outside a user namespace needs root (make unit runs as root)")
	}
	dir := t.TempDir()
	s, err := cstorage.GetStore(types.StoreOptions{
		RunRoot:         dir + "/run",
		GraphRoot:       dir + "/graph",
		GraphDriverName: "vfs",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(true) })
	return s
}

// addImage makes an image with one empty layer, on top of parent's layer if
// given, so images can share layers as pulled ones do.
func addImage(t *testing.T, s cstorage.Store, parent *cstorage.Image, names ...string) *cstorage.Image {
	t.Helper()
	below := ""
	if parent != nil {
		below = parent.TopLayer
	}
	layer, err := s.CreateLayer("", below, nil, "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	img, err := s.CreateImage("", names, layer.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestRemoveUntagsThenDeletes(t *testing.T) {
	s := testStore(t)
	img := addImage(t, s, nil, "127.0.0.1:5000/busybox:latest", "localhost/mine:latest")
	ctx := context.Background()

	done, err := Remove(ctx, s, []string{"mine"}, RemoveOptions{})
	if err != nil || len(done) != 1 || done[0].Deleted != "" || !slices.Equal(done[0].Untagged, []string{"localhost/mine:latest"}) {
		t.Fatalf("rmi of one of two names: %+v %v", done, err)
	}
	done, err = Remove(ctx, s, []string{"busybox"}, RemoveOptions{})
	if err != nil || len(done) != 1 || done[0].Deleted != img.ID {
		t.Fatalf("rmi of the last name: %+v %v", done, err)
	}
	if Exists(s, img.ID) {
		t.Fatal("image still exists")
	}
	_, err = Remove(ctx, s, []string{"busybox", "nope"}, RemoveOptions{})
	if !errors.Is(err, cstorage.ErrImageUnknown) {
		t.Errorf("unknown images: %v", err)
	}
	if _, err := Remove(ctx, s, []string{"nope"}, RemoveOptions{Ignore: true}); err != nil {
		t.Errorf("--ignore: %v", err)
	}
}

func TestRemoveRefusesImageInUse(t *testing.T) {
	s := testStore(t)
	img := addImage(t, s, nil, "localhost/used:latest")
	ctr, err := s.CreateContainer("", nil, img.ID, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = Remove(ctx, s, []string{"used"}, RemoveOptions{})
	if !errors.Is(err, ErrInUse) || err.Error() != "image used by "+ctr.ID+": image is in use by a container: consider listing external containers and force-removing image" {
		t.Fatalf("rmi of an image in use: %v", err)
	}
	if pruned, err := Prune(ctx, s, PruneOptions{All: true}); err != nil || len(pruned) != 0 {
		t.Fatalf("prune -a removed an image in use: %v %v", pruned, err)
	}
	var removed []string
	done, err := Remove(ctx, s, []string{"used"}, RemoveOptions{Force: true, RemoveContainer: func(id string) error {
		removed = append(removed, id)
		return s.DeleteContainer(id)
	}})
	if err != nil || len(done) != 1 || done[0].Deleted != img.ID || !slices.Equal(removed, []string{ctr.ID}) {
		t.Fatalf("rmi -f: %+v %v (containers removed: %v)", done, err, removed)
	}
}

func TestPruneDanglingAndParents(t *testing.T) {
	s := testStore(t)
	base := addImage(t, s, nil)                           // unnamed, but a parent: intermediate
	child := addImage(t, s, base)                         // unnamed and childless: dangling
	named := addImage(t, s, nil, "localhost/keep:latest") // named: stays without -a
	ctx := context.Background()

	list, err := List(ctx, s, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sum := range list {
		ids = append(ids, sum.ID)
	}
	if slices.Contains(ids, base.ID) || !slices.Contains(ids, child.ID) || !slices.Contains(ids, named.ID) {
		t.Errorf("images without -a should hide only the intermediate image: %v", ids)
	}
	if all, _ := List(ctx, s, ListOptions{All: true}); len(all) != 3 {
		t.Errorf("images -a lists %d images, want 3", len(all))
	}

	pruned, err := Prune(ctx, s, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The child goes first, which leaves its parent dangling: both go.
	if !slices.Equal(pruned, []string{child.ID, base.ID}) {
		t.Errorf("pruned %v, want child %s then parent %s", pruned, child.ID, base.ID)
	}
	if !Exists(s, "keep") {
		t.Error("prune removed a named image")
	}
	if pruned, _ := Prune(ctx, s, PruneOptions{All: true}); !slices.Equal(pruned, []string{named.ID}) {
		t.Errorf("prune -a: %v", pruned)
	}
}

func TestTagAndUntag(t *testing.T) {
	s := testStore(t)
	a := addImage(t, s, nil, "127.0.0.1:5000/busybox:latest")
	b := addImage(t, s, nil, "localhost/other:latest")
	if err := Tag(s, "busybox", []string{"other", "x/y:2"}, events.Options{Backend: events.BackendNone}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Image(a.ID)
	for _, n := range []string{"localhost/other:latest", "localhost/x/y:2", "127.0.0.1:5000/busybox:latest"} {
		if !slices.Contains(got.Names, n) {
			t.Errorf("names after tag: %v lacks %s", got.Names, n)
		}
	}
	if gotB, _ := s.Image(b.ID); len(gotB.Names) != 0 {
		t.Errorf("the name moved, so the other image should have none: %v", gotB.Names)
	}
	if _, err := Untag(s, a.ID, []string{"nothere"}, events.Options{Backend: events.BackendNone}); err == nil {
		t.Error("untag of a name the image lacks: want an error")
	}
	removed, err := Untag(s, a.ID, nil, events.Options{Backend: events.BackendNone})
	if err != nil || len(removed) != 3 {
		t.Fatalf("untag all: %v %v", removed, err)
	}
	if got, _ := s.Image(a.ID); len(got.Names) != 0 {
		t.Errorf("names after untag all: %v", got.Names)
	}
}
