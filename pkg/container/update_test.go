package container

import (
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The new limits replace the bundle's sections they set; the device rules,
// which only the bundle has, stay.
func TestOverlayResourcesKeepsDeviceRules(t *testing.T) {
	oldLimit, newLimit, pids := int64(1<<20), int64(2<<20), int64(50)
	sp := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: &oldLimit},
		Pids:    &specs.LinuxPids{Limit: &pids},
	}}}
	got := overlayResources(sp, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &newLimit}})
	if len(got.Devices) != 1 || *got.Memory.Limit != newLimit || got.Pids == nil || *got.Pids.Limit != 50 {
		t.Fatalf("overlay: %+v", got)
	}
	if *sp.Linux.Resources.Memory.Limit != oldLimit {
		t.Fatalf("overlay changed the bundle it read")
	}
	if got := overlayResources(nil, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &pids}}); got.Pids == nil {
		t.Fatalf("overlay without a bundle: %+v", got)
	}
}

func TestWriteSpecRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	limit := int64(3 << 20)
	if err := writeSpec(path, &specs.Spec{Version: "1.0.2", Linux: &specs.Linux{Resources: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}}}); err != nil {
		t.Fatal(err)
	}
	sp, err := readSpec(path)
	if err != nil || *sp.Linux.Resources.Memory.Limit != limit {
		t.Fatalf("read back: %+v %v", sp, err)
	}
}
