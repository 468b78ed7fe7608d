package build

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ignoreFile reads the context's ignore file: <Containerfile>.containerignore
// or .dockerignore next to the file, else .containerignore, else
// .dockerignore in the context. nil: nothing is ignored.
func ignoreFile(contextDir, containerfile string) (func(string) bool, error) {
	candidates := []string{}
	if containerfile != "" && filepath.IsAbs(containerfile) {
		candidates = append(candidates, containerfile+".containerignore", containerfile+".dockerignore")
	}
	candidates = append(candidates, filepath.Join(contextDir, ".containerignore"), filepath.Join(contextDir, ".dockerignore"))
	for _, p := range candidates {
		f, err := os.Open(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return func(rel string) bool {
			ok, err := pm.MatchesOrParentMatches(rel)
			return err == nil && ok
		}, nil
	}
	return nil, nil
}
