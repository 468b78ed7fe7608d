package image

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/shortnames"
)

// NormalizeName turns a name a user gives to tag an image into the full name
// Roost stores: a name without a registry goes under localhost/ (as Podman and
// Buildah do, so it never looks like something pulled from Docker Hub), and
// a missing tag becomes :latest. Digests are refused: a tag names, a digest
// identifies content.
func NormalizeName(name string) (reference.NamedTagged, error) {
	full := name
	if shortnames.IsShortName(name) {
		full = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(full)
	if err != nil {
		return nil, fmt.Errorf("invalid image name %q: %w", name, err)
	}
	if _, ok := named.(reference.Digested); ok {
		return nil, fmt.Errorf("invalid image name %q: a tag cannot contain a digest", name)
	}
	tagged, ok := reference.TagNameOnly(named).(reference.NamedTagged)
	if !ok {
		return nil, fmt.Errorf("invalid image name %q", name)
	}
	return tagged, nil
}

// SplitName splits a stored image name into the repository and tag columns
// `images` shows; a name without a tag (pulled by digest) has tag <none>.
func SplitName(name string) (repo, tag string) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "<none>", "<none>"
	}
	if t, ok := named.(reference.Tagged); ok {
		return named.Name(), t.Tag()
	}
	return named.Name(), "<none>"
}

// query is how a user named a local image, parsed once.
type query struct {
	raw   string
	id    string          // a full or partial image ID, when the input can be one
	named reference.Named // the name with a tag (default latest) or a digest
	path  string          // for a short name: its path as typed, without registry
	tag   string
	dig   digest.Digest
}

var hexPrefix = regexp.MustCompile(`^[a-f0-9]{3,64}$`)

// parseQuery reads an image ID (with or without "sha256:"), an ID prefix, a
// full name or a short name, each with an optional tag or digest.
func parseQuery(s string) (query, error) {
	q := query{raw: s}
	if id, ok := strings.CutPrefix(s, "sha256:"); ok {
		if !hexPrefix.MatchString(id) {
			return q, fmt.Errorf("invalid image ID %q", s)
		}
		q.id = id
		return q, nil
	}
	if hexPrefix.MatchString(s) {
		q.id = s
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		if q.id != "" {
			return q, nil
		}
		return q, fmt.Errorf("invalid image reference %q: %w", s, err)
	}
	if shortnames.IsShortName(s) {
		q.path = reference.FamiliarName(named)
	}
	if d, ok := named.(reference.Digested); ok {
		q.dig = d.Digest()
	} else {
		named = reference.TagNameOnly(named)
	}
	if t, ok := named.(reference.Tagged); ok {
		q.tag = t.Tag()
	}
	q.named = named
	return q, nil
}

// short reports whether the user gave no registry, so that the name may match
// an image from any registry (busybox matches 127.0.0.1:5000/busybox).
func (q query) short() bool { return q.path != "" }

// exact is the one full name the query stands for, when it has a tag.
func (q query) exact() string {
	if q.named == nil || q.tag == "" {
		return ""
	}
	return q.named.String()
}

// matchesRepo reports whether a stored name is in the repository the query
// names, ignoring tags and digests.
func (q query) matchesRepo(stored reference.Named) bool {
	if !q.short() {
		return stored.Name() == q.named.Name()
	}
	p := reference.Path(stored)
	return p == q.path || p == "library/"+q.path
}

// matchesName reports whether a stored name (with its tag) is what the query
// names. A query with a digest matches by repository here; the caller checks
// the digest against the image's digests.
func (q query) matchesName(name string) bool {
	if q.named == nil {
		return false
	}
	stored, err := reference.ParseNormalizedNamed(name)
	if err != nil || !q.matchesRepo(stored) {
		return false
	}
	if q.dig != "" {
		return true
	}
	t, ok := stored.(reference.Tagged)
	return ok && t.Tag() == q.tag
}

// dropTagOfDigested turns NAME:TAG@DIGEST into NAME@DIGEST, as Podman and
// Docker do: registries cannot be asked for both, and the digest alone says
// which image is meant. Other names come back as they were, short or not.
func dropTagOfDigested(name string) string {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return name
	}
	_, tagged := named.(reference.Tagged)
	_, digested := named.(reference.Digested)
	if !tagged || !digested {
		return name
	}
	at := strings.LastIndex(name, "@")
	repo := name[:at]
	if c := strings.LastIndex(repo, ":"); c > strings.LastIndex(repo, "/") {
		repo = repo[:c]
	}
	return repo + name[at:]
}
