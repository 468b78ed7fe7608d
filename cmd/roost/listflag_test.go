package main

import (
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

// TestListFlagActsAsStringArray: the cheap list flag parses, prints and reads
// back as pflag's own stringArray does, commas and quotes included.
func TestListFlagActsAsStringArray(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	var ours, theirs []string
	stringArrayP(fs, &ours, "env", "e", []string{"DEF=1"}, "")
	fs.StringArrayVar(&theirs, "label", []string{"DEF=1"}, "")
	args := []string{"-e", "A=1,2", "--env", `B="q"`, "--label", "A=1,2", "--label", `B="q"`}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	want := []string{"A=1,2", `B="q"`}
	if !reflect.DeepEqual(ours, want) || !reflect.DeepEqual(theirs, want) {
		t.Fatalf("parsed %q and pflag's %q, want %q", ours, theirs, want)
	}
	a, b := fs.Lookup("env"), fs.Lookup("label")
	if a.Value.String() != b.Value.String() || a.DefValue != b.DefValue || a.Value.Type() != b.Value.Type() {
		t.Fatalf("ours prints %q (default %q, %s), pflag's %q (default %q, %s)",
			a.Value.String(), a.DefValue, a.Value.Type(), b.Value.String(), b.DefValue, b.Value.Type())
	}
	got, err := fs.GetStringArray("env")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetStringArray: %q, %v", got, err)
	}
	sv := a.Value.(pflag.SliceValue)
	if err := sv.Replace([]string{"X"}); err != nil || !reflect.DeepEqual(sv.GetSlice(), []string{"X"}) {
		t.Fatalf("Replace: %q, %v", sv.GetSlice(), err)
	}
	var empty []string
	stringArray(fs, &empty, "none", nil, "")
	if d := fs.Lookup("none").DefValue; d != "[]" {
		t.Fatalf("an empty list's default prints %q, want []", d)
	}
}
