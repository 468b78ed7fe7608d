package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// A .kube Quadlet file plays its YAML when the unit starts and removes
// the pods when it stops.
func TestSystemdQuadletKube(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.installGenerator()
	s.roostOK("pull", "-q", busybox)
	port := freePort(t)
	e.writeFile(".config/roost/systemd/web.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: qkube
spec:
  containers:
  - name: srv
    image: `+busybox+`
    command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
`)
	e.writeFile(".config/roost/systemd/web.kube", fmt.Sprintf("[Kube]\nYaml=web.yaml\nPublishPort=%d:8080\n", port))
	if list := s.roostOK("quadlet", "list", "--format", "{{.Name}} {{.Unit}} {{.Status}}"); !strings.Contains(list, "web.kube web.service ok") {
		t.Fatalf("quadlet list:\n%s", list)
	}
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "web.service")
	s.runningContainer("qkube-srv")
	hostnameEventually(t, port, "qkube")
	s.systemctlOK("stop", "web.service")
	if out := s.roostOK("pod", "ps", "-q"); out != "" {
		t.Fatalf("stopping the unit should remove the pod: %q\n%s", out, s.journal())
	}
}
