package seccomp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/runtime"
	"github.com/roost-containers/roost/pkg/runtime/runtimetest"
	"github.com/roost-containers/roost/pkg/seccomp"
	"github.com/roost-containers/roost/pkg/spec"
)

// The program Roost compiles must be, byte for byte, the one crun compiles
// from the same profile (crun 1.8 leaves it in its state directory as
// seccomp.bpf), and crun must load the one handed to it by annotation.
func TestSameProgramAsCrun(t *testing.T) {
	runtimetest.RequireRoot(t)
	crun := runtimetest.Runtimes(t)["crun"]
	for name, sec := range map[string]spec.SecurityOptions{
		"default":         {},
		"with-sys-admin":  {CapAdd: []string{"SYS_ADMIN"}},
		"without-chown":   {CapDrop: []string{"CHOWN"}},
		"with-sys-ptrace": {CapAdd: []string{"SYS_PTRACE"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			bundle := runtimetest.Bundle(t, filepath.Join(dir, "bundle"), []string{"true"}, false)
			res, err := spec.Generate(spec.Options{
				Rootfs:     filepath.Join(bundle, "rootfs"),
				Image:      spec.ImageConfig{Cmd: []string{"true"}},
				Namespaces: spec.NamespaceOptions{Network: "none"},
				Security:   sec,
			})
			if err != nil {
				t.Fatal(err)
			}
			profile := res.Spec.Linux.Seccomp
			if profile == nil || len(profile.Syscalls) == 0 {
				t.Fatal("the generated spec has no seccomp profile")
			}
			ours, err := seccomp.Compile(profile)
			if err != nil {
				t.Fatal(err)
			}
			r := runtime.New(crun, filepath.Join(dir, "state"))
			theirs := crunProgram(t, r, bundle, "own-"+name, profile, "")
			if len(ours) == 0 || string(ours) != string(theirs) {
				t.Fatalf("Roost's program (%d bytes) differs from crun's (%d bytes)", len(ours), len(theirs))
			}
			loaded := crunProgram(t, r, bundle, "given-"+name, profile, base64.StdEncoding.EncodeToString(ours))
			if string(loaded) != string(ours) {
				t.Fatalf("crun did not take the program from the annotation (%d bytes, want %d)", len(loaded), len(ours))
			}
		})
	}
}

// crunProgram creates a container with the profile (and the annotation, if
// given) and returns the program crun kept for it.
func crunProgram(t *testing.T, r *runtime.Runtime, bundle, id string, profile *specs.LinuxSeccomp, annotation string) []byte {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	var cfg map[string]any
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg["linux"].(map[string]any)["seccomp"] = profile
	delete(cfg, "annotations")
	if annotation != "" {
		cfg["annotations"] = map[string]string{"run.oci.seccomp_bpf_data": annotation}
	}
	if b, err = json.Marshal(cfg); err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Create(ctx, id, bundle, runtime.CreateOpts{}); err != nil {
		t.Fatal(err)
	}
	defer r.Delete(ctx, id, true)
	prog, err := os.ReadFile(filepath.Join(r.Root, id, "seccomp.bpf"))
	if err != nil {
		t.Fatalf("crun kept no program: %v", err)
	}
	return prog
}

func TestCompileCached(t *testing.T) {
	profile := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"read", "write", "no_such_syscall"}, Action: specs.ActAllow}},
	}
	dir := t.TempDir()
	first, err := seccomp.CompileCached(dir, profile)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if len(files) != 1 || len(first) == 0 || len(first)%8 != 0 {
		t.Fatalf("cache holds %v after one compile of %d bytes", files, len(first))
	}
	again, err := seccomp.CompileCached(dir, profile)
	if err != nil || string(again) != string(first) {
		t.Fatalf("second CompileCached: %v, same program: %v", err, string(again) == string(first))
	}
	profile.Syscalls[0].Names = []string{"read"}
	other, err := seccomp.CompileCached(dir, profile)
	if err != nil || string(other) == string(first) {
		t.Fatalf("another profile gave the same program (err %v)", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.bpf")); len(files) != 2 {
		t.Fatalf("cache holds %v after two profiles", files)
	}
}
