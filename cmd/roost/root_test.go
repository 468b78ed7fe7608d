package main

import (
	"bytes"
	"testing"

	"github.com/roost-containers/roost/pkg/version"
)

// --version and -v answer with one line, as Podman's do, and touch nothing
// (no configuration, no namespace: the root's hooks do not run).
func TestVersionFlag(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		root := newRootCommand([]string{flag})
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{flag})
		if err := root.Execute(); err != nil {
			t.Fatalf("%s: %v", flag, err)
		}
		if want := "roost version " + version.Version + "\n"; out.String() != want {
			t.Errorf("%s printed %q, want %q", flag, out.String(), want)
		}
	}
}
