package container

import (
	"reflect"
	"testing"
)

func TestParsePorts(t *testing.T) {
	good := map[string][]PortMapping{
		"80":                {{ContainerPort: 80, Protocol: "tcp"}},
		"8080:80":           {{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		"127.0.0.1:8080:80": {{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		"127.0.0.1::80/udp": {{HostIP: "127.0.0.1", ContainerPort: 80, Protocol: "udp"}},
		"[::1]:8080:80":     {{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		"9000-9001:90-91":   {{HostPort: 9000, ContainerPort: 90, Protocol: "tcp"}, {HostPort: 9001, ContainerPort: 91, Protocol: "tcp"}},
	}
	for in, want := range good {
		got, err := ParsePorts([]string{in})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "70000", "80/sctp", "1:2:3:4", "x:80", "9000-9002:90-91", "91-90", "nonsense:8080:80"} {
		if _, err := ParsePorts([]string{bad}); err == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
}

func TestCompletePortsPublishAll(t *testing.T) {
	ports, err := completePorts([]PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}, true,
		map[string]struct{}{"80/tcp": {}, "53/udp": {}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 2 || ports[0].HostPort != 8080 || ports[1].ContainerPort != 53 || ports[1].HostPort == 0 {
		t.Fatalf("-P should add 53/udp on a free port and keep 8080:80: %v", ports)
	}
}

func TestPortMappingLines(t *testing.T) {
	p := PortMapping{HostPort: 8080, ContainerPort: 80}
	if p.String() != "80/tcp -> 0.0.0.0:8080" {
		t.Fatalf("got %q", p.String())
	}
	p6 := PortMapping{HostIP: "::1", HostPort: 53, ContainerPort: 53, Protocol: "udp"}
	if p6.String() != "53/udp -> [::1]:53" {
		t.Fatalf("got %q", p6.String())
	}
	f, err := ParsePortFilter("53/udp")
	if err != nil || !f.Match(p6) || f.Match(p) {
		t.Fatalf("filter 53/udp: %+v %v", f, err)
	}
	if f, err := ParsePortFilter("80"); err != nil || !f.Match(p) {
		t.Fatalf("filter 80 defaults to tcp: %+v %v", f, err)
	}
	for _, bad := range []string{"", "0", "http", "80/xyz", "70000"} {
		if _, err := ParsePortFilter(bad); err == nil {
			t.Errorf("ParsePortFilter(%q) should fail", bad)
		}
	}
}
