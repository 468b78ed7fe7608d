package e2e

import (
	"strings"
	"testing"
)

// TestPullTagAndDigestThenRmiUntags: NAME:TAG@DIGEST pulls by the digest
// (the tag is dropped, as Podman does); the image gets NAME@DIGEST as a name,
// `images` still shows one row, and rmi of NAME@DIGEST only takes that name.
func TestPullTagAndDigestThenRmiUntags(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	dig := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.Digest}}", busyboxRef))
	if !strings.HasPrefix(dig, "sha256:") {
		t.Fatalf("inspect {{.Digest}}: %q", dig)
	}
	if got := imgPull(t, e, busyboxRef+"@"+dig); got != id {
		t.Fatalf("pull tag@digest gave %s, want %s", got, id)
	}
	byDigest := registry + "/busybox@" + dig
	if got := imgPull(t, e, byDigest); got != id {
		t.Fatalf("pull @digest gave %s, want %s", got, id)
	}
	if rows := imgRows(t, e, "-a"); len(rows) != 1 {
		t.Errorf("images -a after pulls by digest: %v, want one row", rows)
	}
	// untag takes the digest name too, given with or without the tag.
	e.roostOK("untag", busyboxRef, busyboxRef+"@"+dig)
	if got := e.roostOK("image", "inspect", "--format", "{{.RepoTags}}", id); strings.Contains(got, "@") {
		t.Errorf("names after untag of the digest name: %s", got)
	}
	imgPull(t, e, byDigest)
	r := e.roost("rmi", byDigest)
	if r.Code != 0 || r.Stdout != "Untagged: "+byDigest+"\n" {
		t.Fatalf("rmi %s: %s; want it only untagged", byDigest, r)
	}
	if e.roost("image", "exists", busyboxRef).Code != 0 {
		t.Error("the image went with its digest name")
	}
}

// TestRmiForceAndUntagErrorsAsPodman: rmi -f of a missing image is silent
// success; without -f it is exit 1; untag of a name the image lacks names
// the tag only.
func TestRmiForceAndUntagErrorsAsPodman(t *testing.T) {
	e := newEnv(t)
	if line := e.roostFails(1, "image", "rm", "bogus"); line != "Error: bogus: image not known" {
		t.Errorf("image rm bogus: %q", line)
	}
	if r := e.roost("image", "rm", "--force", "bogus"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("image rm --force bogus: %s; want exit 0 and no output", r)
	}
	bb := imgPull(t, e, busyboxRef)
	deb := imgPull(t, e, debianRef)
	// Several images: every Untagged line first, then every Deleted line.
	want := "Untagged: " + busyboxRef + "\nUntagged: " + debianRef + "\nDeleted: " + bb + "\nDeleted: " + deb + "\n"
	if r := e.roost("rmi", busyboxRef, debianRef); r.Code != 0 || r.Stdout != want {
		t.Errorf("rmi of two images: %s\nwant stdout %q", r, want)
	}
	imgPull(t, e, busyboxRef)
	if line := e.roostFails(125, "untag", busyboxRef, "registry.com/foo:bar"); line != "Error: registry.com/foo:bar: tag not known" {
		t.Errorf("untag unknown tag: %q", line)
	}
}

// TestImagesTableSpacesAreColumns: in a `table` format spaces separate
// aligned columns (two spaces of padding), as with \t.
func TestImagesTableSpacesAreColumns(t *testing.T) {
	e := newEnv(t)
	id := imgPull(t, e, busyboxRef)
	e.roostOK("tag", busyboxRef, "a.b/c:d")
	out := e.roostOK("images", "--sort", "repository", "--format", "table {{.Repository}} {{.Tag}} {{.ID}}")
	if !strings.Contains(out, "a.b/c") {
		t.Fatalf("images table: %q", out)
	}
	got := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(got) != 3 || !strings.HasSuffix(got[1], id[:12]) {
		t.Fatalf("images table: %q", out)
	}
	// Every row's tag column starts where the header's does.
	col := strings.Index(got[0], "TAG")
	for _, l := range got[1:] {
		if len(l) < col || l[col-2:col] != "  " || l[col] == ' ' {
			t.Errorf("row %q not aligned under TAG at column %d:\n%s", l, col, out)
		}
	}
}
