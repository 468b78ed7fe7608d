package e2e

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// runAsRoot runs a program as root (the suite's own user) and returns its output.
func runAsRoot(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// statUID is the owner of a file.
func statUID(fi os.FileInfo) int {
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}
