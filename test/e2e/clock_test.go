package e2e

import (
	"os/exec"
	"time"
)

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// runAsRoot runs a program as root (the suite's own user) and returns its output.
func runAsRoot(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
