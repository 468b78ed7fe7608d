package image

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/config"
)

// SearchOptions say where and what search looks for.
type SearchOptions struct {
	RegistryOptions
	Limit    int      // per registry; 0: 25, as Podman
	Filters  []string // stars=N, is-official=BOOL, is-automated=BOOL
	ListTags bool     // list the tags of one repository instead
}

// SearchResult is one repository (or, with ListTags, one tag), with the
// field names Podman's --format takes.
type SearchResult struct {
	Index, Name, Description string
	Stars                    int
	Official, Automated      string // "[OK]" or ""
	Tag                      string
}

// Search asks registries for repositories matching term: the registry in
// term ("127.0.0.1:5000/busy"), else each unqualified-search registry.
// A registry without a search API answers from its v2 catalog.
func Search(ctx context.Context, cfg *config.Config, term string, o SearchOptions) ([]SearchResult, error) {
	keep, err := searchFilter(o.Filters)
	if err != nil {
		return nil, err
	}
	sys, err := systemContext(cfg, o.RegistryOptions, Platform{})
	if err != nil {
		return nil, err
	}
	if o.Limit <= 0 {
		o.Limit = 25 // Podman's default
	}
	if o.ListTags {
		return listTags(ctx, sys, term, o.Limit)
	}
	registries, rest := splitRegistry(term)
	if len(registries) == 0 {
		//nolint:staticcheck // the search registries are what a short name means here
		if registries, err = sysregistriesv2.UnqualifiedSearchRegistries(sys); err != nil {
			return nil, fmt.Errorf("search registries: %w", err)
		}
	}
	var out []SearchResult
	for _, reg := range registries {
		found, err := docker.SearchRegistry(ctx, sys, reg, rest, o.Limit)
		if err != nil {
			return nil, explain("searching registry "+reg, reg, err)
		}
		for _, f := range found {
			r := SearchResult{Index: reg, Name: reg + "/" + f.Name, Description: f.Description, Stars: f.StarCount,
				Official: okMark(f.IsOfficial), Automated: okMark(f.IsAutomated)}
			if keep(r) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func okMark(b bool) string {
	if b {
		return "[OK]"
	}
	return ""
}

// splitRegistry takes the registry off a term whose first part names one.
func splitRegistry(term string) ([]string, string) {
	first, rest, ok := strings.Cut(term, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return []string{first}, rest
	}
	return nil, term
}

func listTags(ctx context.Context, sys *types.SystemContext, term string, limit int) ([]SearchResult, error) {
	named, err := reference.ParseNormalizedNamed(term)
	if err != nil || !reference.IsNameOnly(named) {
		return nil, fmt.Errorf("--list-tags takes a repository without a tag or digest, not %q", term)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, err
	}
	tags, err := docker.GetRepositoryTags(ctx, sys, ref)
	if err != nil {
		return nil, explain("listing tags of "+named.Name(), reference.Domain(named), err)
	}
	if limit > 0 && len(tags) > limit {
		tags = tags[:limit]
	}
	out := make([]SearchResult, len(tags))
	for i, t := range tags {
		out[i] = SearchResult{Index: reference.Domain(named), Name: named.Name(), Tag: t}
	}
	return out, nil
}

// searchFilter compiles Podman's search filters.
func searchFilter(filters []string) (func(SearchResult) bool, error) {
	var tests []func(SearchResult) bool
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: use stars=N, is-official=BOOL or is-automated=BOOL", f)
		}
		switch k {
		case "stars":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: stars takes a number", f)
			}
			tests = append(tests, func(r SearchResult) bool { return r.Stars >= n })
		case "is-official", "is-automated":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: %s takes true or false", f, k)
			}
			tests = append(tests, func(r SearchResult) bool {
				mark := r.Official
				if k == "is-automated" {
					mark = r.Automated
				}
				return (mark != "") == b
			})
		default:
			return nil, fmt.Errorf("invalid filter %q: use stars, is-official or is-automated", f)
		}
	}
	return func(r SearchResult) bool {
		for _, t := range tests {
			if !t(r) {
				return false
			}
		}
		return true
	}, nil
}
