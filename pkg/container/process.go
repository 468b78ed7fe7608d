package container

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// processStart reads a process's start time (field 22 of /proc/PID/stat);
// an error means there is no such live process.
func processStart(pid int) (uint64, error) {
	if pid <= 0 {
		return 0, errors.New("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, errors.New("malformed stat")
	}
	if f[0] == "Z" || f[0] == "X" {
		return 0, errors.New("zombie")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// alive reports whether the owner process still runs (and is the same one).
func (o Owner) alive() bool {
	st, err := processStart(o.Pid)
	return err == nil && st == o.StartTime
}
