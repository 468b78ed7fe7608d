package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTicks is USER_HZ, the unit of the times in /proc/PID/stat: fixed at
// 100 by the kernel's ABI on every architecture Roost runs on.
const ClockTicks = 100

// Process is what /proc says about one process, for top.
type Process struct {
	Pid   int // in the reader's PID namespace
	NSPid int // in the process's own (innermost) PID namespace
	PPid  int // in the reader's PID namespace
	Pgid  int // in the reader's PID namespace
	Comm  string
	Args  []string
	State string
	TTY   uint64 // tty_nr: the controlling terminal's device number, 0 for none
	Nice  int
	// UTime and STime are CPU time in clock ticks; Start is in ticks since boot.
	UTime, STime, Start uint64
	VSize               uint64 // bytes
	// UIDs and GIDs are real, effective, saved, filesystem, in the reader's
	// user namespace.
	UIDs, GIDs [4]int
	Seccomp    int // 0 disabled, 1 strict, 2 filter
}

// ReadProcess reads /proc/PID/stat, status and cmdline.
func ReadProcess(pid int) (*Process, error) {
	p := &Process{Pid: pid}
	if err := p.readStat(); err != nil {
		return nil, err
	}
	if err := p.readStatus(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	if b = bytes.TrimRight(b, "\x00"); len(b) > 0 {
		p.Args = strings.Split(string(b), "\x00")
	}
	return p, nil
}

func (p *Process) readStat() error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid))
	if err != nil {
		return err
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return errors.New("malformed stat")
	}
	p.Comm = s[open+1 : close]
	f := strings.Fields(s[close+1:])
	if len(f) < 21 {
		return errors.New("malformed stat")
	}
	// f[0] is field 3 of proc(5) (state): field n is f[n-3].
	p.State = f[0]
	p.PPid, _ = strconv.Atoi(f[1])
	p.Pgid, _ = strconv.Atoi(f[2])
	p.TTY, _ = strconv.ParseUint(f[4], 10, 64)
	p.UTime, _ = strconv.ParseUint(f[11], 10, 64)
	p.STime, _ = strconv.ParseUint(f[12], 10, 64)
	p.Nice, _ = strconv.Atoi(f[16])
	p.Start, _ = strconv.ParseUint(f[19], 10, 64)
	p.VSize, _ = strconv.ParseUint(f[20], 10, 64)
	return nil
}

func (p *Process) readStatus() error {
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Pid))
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		switch key {
		case "Uid":
			p.UIDs = fourInts(fields)
		case "Gid":
			p.GIDs = fourInts(fields)
		case "NSpid":
			if len(fields) > 0 {
				p.NSPid, _ = strconv.Atoi(fields[len(fields)-1])
			}
		case "Seccomp":
			if len(fields) > 0 {
				p.Seccomp, _ = strconv.Atoi(fields[0])
			}
		}
	}
	return sc.Err()
}

func fourInts(fields []string) [4]int {
	var out [4]int
	for i := 0; i < 4 && i < len(fields); i++ {
		out[i], _ = strconv.Atoi(fields[i])
	}
	return out
}

// CPUTime is the process's user plus system time.
func (p *Process) CPUTime() time.Duration {
	return ticks(p.UTime + p.STime)
}

// StartedAt is when the process started, given the boot time.
func (p *Process) StartedAt(boot time.Time) time.Time {
	return boot.Add(ticks(p.Start))
}

func ticks(n uint64) time.Duration {
	return time.Duration(n) * time.Second / ClockTicks
}

// BootTime reads btime from /proc/stat.
func BootTime() (time.Time, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("malformed btime in /proc/stat: %w", err)
			}
			return time.Unix(secs, 0), nil
		}
	}
	return time.Time{}, errors.New("no btime in /proc/stat")
}

// Namespace returns the identity of a process's namespace of a kind
// ("pid", "user", ...), such as "pid:[4026531836]".
func Namespace(pid int, kind string) (string, error) {
	return os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
}

// InNamespace lists the pids of every process in the given namespace of a
// kind; processes that vanish or cannot be read are skipped.
func InNamespace(kind, ns string) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if got, err := Namespace(pid, kind); err == nil && got == ns {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// IDMap is a uid_map or gid_map: ranges of inside ids and their outside ids.
type IDMap [][3]int64

// ReadIDMap reads /proc/PID/uid_map or gid_map ("uid" or "gid").
func ReadIDMap(pid string, kind string) (IDMap, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%s/%s_map", pid, kind))
	if err != nil {
		return nil, err
	}
	var m IDMap
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		var r [3]int64
		for i := range f {
			r[i], _ = strconv.ParseInt(f[i], 10, 64)
		}
		m = append(m, r)
	}
	return m, nil
}

// ToOutside maps an inside id to the outside one; ok is false if unmapped.
func (m IDMap) ToOutside(id int) (int, bool) {
	for _, r := range m {
		if int64(id) >= r[0] && int64(id) < r[0]+r[2] {
			return int(r[1] + int64(id) - r[0]), true
		}
	}
	return 0, false
}

// ToInside maps an outside id to the inside one; ok is false if unmapped.
func (m IDMap) ToInside(id int) (int, bool) {
	for _, r := range m {
		if int64(id) >= r[1] && int64(id) < r[1]+r[2] {
			return int(r[0] + int64(id) - r[1]), true
		}
	}
	return 0, false
}
