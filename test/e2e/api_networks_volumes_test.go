package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestAPINetworksAndVolumesDockerCLI: Docker's CLI manages networks and
// volumes through the service, its containers find each other by name on
// a network and keep data in a named volume, and Roost's CLI sees it all.
func TestAPINetworksAndVolumesDockerCLI(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)

	// Networks.
	e.dockerOK(s, "network", "create", "--label", "app=demo", "appnet")
	if r := e.docker(s, "network", "create", "appnet"); r.Code == 0 || !strings.Contains(r.Stderr, "already exists") {
		t.Fatalf("a second network create of one name: %s", r)
	}
	if out := e.roostLine("network", "inspect", "--format", "{{.Name}}", "appnet"); out != "appnet" {
		t.Fatalf("roost does not see appnet: %q", out)
	}
	if ls := e.dockerOK(s, "network", "ls", "--filter", "label=app=demo", "--format", "{{.Name}}"); ls != "appnet\n" {
		t.Fatalf("docker network ls --filter label printed %q", ls)
	}
	var nets []struct {
		Name   string
		Driver string
		Labels map[string]string
		IPAM   struct{ Config []struct{ Subnet string } }
	}
	if err := json.Unmarshal([]byte(e.dockerOK(s, "network", "inspect", "appnet")), &nets); err != nil || len(nets) != 1 {
		t.Fatalf("docker network inspect: %v", err)
	}
	if n := nets[0]; n.Name != "appnet" || n.Driver != "bridge" || n.Labels["app"] != "demo" || len(n.IPAM.Config) == 0 || n.IPAM.Config[0].Subnet == "" {
		t.Fatalf("docker network inspect appnet: %+v", n)
	}

	// Two containers on it: one finds the other by name.
	e.dockerOK(s, "run", "-d", "--name", "server", "--hostname", "server", "--network", "appnet", busybox, "httpd", "-f", "-p", "80", "-h", "/etc")
	eventually(t, secs(15), func() error {
		if r := e.docker(s, "run", "--rm", "--network", "appnet", busybox, "wget", "-qO-", "http://server/hostname"); r.Code != 0 || r.Stdout != "server\n" {
			return fmt.Errorf("fetch from server by name on appnet: %s", r)
		}
		return nil
	})
	// connect and disconnect.
	e.dockerOK(s, "network", "create", "othernet")
	e.dockerOK(s, "network", "connect", "othernet", "server")
	if nets := e.roostLine("inspect", "--format", "{{len .NetworkSettings.Networks}}", "server"); nets != "2" {
		t.Fatalf("after docker network connect, server is on %s networks", nets)
	}
	e.dockerOK(s, "network", "disconnect", "othernet", "server")
	if nets := e.roostLine("inspect", "--format", "{{len .NetworkSettings.Networks}}", "server"); nets != "1" {
		t.Fatalf("after docker network disconnect, server is on %s networks", nets)
	}
	if r := e.docker(s, "network", "rm", "appnet"); r.Code == 0 {
		t.Fatalf("docker network rm of a network in use succeeded: %s", r)
	}
	e.dockerOK(s, "rm", "-f", "server")
	e.dockerOK(s, "network", "rm", "appnet", "othernet")
	if out := e.roostOK("network", "ls", "--format", "{{.Name}}"); strings.Contains(out, "appnet") || strings.Contains(out, "othernet") {
		t.Fatalf("networks left after docker network rm: %q", out)
	}

	// Volumes: data kept across containers.
	e.dockerOK(s, "volume", "create", "--label", "app=demo", "data")
	e.dockerOK(s, "run", "--rm", "-v", "data:/data", busybox, "sh", "-c", "echo kept > /data/file")
	if out := e.dockerOK(s, "run", "--rm", "-v", "data:/data", busybox, "cat", "/data/file"); out != "kept\n" {
		t.Fatalf("the volume did not keep the data: %q", out)
	}
	if out := e.roostLine("volume", "inspect", "--format", "{{.Name}} {{index .Labels \"app\"}}", "data"); out != "data demo" {
		t.Fatalf("roost volume inspect data: %q", out)
	}
	if ls := e.dockerOK(s, "volume", "ls", "--filter", "label=app=demo", "--format", "{{.Name}}"); ls != "data\n" {
		t.Fatalf("docker volume ls --filter label printed %q", ls)
	}
	e.dockerOK(s, "run", "-d", "--name", "user", "-v", "data:/data", busybox, "sleep", "300")
	if r := e.docker(s, "volume", "rm", "data"); r.Code == 0 || !strings.Contains(r.Stderr, "is being used") {
		t.Fatalf("docker volume rm of a volume in use: %s", r)
	}
	e.dockerOK(s, "rm", "-f", "user")
	e.dockerOK(s, "volume", "rm", "data")
	if out := e.roostOK("volume", "ls", "-q"); out != "" {
		t.Fatalf("volumes left: %q", out)
	}
	if r := e.docker(s, "volume", "inspect", "data"); r.Code == 0 || !strings.Contains(r.Stderr, "no such volume") && !strings.Contains(r.Stderr, "No such volume") {
		t.Fatalf("docker volume inspect of a removed volume: %s", r)
	}
}
