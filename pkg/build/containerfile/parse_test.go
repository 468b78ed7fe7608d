package containerfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func TestParseStagesAndMetaArgs(t *testing.T) {
	f, err := Parse("Containerfile", []byte("ARG BASE=busybox\nFROM $BASE AS one\nRUN echo hi\nFROM one\nCOPY --from=one /a /b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.MetaArgs) != 1 || f.MetaArgs[0].Args[0].Key != "BASE" {
		t.Errorf("meta args: %+v", f.MetaArgs)
	}
	if len(f.Stages) != 2 || f.Stages[0].Name != "one" || f.Stages[1].BaseName != "one" {
		t.Fatalf("stages: %+v", f.Stages)
	}
	if _, ok := f.Stages[1].Commands[0].(*instructions.CopyCommand); !ok {
		t.Errorf("second stage's command is %T", f.Stages[1].Commands[0])
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"FROM busybox\nFOO bar\n", "Containerfile:2: unknown instruction: FOO"},
		{"FROM busybox\nCOPY --nope=1 a b\n", "Containerfile:2: "},
		{"RUN true\n", "Containerfile:1: "},
		{"# only a comment\n", "Containerfile:1: file with no instructions"},
	} {
		_, err := Parse("Containerfile", []byte(tc.in))
		var fe *Error
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want prefix %q", tc.in, err, tc.want)
		}
	}
}
