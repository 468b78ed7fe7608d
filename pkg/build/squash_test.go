package build

import (
	"fmt"
	"slices"
	"testing"
)

// TestPathIndexFollowsOverlayRules: a directory seen again merges with
// what is under it; a file replacing a directory, an opaque directory and
// a whiteout drop what is under them.
func TestPathIndexFollowsOverlayRules(t *testing.T) {
	x := newPathIndex()
	keep := map[[2]int]bool{}
	n := 0
	add := func(name string, dir bool) {
		pos := [2]int{0, n}
		n++
		if dir {
			x.forget(name, keep)
		} else {
			x.drop(name, true, keep)
		}
		x.set(name, pos)
		keep[pos] = true
	}
	kept := func() []string {
		var out []string
		for name, pos := range x.pos {
			if keep[pos] {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	add("etc", true)
	add("etc/foo", false)
	add("etc", true) // a later layer's entry for the same directory
	add("etc/bar", false)
	add("a/deep/file", false) // no entries for its parents
	if got, want := kept(), []string{"a/deep/file", "etc", "etc/bar", "etc/foo"}; !slices.Equal(got, want) {
		t.Fatalf("after merging directories: %v, want %v", got, want)
	}
	add("a", false) // a file replaces the directory a
	if got, want := kept(), []string{"a", "etc", "etc/bar", "etc/foo"}; !slices.Equal(got, want) {
		t.Fatalf("after a file replaced a directory: %v, want %v", got, want)
	}
	x.drop("etc", false, keep) // etc made opaque
	if got, want := kept(), []string{"a", "etc"}; !slices.Equal(got, want) {
		t.Fatalf("after an opaque etc: %v, want %v", got, want)
	}
	x.drop("", false, keep) // the root made opaque
	if got := kept(); len(got) != 0 {
		t.Fatalf("after an opaque root: %v", got)
	}
}

// TestPathIndexScales: many files in one directory, each replaced once,
// and the directory dropped: linear work (this would take minutes if each
// step scanned everything seen so far).
func TestPathIndexScales(t *testing.T) {
	x := newPathIndex()
	keep := map[[2]int]bool{}
	const files = 200000
	for layer := 0; layer < 2; layer++ {
		for i := 0; i < files; i++ {
			name := fmt.Sprintf("usr/share/f%d", i)
			x.drop(name, true, keep)
			pos := [2]int{layer, i}
			x.set(name, pos)
			keep[pos] = true
		}
	}
	if len(keep) != files {
		t.Fatalf("kept %d entries, want %d", len(keep), files)
	}
	x.drop("usr", true, keep)
	if len(keep) != 0 || len(x.pos) != 0 {
		t.Fatalf("after dropping usr: %d kept, %d known", len(keep), len(x.pos))
	}
}
