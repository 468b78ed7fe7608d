package container

import (
	"syscall"
	"testing"
)

func TestParseKillSignal(t *testing.T) {
	good := map[string]syscall.Signal{
		"KILL": syscall.SIGKILL, "9": syscall.SIGKILL, "-9": syscall.SIGKILL,
		"-INT": syscall.SIGINT, "FPE": syscall.SIGFPE, "-SIGUSR1": syscall.SIGUSR1,
		"SIGUSR2": syscall.SIGUSR2, "hup": syscall.SIGHUP, "64": 64, "-1": syscall.SIGHUP,
	}
	for in, want := range good {
		if got, err := ParseKillSignal(in); err != nil || got != want {
			t.Errorf("ParseKillSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"0": "invalid signal: 0", "-0": "invalid signal: 0", "SIGBADSIG": "invalid signal: SIGBADSIG",
		"-SIG": "invalid signal: SIG", "-": "invalid signal: ", "%%": "invalid signal: %%", "''": "invalid signal: ''",
		" ":  "invalid signal:  ",
		"65": "valid signals are 1 through 64", "-65": "valid signals are 1 through 64",
		"99999999": "valid signals are 1 through 64", "999999999999999999999": "invalid signal: 999999999999999999999",
	}
	for in, want := range bad {
		if _, err := ParseKillSignal(in); err == nil || err.Error() != want {
			t.Errorf("ParseKillSignal(%q) error = %v; want %q", in, err, want)
		}
	}
}

// FuzzParseKillSignal: any input gives a signal in 1..64 or an error, never
// a panic.
func FuzzParseKillSignal(f *testing.F) {
	for _, s := range []string{"KILL", "-9", "SIGRTMIN+3", "", "-", "65", "sigterm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := ParseKillSignal(s)
		if err == nil && (sig < 1 || sig > 64) {
			t.Fatalf("ParseKillSignal(%q) = %d, outside 1..64", s, sig)
		}
	})
}
