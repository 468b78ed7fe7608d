package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// imageActions are the last path segments of /images/{name}/{action}, by
// method. DELETE /images/{name} has none: the whole tail is the name.
var imageActions = map[string][]string{
	http.MethodGet:  {"json", "history", "get"},
	http.MethodPost: {"tag", "push"},
}

// splitImagePath splits the tail of /images/ into the image's name and the
// action. Image names hold slashes (127.0.0.1:5000/library/busybox) and a
// name may even end in a segment spelled like an action, so the action is
// always the last segment and the name everything before it.
func splitImagePath(method, tail string) (name, action string, err error) {
	tail = strings.Trim(tail, "/")
	if tail == "" {
		return "", "", errors.New("no image name in the path")
	}
	if method == http.MethodDelete {
		return tail, "", nil
	}
	i := strings.LastIndexByte(tail, '/')
	if i <= 0 {
		return "", "", fmt.Errorf("no image name or action in the path /images/%s", tail)
	}
	name, action = tail[:i], tail[i+1:]
	for _, a := range imageActions[method] {
		if a == action {
			return name, action, nil
		}
	}
	return "", "", fmt.Errorf("unknown image action %s %q", method, action)
}

// dockerName is a stored name as Docker shows it: docker.io names in their
// familiar form (busybox:latest, not docker.io/library/busybox:latest) and
// names Roost stores under localhost/ (what `tag` gives a name without a
// registry) without that prefix, as Docker would have named them.
func dockerName(name string) string {
	if rest, ok := strings.CutPrefix(name, "localhost/"); ok {
		return rest
	}
	n, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return name
	}
	return reference.FamiliarString(n)
}

// dockerNames maps dockerName over names; never nil, as Docker's lists
// are [] rather than null.
func dockerNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, dockerName(n))
	}
	return out
}

// imageID is an image ID as Docker writes it, with its algorithm.
func imageID(id string) string {
	if id == "" || strings.HasPrefix(id, "sha256:") {
		return id
	}
	return "sha256:" + id
}
