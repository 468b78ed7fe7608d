package spec

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The real-time signals as C programs number them (glibc keeps 32 and 33).
const (
	sigRTMin = 34
	sigRTMax = 64
)

// ParseSignal reads a signal as a user writes it: "SIGTERM", "TERM",
// "term", "15", or "RTMIN+3".
func ParseSignal(s string) (syscall.Signal, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("invalid signal %q: empty (use a name such as TERM or a number such as 15)", s)
	}
	if n, err := strconv.Atoi(in); err == nil {
		if n < 1 || n > sigRTMax {
			return 0, fmt.Errorf("invalid signal %q: numbers go from 1 to %d", s, sigRTMax)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(in)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if base, off, ok := strings.Cut(name, "+"); ok && base == "SIGRTMIN" {
		n, err := strconv.Atoi(off)
		if err == nil && n >= 0 && sigRTMin+n <= sigRTMax {
			return syscall.Signal(sigRTMin + n), nil
		}
	}
	if base, off, ok := strings.Cut(name, "-"); ok && base == "SIGRTMAX" {
		n, err := strconv.Atoi(off)
		if err == nil && n >= 0 && sigRTMax-n >= sigRTMin {
			return syscall.Signal(sigRTMax - n), nil
		}
	}
	switch name {
	case "SIGRTMIN":
		return syscall.Signal(sigRTMin), nil
	case "SIGRTMAX":
		return syscall.Signal(sigRTMax), nil
	case "SIGCLD":
		return unix.SIGCHLD, nil
	case "SIGPOLL":
		return unix.SIGIO, nil
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("invalid signal %q: unknown name (use a name such as TERM or KILL, or a number)", s)
}
