package top

import (
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/proc"
)

func TestDescriptors(t *testing.T) {
	got, err := Descriptors([]string{"pid,comm", "%U", "huser"})
	if err != nil || strings.Join(got, " ") != "pid comm user huser" {
		t.Fatalf("got %v %v", got, err)
	}
	if got, _ := Descriptors(nil); strings.Join(got, " ") != "user pid ppid pcpu etime tty time args" {
		t.Fatalf("default: %v", got)
	}
	if _, err := Descriptors([]string{"-eo"}); err == nil || !strings.Contains(err.Error(), `unknown top descriptor "-eo"`) {
		t.Fatalf("unknown descriptor: %v", err)
	}
}

func TestTTYName(t *testing.T) {
	for nr, want := range map[uint64]string{0: "?", 136 << 8: "pts/0", 136<<8 | 5: "pts/5", 4<<8 | 1: "tty1", 5 << 8: "?"} {
		if got := ttyName(nr); got != want {
			t.Errorf("ttyName(%#x) = %q, want %q", nr, got, want)
		}
	}
}

func TestInContainerMapsNestedUserNamespaces(t *testing.T) {
	m := proc.IDMap{{0, 1000, 1}, {1, 1, 999}}
	if inContainer(1000, m) != 0 || inContainer(5, m) != 5 || inContainer(5000, m) != 65534 || inContainer(7, nil) != 7 {
		t.Fatal("id mapping from Roost's namespace into the container's")
	}
}
