package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildAddMixesURLsArchivesAndFiles: one ADD of a context file, a
// local tar (unpacked) and a URL (fetched from a server on the host's
// loopback) into one directory; ADD --checksum of a URL; and the refusals:
// a wrong checksum, a URL that answers 404, several sources into a file.
// Each failure names the line and leaves no image.
func TestBuildAddMixesURLsArchivesAndFiles(t *testing.T) {
	e := pulled(t)
	remote := "fetched over http\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/remote.txt" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, remote)
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte(remote))
	good := "sha256:" + hex.EncodeToString(sum[:])

	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	_ = tw.WriteHeader(&tar.Header{Name: "pkg/in-tar.txt", Mode: 0o640, Size: 3, Uid: 7, Gid: 8})
	_, _ = tw.Write([]byte("tar"))
	_ = tw.Close()
	ctx := buildContext(e, map[string]string{
		"Containerfile": "FROM " + busybox + "\n" +
			"ADD plain.txt files.tar " + srv.URL + "/remote.txt /multi/\n" +
			"ADD --checksum=" + good + " " + srv.URL + "/remote.txt /checked.txt\n",
		"plain.txt": "plain\n",
	})
	if err := os.WriteFile(filepath.Join(ctx, "files.tar"), archive.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e.roostOK("build", "-t", "added", ctx)
	got := e.roostOK("run", "--rm", "added", "sh", "-c", "ls /multi; cat /multi/plain.txt /multi/pkg/in-tar.txt; echo; cat /multi/remote.txt /checked.txt; stat -c '%u:%g' /multi/pkg/in-tar.txt")
	want := "pkg\nplain.txt\nremote.txt\nplain\ntar\n" + remote + remote + "7:8\n"
	if got != want {
		t.Fatalf("files from the mixed ADD:\n%s\nwant:\n%s", got, want)
	}
	before := e.roostOK("images", "-a", "-q")
	for _, c := range []struct{ line, want string }{
		{"ADD --checksum=sha256:" + strings.Repeat("0", 64) + " " + srv.URL + "/remote.txt /x\n", "checksum mismatch"},
		{"ADD " + srv.URL + "/missing.txt /x\n", "404"},
		{"ADD plain.txt " + srv.URL + "/remote.txt /x\n", "must be a directory ending in /"},
	} {
		bad := buildContext(e, map[string]string{"Containerfile": "FROM " + busybox + "\n" + c.line, "plain.txt": "plain\n"})
		msg := e.roostFails(125, "build", "-t", "bad", bad)
		if !strings.HasPrefix(msg, "Error: Containerfile:2: ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%q: said %q, want one line with %q", c.line, msg, c.want)
		}
		if after := e.roostOK("images", "-a", "-q"); after != before {
			t.Errorf("%q: images left:\n%s", c.line, after)
		}
	}
}
