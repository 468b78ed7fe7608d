package config

import (
	"strings"
	"testing"
	"time"
)

func TestReadIdleGrace(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"", DefaultNetworkIdleGrace, false},
		{"0", 0, false},
		{"90s", 90 * time.Second, false},
		{"1m30s", 90 * time.Second, false},
		{"soon", 0, true},
		{"-5s", 0, true},
		{"30", 0, true}, // a bare number has no unit: refused rather than guessed
	} {
		c := &Config{NetworkIdleGrace: DefaultNetworkIdleGrace}
		c.Conf.Network.IdleGrace = tc.in
		err := c.readIdleGrace("roost.conf")
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "idle_grace") {
				t.Errorf("%q: want an error naming idle_grace, got %v", tc.in, err)
			}
			continue
		}
		if err != nil || c.NetworkIdleGrace != tc.want {
			t.Errorf("%q: got %v, %v; want %v", tc.in, c.NetworkIdleGrace, err, tc.want)
		}
	}
}
