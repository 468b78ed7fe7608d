package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/container"
)

func load(t *testing.T, yaml string) *Compose {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	os.MkdirAll(dir, 0o755)
	f := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), LoadOptions{Files: []string{f}})
	if err != nil {
		t.Fatal(err)
	}
	return &Compose{Project: p}
}

func TestServiceOptions(t *testing.T) {
	c := load(t, `
services:
  api:
    image: busybox
    command: ["httpd", "-f"]
    environment: {B: "2", A: "1"}
    ports: ["8080:80", "127.0.0.1:9090:90/udp"]
    volumes: ["data:/data:ro", "/srv:/srv", {type: tmpfs, target: /t}]
    networks:
      back: {aliases: [x]}
    healthcheck: {test: "true", interval: 2s, retries: 4}
    restart: on-failure:3
    stop_grace_period: 20s
volumes: {data: {}}
networks: {back: {}}
`)
	s := c.Project.Services["api"]
	o, err := serviceOptions(c.Project, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "proj-api-2" || o.Labels[LabelProject] != "proj" || o.Labels[LabelNumber] != "2" || o.Labels[LabelConfigHash] != ConfigHash(s) {
		t.Fatalf("name/labels: %s %v", o.Name, o.Labels)
	}
	if strings.Join(o.Spec.Process.Env, ",") != "A=1,B=2" || strings.Join(o.Spec.Process.Args, " ") != "httpd -f" {
		t.Fatalf("process: %+v", o.Spec.Process)
	}
	if len(o.Ports) != 2 || o.Ports[0].HostPort != 8080 || o.Ports[1].Protocol != "udp" || o.Ports[1].HostIP != "127.0.0.1" {
		t.Fatalf("ports: %+v", o.Ports)
	}
	m := o.Spec.Mounts
	if len(m) != 3 || m[0].Source != "proj_data" || m[0].Options[0] != "ro" || m[1].Source != "/srv" || m[2].Type != "tmpfs" {
		t.Fatalf("mounts: %+v", m)
	}
	n := o.Net.Networks
	if o.Net.Mode != container.NetBridge || len(n) != 1 || n[0].Network != "proj_back" || strings.Join(n[0].Aliases, ",") != "api,proj-api-2,x" {
		t.Fatalf("networks: %+v", o.Net)
	}
	if h := o.Run.Health; h == nil || h.Retries != 4 || h.Test[0] != "/bin/sh" || o.Run.Restart.MaxRetries != 3 || o.Run.StopTimeout != 20 {
		t.Fatalf("run: %+v", o.Run)
	}
}

func TestConfigHashIgnoresReplicas(t *testing.T) {
	c := load(t, "services:\n  a:\n    image: busybox\n")
	s := c.Project.Services["a"]
	n := 3
	scaled := s
	scaled.Scale = &n
	if ConfigHash(s) != ConfigHash(scaled) {
		t.Fatal("scale changed the config hash")
	}
	s.Environment = map[string]*string{"X": &c.Project.Name}
	if ConfigHash(s) == ConfigHash(scaled) {
		t.Fatal("environment did not change the config hash")
	}
}

func TestOrder(t *testing.T) {
	c := load(t, "services:\n  web: {image: b, depends_on: [api]}\n  api: {image: b, depends_on: [db]}\n  db: {image: b}\n")
	if got := strings.Join(order(c.Project, []string{"web"}), ","); got != "db,api,web" {
		t.Fatalf("order: %s", got)
	}
}

// Contradicting or unknown choices are refused before anything is made:
// the Compose has no engine, so any work would panic.
func TestOptionsCheckedFirst(t *testing.T) {
	c := load(t, "services:\n  web: {image: busybox}\n")
	ctx := context.Background()
	for _, tc := range []struct {
		o    UpOptions
		want string
	}{
		{UpOptions{Scale: map[string]int{"nosuch": 2}}, "invalid --scale: no such service: nosuch"},
		{UpOptions{ForceRecreate: true, NoRecreate: true}, "--force-recreate and --no-recreate cannot be used together"},
		{UpOptions{Services: []string{"db"}}, "no such service: db: see `roost compose config --services`"},
	} {
		if err := c.Up(ctx, tc.o); err == nil || err.Error() != tc.want {
			t.Errorf("up %+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	if err := c.Down(ctx, DownOptions{RemoveImages: "some"}); err == nil || err.Error() != `invalid --rmi "some": use all or local` {
		t.Errorf("down --rmi some: %v", err)
	}
	if err := c.Logs(ctx, LogsOptions{Services: []string{"db"}}); err == nil || !strings.Contains(err.Error(), "no such service: db") {
		t.Errorf("logs db: %v", err)
	}
}
