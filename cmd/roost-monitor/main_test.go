package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the resident monitor small: the standard library (without
// net, which brings cgo's resolver), golang.org/x/sys and Roost's own small
// packages only (the port forwarder uses raw sockets for this reason).
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{
		"golang.org/x/sys/",
		"github.com/roost-containers/roost/cmd/roost-monitor",
		"github.com/roost-containers/roost/pkg/events",    // standard library and x/sys only
		"github.com/roost-containers/roost/pkg/footprint", // standard library and x/sys only
		"github.com/roost-containers/roost/pkg/monitor",
		"github.com/roost-containers/roost/pkg/runtime",
		"github.com/roost-containers/roost/pkg/version",
		"github.com/roost-containers/roost/slirp/portfwd",
	}
	for _, pkg := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(pkg, "/")
		std := !strings.Contains(first, ".")
		switch {
		case pkg == "net" || pkg == "runtime/cgo" || pkg == "os/user":
			t.Errorf("the monitor imports %s", pkg)
		case std:
		case !hasAnyPrefix(pkg, allowed):
			t.Errorf("the monitor imports %s: only the standard library, x/sys and pkg/events, pkg/footprint, pkg/monitor, pkg/runtime, pkg/version, slirp/portfwd", pkg)
		}
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
