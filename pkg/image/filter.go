package image

import (
	"path"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/filter"

	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

// entry is what filters can ask about one image.
type entry struct {
	img          *cstorage.Image
	labels       map[string]string
	created      time.Time
	size         int64
	dangling     bool
	intermediate bool
	containers   int
	parent       string
}

// timeOf resolves an image name to its creation time, for before= and since=.
type timeOf = filter.Resolver

// imageKind declares the keys images, image prune and rmi filters accept,
// and what each reads of an image.
func imageKind(resolve timeOf) filter.Kind[entry] {
	created := func(e entry) time.Time { return e.created }
	return filter.Kind[entry]{Keys: map[string]filter.Key[entry]{
		"after":        filter.Since(created, resolve),
		"before":       filter.Before(created, resolve),
		"since":        filter.Since(created, resolve),
		"until":        filter.Until(created),
		"containers":   filter.Bool(func(e entry) bool { return e.containers > 0 }),
		"dangling":     filter.Bool(func(e entry) bool { return e.dangling }),
		"intermediate": filter.Bool(func(e entry) bool { return e.intermediate }),
		"label":        filter.Label(func(e entry) map[string]string { return e.labels }),
		"id":           filter.IDPrefix(func(e entry) string { return e.img.ID }).WithNot(),
		"digest":       filter.Func(func(e entry, v string) bool { return hasDigestString(e.img, v) }).WithNot(),
		"reference":    filter.Func(func(e entry, v string) bool { return matchReference(v, e.img.Names) }).WithNot(),
	}}
}

// compileFilters turns Podman-style filters into one test (see pkg/filter
// for how values and keys combine).
func compileFilters(specs []string, resolve timeOf) (predicate, error) {
	return imageKind(resolve).Compile(specs)
}

// predicate answers the filters for one image.
type predicate = filter.Predicate[entry]

func hasDigestString(img *cstorage.Image, s string) bool {
	if img.Digest.String() == s {
		return true
	}
	for _, d := range img.Digests {
		if d.String() == s {
			return true
		}
	}
	return false
}

// matchReference matches a glob (path.Match syntax) against an image's
// names, written in full or in part: for 127.0.0.1:5000/library/busybox:latest,
// "busybox", "busybox:latest", "library/busy*" and
// "127.0.0.1:5000/library/busybox" all match.
func matchReference(pattern string, names []string) bool {
	for _, name := range names {
		for _, c := range nameForms(name) {
			if ok, _ := path.Match(pattern, c); ok {
				return true
			}
		}
	}
	return false
}

// nameForms lists the ways a user may write a stored name: with and without
// the tag, with the registry and any number of leading path parts dropped.
func nameForms(name string) []string {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return []string{name}
	}
	suffix := ""
	if t, ok := named.(reference.Tagged); ok {
		suffix = ":" + t.Tag()
	} else if d, ok := named.(reference.Digested); ok {
		suffix = "@" + d.Digest().String()
	}
	parts := strings.Split(reference.Path(named), "/")
	forms := []string{named.Name(), named.Name() + suffix}
	for i := range parts {
		p := strings.Join(parts[i:], "/")
		forms = append(forms, p, p+suffix)
	}
	return forms
}
