package container

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/spec"
)

func TestAddImageVolumes(t *testing.T) {
	var o CreateOptions
	o.Spec.Image.Volumes = map[string]struct{}{"/data/": {}, "/logs": {}, "relative": {}}
	o.Spec.Mounts = []spec.Mount{{Type: spec.TypeVolume, Source: "mine", Destination: "/data"}}
	addImageVolumes(&o)
	if len(o.Spec.Mounts) != 2 || o.Spec.Mounts[1].Destination != "/logs" || o.Spec.Mounts[1].Source != "" || o.Spec.Mounts[1].Type != spec.TypeVolume {
		t.Fatalf("mounts: %+v", o.Spec.Mounts)
	}
}

func TestProcessOwner(t *testing.T) {
	sp := &specs.Spec{Process: &specs.Process{User: specs.User{UID: 1001, GID: 1001}}}
	if o := processOwner(sp); o.UID != 1001 || o.GID != 1001 {
		t.Fatalf("without mappings: %+v", o)
	}
	// keep-id for a user 1500 with 65536 subordinate ids: 1500 inside is 0
	// in Roost's namespace, 0..1499 are 1..1500, and 1501.. follow.
	maps := []specs.LinuxIDMapping{
		{ContainerID: 0, HostID: 1, Size: 1500},
		{ContainerID: 1500, HostID: 0, Size: 1},
		{ContainerID: 1501, HostID: 1501, Size: 64035},
	}
	sp.Linux = &specs.Linux{UIDMappings: maps, GIDMappings: maps}
	for in, want := range map[uint32]int{1500: 0, 0: 1, 1001: 1002, 2000: 2000} {
		sp.Process.User.UID = in
		if o := processOwner(sp); o.UID != want {
			t.Errorf("keep-id uid %d: %d, want %d", in, o.UID, want)
		}
	}
}
