package pods

import (
	"slices"
	"testing"

	"github.com/roost-containers/roost/pkg/container"
)

func TestParseShare(t *testing.T) {
	for in, want := range map[string][]string{
		"net":         {"net"},
		"pid,net,ipc": {"ipc", "net", "pid"},
		"+pid":        {"ipc", "net", "pid", "uts"},
		"none":        {},
		"cgroup,uts":  {"uts"},
	} {
		got, err := ParseShare(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseShare(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseShare("net,mnt"); err == nil {
		t.Error("mnt cannot be shared")
	}
}

func TestStatus(t *testing.T) {
	ctr := func(s container.Status) container.Container {
		return container.Container{State: container.State{Status: s}}
	}
	run, exited, created := ctr(container.StatusRunning), ctr(container.StatusExited), ctr(container.StatusCreated)
	for _, c := range []struct {
		list []container.Container
		want string
	}{
		{nil, StatusCreated},
		{[]container.Container{created}, StatusCreated},
		{[]container.Container{run, run}, StatusRunning},
		{[]container.Container{run, created}, StatusRunning},
		{[]container.Container{run, exited}, StatusDegraded},
		{[]container.Container{exited, exited}, StatusExited},
		{[]container.Container{exited, created}, StatusExited},
	} {
		if got := Status(c.list); got != c.want {
			t.Errorf("Status(%v) = %s, want %s", c.list, got, c.want)
		}
	}
}
