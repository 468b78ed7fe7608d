package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestParseLogLevel(t *testing.T) {
	for _, l := range logLevels {
		if _, err := parseLogLevel(strings.ToUpper(l)); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	_, err := parseLogLevel("telepathic")
	if err == nil || !strings.HasPrefix(err.Error(), `Log Level "telepathic" is not supported, choose from: trace, debug`) {
		t.Fatalf("got %v", err)
	}
}

// Only Podman's names are levels: logrus alone would take more.
func FuzzParseLogLevel(f *testing.F) {
	for _, s := range []string{"trace", "WARN", "warning", "", "telepathic", "4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := parseLogLevel(s)
		known := false
		for _, l := range logLevels {
			known = known || l == strings.ToLower(s)
		}
		if known != (err == nil) {
			t.Fatalf("%q: known=%v err=%v", s, known, err)
		}
	})
}

func TestNamesDestination(t *testing.T) {
	for args, want := range map[string]bool{
		"--url x ps": true, "--url=x ps": true, "--connection c": true, "ps --url x": false,
		"--root /r ps": false, "-- --url": false, "": false,
	} {
		if got := namesDestination(strings.Fields(args)); got != want {
			t.Errorf("%q: got %v", args, got)
		}
	}
}

func TestInsertOptions(t *testing.T) {
	for use, want := range map[string]string{
		"ps": "ps [options]", "rm CONTAINER [CONTAINER...]": "rm [options] CONTAINER [CONTAINER...]",
	} {
		if got := insertOptions(use); got != want {
			t.Errorf("%q: got %q", use, got)
		}
	}
}

// A group answers a missing subcommand with its help and an error, an
// unknown one with the name and cobra's suggestion.
func TestSubCommandExists(t *testing.T) {
	g := &cobra.Command{Use: "image"}
	g.AddCommand(&cobra.Command{Use: "list", Run: func(*cobra.Command, []string) {}})
	var out bytes.Buffer
	g.SetOut(&out)
	if err := subCommandExists(g, nil); err == nil || err.Error() != "missing command 'image COMMAND'" || !strings.Contains(out.String(), "Usage:") {
		t.Fatalf("missing: %v\n%s", err, out.String())
	}
	err := subCommandExists(g, []string{"lst"})
	if err == nil || !strings.Contains(err.Error(), "unrecognized command `image lst`\n\nDid you mean this?\n\tlist\n") {
		t.Fatalf("unknown: %v", err)
	}
}
