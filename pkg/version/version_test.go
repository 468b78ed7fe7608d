package version

import "testing"

func TestBuiltAt(t *testing.T) {
	for in, want := range map[string]int64{
		"2026-12-02T15:56:42Z": 1796227002, "1796227002": 1796227002, "": 0, "yesterday": 0,
	} {
		if got := builtAt(in); got != want {
			t.Errorf("%q: got %d, want %d", in, got, want)
		}
	}
}
