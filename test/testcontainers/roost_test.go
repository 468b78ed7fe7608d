// Package testcontainers runs testcontainers-go, a client Roost did not
// write, against Roost's Docker API service. test/e2e builds this test and
// runs it as the test user (TestAPITestcontainers); alone it skips.
package testcontainers

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

func TestGenericContainerWithWaitStrategies(t *testing.T) {
	image := os.Getenv("ROOST_TC_IMAGE")
	if image == "" {
		t.Skip("ROOST_TC_IMAGE is not set: run through test/e2e's TestAPITestcontainers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        image,
			Cmd:          []string{"sh", "-c", "echo index-from-roost > /tmp/index.html; echo ready to serve; exec httpd -f -p 8080 -h /tmp"},
			ExposedPorts: []string{"8080/tcp"},
			WaitingFor: wait.ForAll(
				wait.ForLog("ready to serve"),
				wait.ForListeningPort("8080/tcp"),
			).WithDeadline(time.Minute),
		},
		Started: true,
	})
	if err != nil {
		t.Fatalf("start the container: %v", err)
	}
	defer func() {
		if err := c.Terminate(context.Background()); err != nil {
			t.Errorf("terminate: %v", err)
		}
	}()
	host, err := c.Host(ctx)
	if err != nil {
		t.Fatal(err)
	}
	port, err := c.MappedPort(ctx, "8080/tcp")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + host + ":" + port.Port() + "/index.html")
	if err != nil {
		t.Fatalf("fetch from the mapped port: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if strings.TrimSpace(string(body)) != "index-from-roost" {
		t.Fatalf("the mapped port served %q", body)
	}
	logs, err := c.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(logs)
	if !strings.Contains(string(out), "ready to serve") {
		t.Fatalf("container logs: %q", out)
	}
}
