package network

import (
	"path/filepath"
	"testing"

	"github.com/roost-containers/roost/pkg/state"
)

func TestLeaseAndRelease(t *testing.T) {
	m := &Manager{DB: state.Open(filepath.Join(t.TempDir(), "db")), RunDir: t.TempDir()}
	n, err := m.Create(CreateOptions{Name: "n", Subnet: "10.50.0.0/29", IPRange: "10.50.0.0/30"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id, want string) (string, error) {
		var ip string
		err := m.DB.Update(func(tx *state.Tx) error {
			cur, err := m.get(tx, n.Name)
			if err != nil {
				return err
			}
			got, err := lease(tx, cur, id, want, []string{id})
			if err == nil {
				ip = got.String()
			}
			return err
		})
		return ip, err
	}
	// The range 10.50.0.0/30 minus network address and gateway leaves .2 and .3.
	if ip, err := get("a", ""); err != nil || ip != "10.50.0.2" {
		t.Fatalf("first lease: %s %v", ip, err)
	}
	if ip, err := get("a", ""); err != nil || ip != "10.50.0.2" {
		t.Fatalf("a second ask of the same container keeps its address: %s %v", ip, err)
	}
	if ip, err := get("b", ""); err != nil || ip != "10.50.0.3" {
		t.Fatalf("second lease: %s %v", ip, err)
	}
	if _, err := get("c", ""); err == nil {
		t.Fatal("the range is full: want an error")
	}
	if _, err := get("c", "10.50.0.2"); err == nil {
		t.Fatal("--ip of a taken address: want an error")
	}
	if _, err := get("c", "10.50.0.1"); err == nil {
		t.Fatal("--ip of the gateway: want an error")
	}
	m.releaseLease("n", "a")
	if ip, err := get("c", ""); err != nil || ip != "10.50.0.2" {
		t.Fatalf("a released address is handed out again: %s %v", ip, err)
	}
}

// TestLeasesGoRoundTheRange: the next lease starts after the last one, so
// a container that leaves and comes back gets a new address while others
// are free, and the search wraps around to the start of the range.
func TestLeasesGoRoundTheRange(t *testing.T) {
	m := &Manager{DB: state.Open(filepath.Join(t.TempDir(), "db")), RunDir: t.TempDir()}
	n, err := m.Create(CreateOptions{Name: "n", Subnet: "10.60.0.0/29"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) string {
		var ip string
		if err := m.DB.Update(func(tx *state.Tx) error {
			cur, err := m.get(tx, n.Name)
			if err != nil {
				return err
			}
			got, err := lease(tx, cur, id, "", nil)
			ip = got.String()
			return err
		}); err != nil {
			t.Fatalf("lease for %s: %v", id, err)
		}
		return ip
	}
	// Hosts .2 to .6 (.1 is the gateway, .7 broadcast).
	if ip := get("a"); ip != "10.60.0.2" {
		t.Fatalf("first lease %s", ip)
	}
	m.releaseLease("n", "a")
	if ip := get("a"); ip != "10.60.0.3" {
		t.Fatalf("a reconnect got %s, want the next address .3", ip)
	}
	for _, id := range []string{"b", "c", "d"} {
		get(id) // .4 .5 .6
	}
	if ip := get("e"); ip != "10.60.0.2" {
		t.Fatalf("after .6 the search wraps to %s, want .2", ip)
	}
}

func TestChooseSubnet(t *testing.T) {
	m := &Manager{DB: state.Open(filepath.Join(t.TempDir(), "db")), RunDir: t.TempDir()}
	a, err := m.Create(CreateOptions{Name: "a"})
	if err != nil || a.Subnets[0].Subnet != "10.89.0.0/24" || a.Subnets[0].Gateway != "10.89.0.1" || a.Interface != "roost1" {
		t.Fatalf("first network: %+v %v", a, err)
	}
	b, err := m.Create(CreateOptions{Name: "b"})
	if err != nil || b.Subnets[0].Subnet != "10.89.1.0/24" || b.Interface != "roost2" {
		t.Fatalf("second network: %+v %v", b, err)
	}
	for _, o := range []CreateOptions{
		{Name: "a"},
		{Name: "c", Subnet: "10.88.5.0/24"}, // inside the default network
		{Name: "c", Subnet: "10.60.0.0/24", Gateway: "10.61.0.1"},
		{Name: "c", Gateway: "10.60.0.1"},
		{Name: "c", Driver: "macvlan"},
		{Name: "-bad"},
	} {
		if _, err := m.Create(o); err == nil {
			t.Errorf("%+v should be refused", o)
		}
	}
}
