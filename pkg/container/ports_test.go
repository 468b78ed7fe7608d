package container

import "testing"

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
