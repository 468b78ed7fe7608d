package compose

import (
	"reflect"
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/secrets"
)

// TestSecretRefs: short and long syntax become the --secret options of a
// run: PROJECT_KEY for the project's own secrets, the name for external
// ones, target/uid/gid/mode passed on.
func TestSecretRefs(t *testing.T) {
	c := load(t, `
services:
  app:
    image: busybox
    secrets:
      - pw
      - {source: tok, target: /etc/tok, uid: "7", gid: "8", mode: 0440}
      - ext
secrets:
  pw: {file: ./pw.txt}
  tok: {environment: TOK}
  ext: {external: true, name: real-name}
`)
	o, err := serviceOptions(c.Project, c.Project.Services["app"], 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []secrets.Ref{
		{Source: "proj_pw", Type: secrets.TypeMount, Target: "/run/secrets/pw", Mode: 0o444},
		{Source: "proj_tok", Type: secrets.TypeMount, Target: "/etc/tok", UID: 7, GID: 8, Mode: 0o440},
		{Source: "real-name", Type: secrets.TypeMount, Target: "/run/secrets/ext", Mode: 0o444},
	}
	if !reflect.DeepEqual(o.Secrets, want) {
		t.Fatalf("secrets:\n got %+v\nwant %+v", o.Secrets, want)
	}
	for _, m := range o.Spec.Mounts {
		if strings.HasPrefix(m.Destination, "/run/secrets") {
			t.Fatalf("a secret became a bind mount: %+v", m)
		}
	}
}

func TestSecretRefsRefuse(t *testing.T) {
	for yaml, want := range map[string]string{
		"services: {app: {image: i, secrets: [{source: s, uid: x}]}}\nsecrets: {s: {file: ./f}}\n":       `uid "x"`,
		"services: {app: {image: i, secrets: [{source: s, target: ../x}]}}\nsecrets: {s: {file: ./f}}\n": "must stay under /run/secrets",
	} {
		c := load(t, yaml)
		_, err := serviceOptions(c.Project, c.Project.Services["app"], 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", yaml, err, want)
		}
	}
}
