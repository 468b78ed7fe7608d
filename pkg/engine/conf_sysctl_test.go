package engine

import (
	"testing"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/spec"
)

// default_sysctls go under --sysctl; net.* only with a network namespace
// the container may tune.
func TestApplySysctlDefaults(t *testing.T) {
	conf := []string{"net.ipv4.ping_group_range=0 0", "kernel.shm_rmid_forced=1"}
	s := spec.Options{Sysctls: map[string]string{"kernel.shm_rmid_forced": "0"}}
	if err := applySysctlDefaults(conf, true, &s); err != nil {
		t.Fatal(err)
	}
	if s.Sysctls["net.ipv4.ping_group_range"] != "0 0" || s.Sysctls["kernel.shm_rmid_forced"] != "0" {
		t.Errorf("own netns: got %v, want the file's net key and the flag's kernel key", s.Sysctls)
	}
	s = spec.Options{}
	if err := applySysctlDefaults(conf, false, &s); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Sysctls["net.ipv4.ping_group_range"]; ok || s.Sysctls["kernel.shm_rmid_forced"] != "1" {
		t.Errorf("shared netns: got %v, want only the kernel key", s.Sysctls)
	}
	if err := applySysctlDefaults([]string{"vm.swappiness=1"}, true, &spec.Options{}); err == nil {
		t.Error("a sysctl outside the container's namespaces was accepted")
	}
}

func TestOwnNetNS(t *testing.T) {
	for _, c := range []struct {
		mode, pod, userns string
		want              bool
	}{
		{container.NetBridge, "", "", true},
		{container.NetSlirp, "", "host", true},
		{container.NetHost, "", "", false},
		{container.NetContainer, "", "", false},
		{container.NetBridge, "mypod", "", false},
		{container.NetBridge, "", "keep-id", false},
	} {
		r := CreateRequest{Pod: c.pod}
		r.Options.Net.Mode = c.mode
		r.Options.Spec.Namespaces.UserNS = c.userns
		if got := ownNetNS(&r); got != c.want {
			t.Errorf("ownNetNS(mode %s, pod %q, userns %q) = %v, want %v", c.mode, c.pod, c.userns, got, c.want)
		}
	}
}
