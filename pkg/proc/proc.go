// Package proc reads facts about processes from /proc.
package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// StartTime reads field 22 of /proc/PID/stat, the process's start in clock
// ticks since boot. Together with the pid it names one process across pid
// reuse. An error means there is no such live process (a zombie counts as gone).
func StartTime(pid int) (uint64, error) {
	if pid <= 0 {
		return 0, errors.New("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	// The command name may hold spaces and parentheses: fields follow the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, errors.New("malformed stat")
	}
	if f[0] == "Z" || f[0] == "X" {
		return 0, errors.New("process is a zombie")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// Zombie says whether pid is gone or dead but not yet reaped: a zombie keeps
// its start time, but nothing of it (namespaces, sockets) can be used.
func Zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}
