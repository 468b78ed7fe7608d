package compose

import (
	"testing"
	"time"

	"github.com/roost-containers/roost/pkg/container"
)

func TestPsRows(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	ct := func(name, service string, st container.Status, cmd ...string) container.Container {
		return container.Container{
			ID: name + "0123456789abcdef", Name: name, ImageName: "busybox", Command: cmd, Created: now.Add(-time.Hour),
			Labels: map[string]string{LabelService: service, LabelProject: "p"},
			State:  container.State{Status: st, StartedAt: now.Add(-2 * time.Minute), FinishedAt: now.Add(-time.Minute), ExitCode: 2},
		}
	}
	web := ct("p-web-1", "web", container.StatusRunning, "httpd", "-f", "-p", "80", "-h", "/www")
	web.Ports = []container.PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostPort: 53, ContainerPort: 53, Protocol: "udp"}}
	list := []container.Container{web, ct("p-db-1", "db", container.StatusExited, "true"), ct("p-job-1", "job", container.StatusExited, "true")}

	rows := psRows(list, []string{"web", "db"}, "", now)
	if len(rows) != 2 || rows[0].Name != "p-web-1" || rows[1].Name != "p-db-1" {
		t.Fatalf("services web and db: %+v", rows)
	}
	w := rows[0]
	if w.ID != "p-web-101234" || w.Command != `"httpd -f -p 80 -h..."` || w.State != "running" || w.Service != "web" || w.Project != "p" {
		t.Fatalf("web's row: %+v", w)
	}
	if w.Ports != "127.0.0.1:8080->80/tcp, 0.0.0.0:53->53/udp" || w.Status != "Up 2 minutes" || w.Created != "About an hour ago" {
		t.Fatalf("web's ports/status/created: %q %q %q", w.Ports, w.Status, w.Created)
	}
	if d := rows[1]; d.Status != "Exited (2) About a minute ago" || d.ExitCode != 2 || d.Command != `"true"` {
		t.Fatalf("db's row: %+v", d)
	}
	if rows := psRows(list, []string{"web", "db", "job"}, "exited", now); len(rows) != 2 || rows[0].Name != "p-db-1" || rows[1].Name != "p-job-1" {
		t.Fatalf("status=exited: %+v", rows)
	}
	if rows := psRows(list, []string{"web"}, "exited", now); len(rows) != 0 {
		t.Fatalf("status=exited of web: %+v", rows)
	}
	list[0].State.Paused = true
	if rows := psRows(list, []string{"web"}, "paused", now); len(rows) != 1 || rows[0].State != "paused" || rows[0].Status != "Paused" {
		t.Fatalf("status=paused: %+v", rows)
	}
}
