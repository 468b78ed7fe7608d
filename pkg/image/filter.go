package image

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

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

// filterValue is one --filter given for a key: its value, and whether the
// user wrote key!=value.
type filterValue struct {
	value  string
	negate bool
}

// predicate answers one filter value for one image.
type predicate func(e entry) bool

// timeOf resolves an image name to its creation time, for before= and since=.
type timeOf func(name string) (time.Time, error)

var filterKeys = []string{"after", "before", "containers", "dangling", "digest", "id", "intermediate", "label", "reference", "since", "until"}

// compileFilters turns Podman-style filters into one test. Values of one key
// are alternatives (any may match), except label, where every one must; the
// keys together must all match. key!=value negates.
func compileFilters(specs []string, resolve timeOf) (predicate, error) {
	byKey, order, err := parseFilters(specs)
	if err != nil {
		return nil, err
	}
	var all []predicate
	for _, key := range order {
		var alts []predicate
		for _, v := range byKey[key] {
			p, err := compileOne(key, v.value, resolve)
			if err != nil {
				return nil, err
			}
			if v.negate {
				p = not(p)
			}
			alts = append(alts, p)
		}
		if key == "label" {
			all = append(all, alts...)
		} else {
			all = append(all, anyOf(alts))
		}
	}
	return allOf(all), nil
}

func parseFilters(specs []string) (map[string][]filterValue, []string, error) {
	byKey := map[string][]filterValue{}
	var order []string
	for _, s := range specs {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return nil, nil, fmt.Errorf("invalid filter %q: use KEY=VALUE", s)
		}
		v := filterValue{value: value}
		if k, neg := strings.CutSuffix(key, "!"); neg {
			key, v.negate = k, true
		}
		if !slices.Contains(filterKeys, key) {
			return nil, nil, fmt.Errorf("invalid filter %q: the filters are %s", s, strings.Join(filterKeys, ", "))
		}
		if _, seen := byKey[key]; !seen {
			order = append(order, key)
		}
		byKey[key] = append(byKey[key], v)
	}
	return byKey, order, nil
}

func compileOne(key, value string, resolve timeOf) (predicate, error) {
	switch key {
	case "dangling", "intermediate", "containers":
		return boolFilter(key, value)
	case "label":
		return labelFilter(value), nil
	case "reference":
		return func(e entry) bool { return matchReference(value, e.img.Names) }, nil
	case "id":
		return func(e entry) bool { return strings.HasPrefix(e.img.ID, strings.TrimPrefix(value, "sha256:")) }, nil
	case "digest":
		return func(e entry) bool { return hasDigestString(e.img, value) }, nil
	case "until":
		t, err := parseTime(value)
		if err != nil {
			return nil, fmt.Errorf("invalid filter until=%s: %w", value, err)
		}
		return func(e entry) bool { return e.created.Before(t) }, nil
	}
	// before, since, after: relative to another local image.
	t, err := resolve(value)
	if err != nil {
		return nil, fmt.Errorf("filter %s=%s: %w", key, value, err)
	}
	if key == "before" {
		return func(e entry) bool { return e.created.Before(t) }, nil
	}
	return func(e entry) bool { return e.created.After(t) }, nil
}

func boolFilter(key, value string) (predicate, error) {
	want, err := strconv.ParseBool(value)
	if err != nil {
		return nil, fmt.Errorf("invalid filter %s=%s: use true or false", key, value)
	}
	return func(e entry) bool {
		switch key {
		case "dangling":
			return e.dangling == want
		case "intermediate":
			return e.intermediate == want
		default:
			return (e.containers > 0) == want
		}
	}, nil
}

// labelFilter matches label=KEY (present) or label=KEY=VALUE (equal).
func labelFilter(value string) predicate {
	k, v, withValue := strings.Cut(value, "=")
	return func(e entry) bool {
		got, ok := e.labels[k]
		return ok && (!withValue || got == v)
	}
}

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

// parseTime reads an until= value: a Go duration before now ("10m", "1h30m"),
// Unix seconds, or a date/time.
func parseTime(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(int64(secs), 0), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a duration (10m), Unix time or date (2006-01-02T15:04:05)")
}

func not(p predicate) predicate { return func(e entry) bool { return !p(e) } }

func anyOf(ps []predicate) predicate {
	return func(e entry) bool {
		for _, p := range ps {
			if p(e) {
				return true
			}
		}
		return false
	}
}

func allOf(ps []predicate) predicate {
	return func(e entry) bool {
		for _, p := range ps {
			if !p(e) {
				return false
			}
		}
		return true
	}
}
