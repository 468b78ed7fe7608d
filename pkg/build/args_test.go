package build

import (
	"runtime"
	"slices"
	"testing"

	"github.com/roost-containers/roost/pkg/build/containerfile"
	"github.com/roost-containers/roost/pkg/image"
)

func TestMetaArgsBuildArgWinsAndDefaultsExpand(t *testing.T) {
	f, err := containerfile.Parse("Containerfile", []byte("ARG REG=r.example\nARG IMG=${REG}/base\nARG TAG\nFROM $IMG:$TAG\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := metaArgs(f.MetaArgs, map[string]string{"TAG": "v2"})
	if m["IMG"] != "r.example/base" || m["TAG"] != "v2" || m["TARGETARCH"] != runtime.GOARCH {
		t.Errorf("meta args: %v", m)
	}
}

func TestCommandShellHeredocAndExecForms(t *testing.T) {
	f, err := containerfile.Parse("Containerfile", []byte("FROM scratch\nRUN echo $HOME\nRUN [\"/bin/echo\", \"x\"]\nRUN <<EOF\necho one\nEOF\nRUN cat <<EOF\nhi\nEOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := &stage{config: image.EmptyBuildConfig()}
	want := [][]string{
		{"/bin/sh", "-c", "echo $HOME"},
		{"/bin/echo", "x"},
		{"/bin/sh", "-c", "echo one\n"},
		{"/bin/sh", "-c", "cat <<EOF\nhi\nEOF\n"},
	}
	for i, c := range f.Stages[0].Commands {
		got := s.command(runLine(t, c))
		if !slices.Equal(got, want[i]) {
			t.Errorf("RUN %d: got %q, want %q", i, got, want[i])
		}
	}
	s.config.Config.Shell = []string{"/bin/bash", "-ec"}
	if got := s.command(runLine(t, f.Stages[0].Commands[0])); got[0] != "/bin/bash" {
		t.Errorf("SHELL not used: %q", got)
	}
}

func TestStepKeyDependsOnEveryPart(t *testing.T) {
	base := stepKey("parent", "oci", "RUN x", "content")
	for _, k := range []string{
		stepKey("other", "oci", "RUN x", "content"),
		stepKey("parent", "docker", "RUN x", "content"),
		stepKey("parent", "oci", "RUN y", "content"),
		stepKey("parent", "oci", "RUN x", "changed"),
	} {
		if k == base {
			t.Error("a changed part kept the key")
		}
	}
	if stepKey("parent", "oci", "RUN x", "content") != base {
		t.Error("the key is not stable")
	}
}

func TestSetEnvReplacesInPlace(t *testing.T) {
	got := setEnv([]string{"A=1", "B=2"}, "A", "3")
	if !slices.Equal(got, []string{"B=2", "A=3"}) {
		t.Errorf("setEnv: %v", got)
	}
}
