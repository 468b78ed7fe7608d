package container

import (
	"testing"
	"time"
)

func TestPruneFilters(t *testing.T) {
	f, err := ParsePruneFilters([]string{"label=keep=yes", "label!=tmp", "until=1h"})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	cases := []struct {
		c    Container
		want bool
	}{
		{Container{Created: old, Labels: map[string]string{"keep": "yes"}}, true},
		{Container{Created: time.Now(), Labels: map[string]string{"keep": "yes"}}, false},
		{Container{Created: old, Labels: map[string]string{"keep": "no"}}, false},
		{Container{Created: old, Labels: map[string]string{"keep": "yes", "tmp": ""}}, false},
	}
	for i, tc := range cases {
		if got := f.match(&tc.c); got != tc.want {
			t.Errorf("case %d: got %v", i, got)
		}
	}
	for _, bad := range []string{"color=red", "label=", "until=soon", "until"} {
		if _, err := ParsePruneFilters([]string{bad}); err == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
}
