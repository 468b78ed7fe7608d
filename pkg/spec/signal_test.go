package spec

import (
	"syscall"
	"testing"
)

func TestParseSignal(t *testing.T) {
	cases := []struct {
		in   string
		want syscall.Signal
		err  string
	}{
		{"SIGTERM", syscall.SIGTERM, ""},
		{"TERM", syscall.SIGTERM, ""},
		{"term", syscall.SIGTERM, ""},
		{" sigkill ", syscall.SIGKILL, ""},
		{"KILL", syscall.SIGKILL, ""},
		{"15", syscall.SIGTERM, ""},
		{"9", syscall.SIGKILL, ""},
		{"HUP", syscall.SIGHUP, ""},
		{"SIGUSR1", syscall.SIGUSR1, ""},
		{"WINCH", syscall.SIGWINCH, ""},
		{"CLD", syscall.SIGCHLD, ""},
		{"RTMIN", 34, ""},
		{"SIGRTMIN+3", 37, ""},
		{"RTMAX-1", 63, ""},
		{"64", 64, ""},
		{"", 0, "empty"},
		{"0", 0, "numbers go from 1 to 64"},
		{"65", 0, "numbers go from 1 to 64"},
		{"-9", 0, "numbers go from 1"},
		{"SIGFOO", 0, `invalid signal "SIGFOO": unknown name`},
		{"RTMIN+40", 0, "unknown name"},
	}
	for _, c := range cases {
		got, err := ParseSignal(c.in)
		if c.err != "" {
			wantErr(t, err, c.err)
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}
