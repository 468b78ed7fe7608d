package state_test

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/network"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
	"github.com/roost-containers/roost/pods"
)

// The fixture's objects, as testdata/make-v1-db.sh made them with the
// release before schema versions (see testdata/README.md).
const (
	busyboxID = "4163f9797338155881737f689f6dec3cb9e535a649c0b4e9f16d915b17da410b"
	busybox   = "127.0.0.1:5000/busybox:latest"
	createdID = "dacb6a36971c42c226c7828f71a956eb796ceb0800825cebd10215e841a887a4"
	exitedID  = "d94ce52561540d9056238b7cc7d11b9ce1acb9c936ef133eb64cb5f900e8f666"
	memberID  = "07f84542a3fb516c1c08f052608f10baadf3aded31954238ab0f1fe882f12b07"
	infraID   = "4ac09015d4a458dd6a63ac122a118f90aecd325ce10cbca3aa531f30dea165e2"
	halfID    = "301bd388d45ce0ed748995104ccf7438703cd2990cf808023dd8ebf56b78e455"
	podID     = "eb1a44360ec4b1df831d3e74d3565e0d0e2e6679d62c125b80846a3cede2f131"
	fixnetID  = "8104fbe1de90f866a543f6bc68e0e6f2120b42deed313da4a12592fd8327c337"
)

// v1Database unpacks the fixture into a fresh directory.
func v1Database(t *testing.T) string {
	t.Helper()
	f, err := os.Open("testdata/v1-roost-state.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "roost-state.db")
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, z); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// everything is every record of the four kinds, decoded by their own types.
type everything struct {
	containers map[string]container.Container
	pods       []pods.Pod
	networks   map[string]network.Network
	volumes    []volume.Volume
	names      map[state.Kind]map[string]string // name -> id, through Lookup
}

func readEverything(t *testing.T, db *state.DB) everything {
	t.Helper()
	all := everything{containers: map[string]container.Container{}, networks: map[string]network.Network{}, names: map[state.Kind]map[string]string{}}
	err := db.View(func(tx *state.Tx) error {
		cs, err := state.List[container.Container](tx, state.Containers)
		if err != nil {
			return err
		}
		for _, c := range cs {
			all.containers[c.Name] = c
		}
		if all.pods, err = state.List[pods.Pod](tx, state.Pods); err != nil {
			return err
		}
		ns, err := state.List[network.Network](tx, state.Networks)
		if err != nil {
			return err
		}
		for _, n := range ns {
			all.networks[n.Name] = n
		}
		if all.volumes, err = state.List[volume.Volume](tx, state.Volumes); err != nil {
			return err
		}
		for kind, names := range map[state.Kind][]string{
			state.Containers: {"fix-created", "fix-exited", "fixpod-member", "eb1a44360ec4-infra", "fix-half"},
			state.Pods:       {"fixpod"},
			state.Networks:   {"roost", "fixnet"},
			state.Volumes:    {"fixvol"},
		} {
			all.names[kind] = map[string]string{}
			for _, n := range names {
				id, err := tx.Lookup(kind, n)
				if err != nil {
					return err
				}
				all.names[kind][n] = id
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the migrated database: %v", err)
	}
	return all
}

func TestPreviousReleaseDatabaseMigratesAndKeepsEverything(t *testing.T) {
	path := v1Database(t)
	db := state.Open(path)
	all := readEverything(t, db)

	if schema := state.StoredSchema(t, path); schema != "2" {
		t.Fatalf("schema after the first open: %q", schema)
	}
	checkContainers(t, all)
	checkPod(t, all)
	checkNetworks(t, all)
	if len(all.volumes) != 1 || all.volumes[0].Name != "fixvol" || all.volumes[0].Driver != "local" ||
		all.volumes[0].Labels["fixture"] != "v1" || all.volumes[0].Labels["keep"] != "yes" || all.names[state.Volumes]["fixvol"] != "fixvol" {
		t.Fatalf("volumes: %+v", all.volumes)
	}

	// A second open migrates nothing: the file is not written, and reads
	// the same.
	before := state.FileSum(t, path)
	again := readEverything(t, state.Open(path))
	if state.FileSum(t, path) != before {
		t.Fatal("the second open rewrote the database")
	}
	if len(again.containers) != len(all.containers) || again.containers["fix-created"].Name != "fix-created" {
		t.Fatalf("the second open reads differently: %+v", again.containers)
	}
}

func checkContainers(t *testing.T, all everything) {
	t.Helper()
	want := map[string]struct {
		id, role string
		status   container.Status
	}{
		"fix-created":        {createdID, "created", container.StatusCreated},
		"fix-exited":         {exitedID, "exited", container.StatusExited},
		"fixpod-member":      {memberID, "member", container.StatusCreated},
		"eb1a44360ec4-infra": {infraID, "", container.StatusCreated},
		"fix-half":           {halfID, "half", container.StatusCreating},
	}
	if len(all.containers) != len(want) {
		t.Fatalf("containers after migration: %d, want %d", len(all.containers), len(want))
	}
	for name, w := range want {
		c := all.containers[name]
		if c.ID != w.id || all.names[state.Containers][name] != w.id || c.State.Status != w.status {
			t.Fatalf("container %s: id %s (by name %s), status %s", name, c.ID, all.names[state.Containers][name], c.State.Status)
		}
		if w.role != "" && (c.Labels["fixture"] != "v1" || c.Labels["role"] != w.role || c.ImageID != busyboxID || c.ImageName != busybox) {
			t.Fatalf("container %s: labels %v, image %s %s", name, c.Labels, c.ImageName, c.ImageID)
		}
		// The half-made one's owner was killed: no owner, no lease, so
		// Reconcile takes it as orphaned. No other record keeps the
		// empty owners schema 1 wrote.
		if c.State.Owner != nil || c.State.Lease != "" {
			t.Fatalf("container %s keeps an owner: %+v %q", name, c.State.Owner, c.State.Lease)
		}
	}
	if c := all.containers["fix-exited"]; c.State.ExitCode != 3 || !slices.Equal(c.Command, []string{"sh", "-c", "exit 3"}) {
		t.Fatalf("fix-exited: exit %d, command %q", c.State.ExitCode, c.Command)
	}
	c := all.containers["fix-created"]
	if len(c.Net.Networks) != 1 || c.Net.Networks[0].Network != "fixnet" {
		t.Fatalf("fix-created networks: %+v", c.Net)
	}
	if len(c.Spec.Mounts) != 1 || c.Spec.Mounts[0].Source != "fixvol" || c.Spec.Mounts[0].Destination != "/data" {
		t.Fatalf("fix-created mounts: %+v", c.Spec.Mounts)
	}
}

func checkPod(t *testing.T, all everything) {
	t.Helper()
	if len(all.pods) != 1 {
		t.Fatalf("pods: %+v", all.pods)
	}
	p := all.pods[0]
	if p.ID != podID || p.Name != "fixpod" || all.names[state.Pods]["fixpod"] != podID || p.Infra != infraID ||
		p.Labels["fixture"] != "v1" || !slices.Equal(p.Share, []string{"ipc", "net", "uts"}) {
		t.Fatalf("pod: %+v", p)
	}
	member, infra := all.containers["fixpod-member"], all.containers["eb1a44360ec4-infra"]
	if member.Pod == nil || member.Pod.ID != podID || member.Pod.IsInfra {
		t.Fatalf("member's pod: %+v", member.Pod)
	}
	if infra.Pod == nil || infra.Pod.ID != podID || !infra.Pod.IsInfra {
		t.Fatalf("infra's pod: %+v", infra.Pod)
	}
	if !slices.Contains(member.DependsOn, infraID) {
		t.Fatalf("member depends on %v, not its infra", member.DependsOn)
	}
}

func checkNetworks(t *testing.T, all everything) {
	t.Helper()
	fix, def := all.networks["fixnet"], all.networks["roost"]
	if len(all.networks) != 2 || fix.ID != fixnetID || all.names[state.Networks]["fixnet"] != fixnetID ||
		len(fix.Subnets) != 1 || fix.Subnets[0].Subnet != "10.89.42.0/24" || fix.Subnets[0].Gateway != "10.89.42.1" ||
		fix.Interface != "roost1" || !fix.DNSEnabled || fix.Labels["fixture"] != "v1" {
		t.Fatalf("fixnet: %+v", fix)
	}
	if len(def.Subnets) != 1 || def.Subnets[0].Subnet != "10.88.0.0/16" || def.Interface != "roost0" {
		t.Fatalf("roost network: %+v", def)
	}
}
