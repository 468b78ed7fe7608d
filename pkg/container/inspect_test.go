package container

import (
	"strings"
	"testing"
)

func TestSignalNumber(t *testing.T) {
	for _, c := range []struct {
		own, image string
		want       uint
	}{{"", "", 15}, {"SIGINT", "", 2}, {"", "KILL", 9}, {"usr1", "SIGINT", 10}, {"3", "", 3}, {"SIGNOPE", "", 15}} {
		if got := signalNumber(c.own, c.image); got != c.want {
			t.Errorf("signalNumber(%q, %q) = %d, want %d", c.own, c.image, got, c.want)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	got := strings.Join(mergeEnv([]string{"PATH=/bin", "A=1"}, []string{"A=2", "B=3"}), " ")
	if got != "PATH=/bin A=2 B=3" {
		t.Errorf("mergeEnv: %s", got)
	}
}

func TestPortBindingsDockerShape(t *testing.T) {
	got := portBindings([]PortMapping{{HostPort: 8080, ContainerPort: 80}, {HostIP: "127.0.0.1", HostPort: 8081, ContainerPort: 80}, {HostPort: 53, ContainerPort: 53, Protocol: "udp"}})
	if len(got) != 2 || len(got["80/tcp"]) != 2 || got["80/tcp"][1].HostIP != "127.0.0.1" || got["53/udp"][0].HostPort != "53" {
		t.Errorf("portBindings: %+v", got)
	}
}
