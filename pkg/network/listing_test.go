package network

import (
	"encoding/json"
	"strings"
	"testing"
	"text/template"
	"time"
)

// inspect's JSON keeps Podman's keys and order, labels always, no leases.
func TestInspectJSON(t *testing.T) {
	n := &Network{Name: "blue", ID: "abc", Driver: "bridge", Interface: "roost1", Created: time.Unix(0, 0).UTC(),
		Subnets: []Subnet{{Subnet: "10.91.0.0/24", Gateway: "10.91.0.1"}}, DNSEnabled: true,
		Leases: map[string]Lease{"10.91.0.2": {Container: "c"}}}
	b, err := json.Marshal(NewInspect(n))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"blue","id":"abc","driver":"bridge","network_interface":"roost1","created":"1970-01-01T00:00:00Z",` +
		`"subnets":[{"subnet":"10.91.0.0/24","gateway":"10.91.0.1"}],"ipv6_enabled":false,"internal":false,"dns_enabled":true,` +
		`"labels":{},"ipam_options":{"driver":"host-local"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if l := NewListing(&Network{ID: "0123456789abcdef", Labels: map[string]string{"b": "2", "a": "1"}}); l.ID != "0123456789ab" || l.Labels != "a=1,b=2" {
		t.Errorf("listing: %+v", l)
	}
	// Templates see the outer labels and the record's own fields.
	var b2 strings.Builder
	tmpl := template.Must(template.New("").Parse(`{{.Name}} {{index .Labels "from"}} {{len .Labels}} {{.Driver}}`))
	if err := tmpl.Execute(&b2, NewInspect(&Network{Name: "q", Driver: "bridge", Labels: map[string]string{"from": "quadlet"}})); err != nil || b2.String() != "q quadlet 1 bridge" {
		t.Errorf("template: %q %v", b2.String(), err)
	}
}
