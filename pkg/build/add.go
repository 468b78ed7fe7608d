package build

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.podman.io/storage/pkg/archive"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/roost-containers/roost/pkg/build/copier"
)

// addStep is ADD: COPY's work, plus URLs fetched and local tars unpacked.
// Sources of every kind may be mixed: they make one layer, as Docker's.
func (s *stage) addStep(ctx context.Context, c *instructions.AddCommand) error {
	root := copier.Root{Dir: s.b.opts.ContextDir, Ignore: s.b.ignore}
	urls := 0
	for _, src := range c.SourcePaths {
		if isURL(src) {
			urls++
		}
	}
	if c.Checksum != "" && (urls != 1 || len(c.SourcePaths) != 1) {
		return fmt.Errorf("ADD --checksum takes exactly one source, a URL")
	}
	if len(c.SourcePaths) > 1 && !strings.HasSuffix(c.DestPath, "/") {
		return fmt.Errorf("ADD with several sources: the destination %q must be a directory ending in /", c.DestPath)
	}
	var groups []placement
	var plain []string
	for _, src := range c.SourcePaths {
		g, special, err := s.addSource(ctx, root, src, c)
		if err != nil {
			return err
		}
		if !special {
			plain = append(plain, src)
			continue
		}
		groups = append(groups, g)
	}
	if len(plain) > 0 {
		groups = append([]placement{{root, plain, c.DestPath}}, groups...)
	}
	return s.copyPlaced(ctx, "ADD", c.String(), groups, c.Chown, c.Chmod)
}

// addSource readies a URL (fetched, checked against --checksum) or a
// local tar archive (unpacked, its contents go into the destination
// directory) in a directory of its own; special is false for a plain
// context source, which COPY's rules place.
func (s *stage) addSource(ctx context.Context, root copier.Root, src string, c *instructions.AddCommand) (g placement, special bool, err error) {
	url := isURL(src)
	if !url && !isArchive(root, src) {
		return placement{}, false, nil
	}
	dir, err := s.b.tempDir()
	if err != nil {
		return placement{}, true, err
	}
	if url {
		name, err := fetch(ctx, src, c.Checksum, dir)
		return placement{copier.Root{Dir: dir}, []string{name}, c.DestPath}, true, err
	}
	if err := unpack(filepath.Join(root.Dir, filepath.Clean("/"+src)), dir); err != nil {
		return placement{}, true, fmt.Errorf("ADD %s: %w", src, err)
	}
	dest := c.DestPath
	if !strings.HasSuffix(dest, "/") {
		dest += "/"
	}
	return placement{copier.Root{Dir: dir, Image: true}, []string{"."}, dest}, true, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// isArchive says whether a context source is a tar archive (compressed or
// not), which ADD unpacks.
func isArchive(root copier.Root, src string) bool {
	if strings.ContainsAny(src, "*?[") {
		return false
	}
	f, err := os.Open(filepath.Join(root.Dir, filepath.Clean("/"+src)))
	if err != nil {
		return false
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return false
	}
	rc, err := archive.DecompressStream(f)
	if err != nil {
		return false
	}
	defer rc.Close()
	_, err = tar.NewReader(rc).Next()
	return err == nil
}

func unpack(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return archive.Untar(f, dir, &archive.TarOptions{NoLchown: false})
}

// fetch downloads url into dir under the URL's last path element and
// checks it against checksum (sha256:HEX) when given.
func fetch(ctx context.Context, url, checksum, dir string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("ADD %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ADD %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ADD %s: %s", url, resp.Status)
	}
	name := path.Base(strings.SplitN(strings.SplitN(url, "?", 2)[0], "#", 2)[0])
	if name == "/" || name == "." || name == "" || strings.Count(url, "/") < 3 {
		name = "index.html"
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), resp.Body); err != nil {
		return "", fmt.Errorf("ADD %s: %w", url, err)
	}
	if checksum != "" {
		want, ok := strings.CutPrefix(checksum, "sha256:")
		if !ok {
			return "", fmt.Errorf("ADD --checksum=%s: only sha256:HEX is supported", checksum)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return "", fmt.Errorf("ADD %s: checksum mismatch: got sha256:%s, want %s", url, got, checksum)
		}
	}
	return name, nil
}
