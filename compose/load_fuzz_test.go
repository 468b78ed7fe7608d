package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary YAML to Load, the package's entry point, and
// what loads to serviceOptions: neither may panic, and a file that cannot
// be used is one ErrInvalid line (the CLI prints it with exit 125).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../test/e2e/testdata/compose/*.yaml")
	more, _ := filepath.Glob("../test/e2e/testdata/compose/*/compose.yaml")
	for _, s := range append(seeds, more...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"",
		"services: {}",
		"services:\n  a: {image: b, depends_on: [a]}\n",
		"services:\n  a: {image: b, depends_on: {x: {condition: service_healthy}}}\n",
		"services:\n  a:\n    image: b\n    ports: [\"99999:80\", \"a:b:c:d\"]\n    volumes: [\"::\", \"x:/y:zz\"]\n",
		"services:\n  a:\n    image: b\n    deploy: {replicas: -1}\n    healthcheck: {test: [\"NONE\"], interval: -1s}\n",
		"name: \"\"\nservices:\n  a: {image: \"${X:?X is required}\"}\n",
		"x: &a [*a]\n",
	} {
		f.Add([]byte(s))
	}
	dir := filepath.Join(f.TempDir(), "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	file := filepath.Join(dir, "compose.yaml")
	f.Fuzz(func(t *testing.T, yaml []byte) {
		if err := os.WriteFile(file, yaml, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Load(context.Background(), LoadOptions{Files: []string{file}, Environ: []string{"Y=1"}})
		if err != nil {
			if !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want one ErrInvalid line, got %q", err)
			}
			return
		}
		for _, name := range p.ServiceNames() {
			_, _ = serviceOptions(p, p.Services[name], 1)
			_ = ConfigHash(p.Services[name])
		}
	})
}
