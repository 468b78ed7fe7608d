// Package network is Roost's rootless networking: one network namespace per
// user holding a Linux bridge per network, egress through one slirp4netns or
// pasta for the whole namespace, a veth per container, persistent IPAM in the
// state database, and the records the DNS responder serves.
package network

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/state"
)

// The default network. It bears Podman's name, so that `alias podman=roost`
// scripts and containers.conf (default_network = "podman") find it; Roost
// named it "roost" before, which stays one of its names (DefaultAliases) and
// in its id and bridge, so existing state keeps working.
const (
	DefaultName   = "podman"
	DefaultBridge = "roost0"
	DefaultSubnet = "10.88.0.0/16"
	MTU           = 65520
	legacyName    = "roost"
)

// DefaultAliases are other names of the default network: Roost's earlier
// one ("roost") and Docker's ("bridge"), so that `--network roost` and
// `network inspect bridge` work as users of either expect. No user network
// may take them.
var DefaultAliases = []string{legacyName, "bridge"}

// defaultID is the default network's id: derived from its first name, so
// a record saved before the rename is still found.
var defaultID = func() string {
	sum := sha256.Sum256([]byte(legacyName))
	return hex.EncodeToString(sum[:])
}()

// IsDefault says whether name names the default network.
func IsDefault(name string) bool {
	return name == DefaultName || slices.Contains(DefaultAliases, name)
}

// Canonical is the name a network reference is recorded under: the default
// network's current name for any of its names, else the name itself. Older
// container records name the default network "roost".
func Canonical(name string) string {
	if IsDefault(name) {
		return DefaultName
	}
	return name
}

// Network is one network's record in the state database.
type Network struct {
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Driver     string            `json:"driver"`
	Interface  string            `json:"network_interface"`
	Created    time.Time         `json:"created"`
	Subnets    []Subnet          `json:"subnets"`
	IPv6       bool              `json:"ipv6_enabled"`
	Internal   bool              `json:"internal"`
	DNSEnabled bool              `json:"dns_enabled"`
	Labels     map[string]string `json:"labels,omitempty"`
	// Leases maps an allocated address to the container holding it.
	Leases map[string]Lease `json:"leases,omitempty"`
	// LastLease is the address handed out last: the next lease starts
	// after it (and wraps around), as Podman's IPAM does, so an address
	// just freed is not given again at once to someone else.
	LastLease string `json:"lastLease,omitempty"`
}

// Lease is one address held by a running container, with the names the DNS
// responder answers for it (container name, short id, aliases).
type Lease struct {
	Container string   `json:"container"`
	Names     []string `json:"names,omitempty"`
}

// Subnet is one address range of a network.
type Subnet struct {
	Subnet     string      `json:"subnet"`
	Gateway    string      `json:"gateway"`
	LeaseRange *LeaseRange `json:"lease_range,omitempty"`
}

// LeaseRange is --ip-range: the part of the subnet IPAM hands out.
type LeaseRange struct {
	StartIP string `json:"start_ip"`
	EndIP   string `json:"end_ip"`
}

// Manager does network work for one user.
type Manager struct {
	DB      *state.DB
	RunDir  string // config.RunDir
	Backend string // slirp4netns (default) or pasta
	// Rootless: the shared namespace and its egress helper exist only for a
	// rootless user; root's containers use the same bridges in a namespace
	// of their own too, which keeps one code path.
	Rootless bool
	Events   events.Options // where create and remove are recorded
	// DefaultSubnet is containers.conf's [network] default_subnet: the
	// default network's range instead of DefaultSubnet. It takes effect
	// while no container holds an address there.
	DefaultSubnet string
	// IdleGrace is how long the shared namespace and its helpers outlive
	// their last member (idle.go); 0 tears them down with it.
	IdleGrace time.Duration
	// Self runs Roost with the command's global flags (the monitor's exit
	// command): how the idle reaper is started. Without it there is no grace.
	Self []string
}

// SharedNetNS is the user's network namespace holding the bridges.
func (m *Manager) SharedNetNS() string { return filepath.Join(m.RunDir, "netns", "roost") }

// ContainerNetNS is a container's own network namespace file.
func (m *Manager) ContainerNetNS(id string) string { return filepath.Join(m.RunDir, "netns", id) }

func (m *Manager) lockDir() string { return filepath.Join(m.RunDir, "locks") }

// lock serialises changes to the shared namespace (creation, teardown).
func (m *Manager) lock() (*state.Lock, error) {
	// No request context reaches the network paths yet (their callers
	// take none): the wait cannot be cancelled.
	return state.LockObject(context.TODO(), m.lockDir(), "network")
}

// defaultNetwork is the built-in network's record before it is first saved.
func (m *Manager) defaultNetwork() *Network {
	return &Network{
		Name: DefaultName, ID: defaultID, Driver: "bridge",
		Interface: DefaultBridge, Created: time.Now().UTC(),
		Subnets: []Subnet{m.defaultSubnet()},
	}
}

// defaultSubnet is the default network's range: default_subnet when it is
// a valid IPv4 network (CheckDefaultSubnet says why not), else DefaultSubnet.
func (m *Manager) defaultSubnet() Subnet {
	_, sn, _ := net.ParseCIDR(DefaultSubnet)
	if CheckDefaultSubnet(m.DefaultSubnet) == nil && m.DefaultSubnet != "" {
		_, sn, _ = net.ParseCIDR(m.DefaultSubnet)
	}
	return Subnet{Subnet: sn.String(), Gateway: firstHost(sn).String()}
}

// CheckDefaultSubnet checks containers.conf's default_subnet.
func CheckDefaultSubnet(v string) error {
	if v == "" {
		return nil
	}
	_, sn, err := net.ParseCIDR(v)
	if err != nil || sn.IP.To4() == nil {
		return fmt.Errorf("containers.conf: invalid default_subnet %q: give an IPv4 network such as 10.88.0.0/16", v)
	}
	if ones, _ := sn.Mask.Size(); ones > 30 {
		return fmt.Errorf("containers.conf: invalid default_subnet %q: it must hold at least two addresses (/30 or larger)", v)
	}
	return nil
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ValidName checks a network name as Podman does.
func ValidName(name string) error {
	if !validName.MatchString(name) || len(name) > 200 {
		return fmt.Errorf("invalid network name %q: use letters, digits, _ . and -, starting with a letter or digit", name)
	}
	return nil
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("network id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
