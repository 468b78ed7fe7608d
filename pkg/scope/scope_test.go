package scope

import (
	"strings"
	"testing"
)

func TestMapUID(t *testing.T) {
	// Roost's namespace: the user is 0 inside, its subordinate range follows.
	m := "         0       1500          1\n         1     100000      65536\n"
	for _, c := range []struct{ in, out int }{{0, 1500}, {1, 100000}, {65536, 165535}} {
		got, err := mapUID(strings.NewReader(m), c.in)
		if err != nil || got != c.out {
			t.Errorf("mapUID(%d) = %d, %v; want %d", c.in, got, err, c.out)
		}
	}
	if _, err := mapUID(strings.NewReader(m), 65537); err == nil {
		t.Errorf("an unmapped uid should be an error")
	}
}

func TestMoveWithoutAManagerDoesNothing(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if err := Move("test", "nothing", 1); err != nil {
		t.Fatalf("without a user manager Move should do nothing: %v", err)
	}
}
