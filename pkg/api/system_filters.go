package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
)

// filterArgs is Docker's ?filters= parameter: a JSON object of key to
// values. Clients send it in two shapes: {"key": {"value": true}} (every
// current client) and {"key": ["value"]} (API 1.21 and older clients).
type filterArgs map[string][]string

// parseFilters reads ?filters=; absent or empty is no filter. A value that
// is not one of Docker's two shapes is a 400 naming the parameter.
func parseFilters(r *http.Request) (filterArgs, error) {
	raw := r.URL.Query().Get("filters")
	if raw == "" {
		return filterArgs{}, nil
	}
	return decodeFilters(raw)
}

func decodeFilters(raw string) (filterArgs, error) {
	var asMap map[string]map[string]bool
	if err := json.Unmarshal([]byte(raw), &asMap); err == nil {
		f := filterArgs{}
		for k, vs := range asMap {
			for v, on := range vs {
				if on {
					f[k] = append(f[k], v)
				}
			}
			sort.Strings(f[k]) // map order is random; answers should not be
		}
		return f, nil
	}
	var asList map[string][]string
	if err := json.Unmarshal([]byte(raw), &asList); err != nil {
		return nil, badRequest(fmt.Errorf("invalid filters %q: want a JSON object such as {\"label\":{\"a=b\":true}}", raw))
	}
	return filterArgs(asList), nil
}

// podmanStyle is the filters as KEY=VALUE strings, the form the engine's
// filters (Podman's --filter) take.
func (f filterArgs) podmanStyle() []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		for _, v := range f[k] {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// only fails with a 400 when a key outside allowed is given, as Docker
// does, so a typo is not silently a filter that matches everything.
func (f filterArgs) only(allowed ...string) error {
	for k := range f {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return badRequest(fmt.Errorf("invalid filter '%s'", k))
		}
	}
	return nil
}
