// Package top is `top`'s process table: the processes of a container's PID
// namespace as ps shows them, with Podman's (psgo's) descriptors and AIX
// codes. It reads /proc only and knows nothing of containers.
package top

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/proc"
)

// ErrNoProcesses: the namespace has no process left (its container is
// not running).
var ErrNoProcesses = errors.New("no process in the namespace")

// DefaultDescriptors is what top shows when not told otherwise, as Podman.
var DefaultDescriptors = []string{"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"}

// topColumn is one descriptor: its header and how to read its value.
type topColumn struct {
	header string
	value  func(v *topView, p *proc.Process) string
}

// topColumns are Podman's (psgo's) descriptors.
var topColumns = map[string]topColumn{
	"args":    {"COMMAND", func(v *topView, p *proc.Process) string { return args(p) }},
	"comm":    {"COMMAND", func(v *topView, p *proc.Process) string { return p.Comm }},
	"etime":   {"ELAPSED", func(v *topView, p *proc.Process) string { return v.elapsed(p).String() }},
	"group":   {"GROUP", func(v *topView, p *proc.Process) string { return v.ctrGroup(p.GIDs[1]) }},
	"hgroup":  {"HGROUP", func(v *topView, p *proc.Process) string { return v.hostGroup(p.GIDs[1]) }},
	"hpid":    {"HPID", func(v *topView, p *proc.Process) string { return strconv.Itoa(p.Pid) }},
	"huser":   {"HUSER", func(v *topView, p *proc.Process) string { return v.hostUser(p.UIDs[1]) }},
	"nice":    {"NI", func(v *topView, p *proc.Process) string { return strconv.Itoa(p.Nice) }},
	"pcpu":    {"%CPU", func(v *topView, p *proc.Process) string { return v.pcpu(p) }},
	"pgid":    {"PGID", func(v *topView, p *proc.Process) string { return v.nsPid(p.Pgid) }},
	"pid":     {"PID", func(v *topView, p *proc.Process) string { return strconv.Itoa(p.NSPid) }},
	"ppid":    {"PPID", func(v *topView, p *proc.Process) string { return v.nsPid(p.PPid) }},
	"rgroup":  {"RGROUP", func(v *topView, p *proc.Process) string { return v.ctrGroup(p.GIDs[0]) }},
	"ruser":   {"RUSER", func(v *topView, p *proc.Process) string { return v.ctrUser(p.UIDs[0]) }},
	"seccomp": {"SECCOMP", func(v *topView, p *proc.Process) string { return seccompMode(p.Seccomp) }},
	"state":   {"STATE", func(v *topView, p *proc.Process) string { return p.State }},
	"stime":   {"STIME", func(v *topView, p *proc.Process) string { return v.started(p) }},
	"time":    {"TIME", func(v *topView, p *proc.Process) string { return p.CPUTime().String() }},
	"tty":     {"TTY", func(v *topView, p *proc.Process) string { return ttyName(p.TTY) }},
	"user":    {"USER", func(v *topView, p *proc.Process) string { return v.ctrUser(p.UIDs[1]) }},
	"vsz":     {"VSZ", func(v *topView, p *proc.Process) string { return strconv.FormatUint(p.VSize/1024, 10) }},
}

// aixCodes are ps's AIX format codes for the same descriptors.
var aixCodes = map[string]string{
	"%C": "pcpu", "%G": "group", "%P": "ppid", "%U": "user", "%a": "args", "%c": "comm",
	"%g": "rgroup", "%n": "nice", "%p": "pid", "%r": "pgid", "%t": "etime", "%u": "ruser",
	"%x": "time", "%y": "tty", "%z": "vsz",
}

// Descriptors checks and normalises what the user asked for: separate
// words or comma-separated lists, names or AIX codes.
func Descriptors(words []string) ([]string, error) {
	var out []string
	for _, w := range words {
		for _, d := range strings.FieldsFunc(w, func(r rune) bool { return r == ',' || r == ' ' }) {
			if name, ok := aixCodes[d]; ok {
				d = name
			}
			if _, ok := topColumns[d]; !ok {
				return nil, fmt.Errorf("unknown top descriptor %q: use %s, or an AIX code (%%U %%p ...)", d, strings.Join(topNames(), ", "))
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return DefaultDescriptors, nil
	}
	return out, nil
}

func topNames() []string {
	names := make([]string, 0, len(topColumns))
	for n := range topColumns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Table lists every process in the PID namespace of init (without
// cgroups, the namespace is how a container's processes are found), one row
// each in the order of their pids inside it, under a header row.
func Table(init int, descriptors []string) ([][]string, error) {
	descriptors, err := Descriptors(descriptors)
	if err != nil {
		return nil, err
	}
	procs, err := namespaceProcesses(init)
	if err != nil {
		return nil, err
	}
	v := newTopView(init, procs)
	rows := [][]string{make([]string, len(descriptors))}
	for i, d := range descriptors {
		rows[0][i] = topColumns[d].header
	}
	for _, p := range procs {
		row := make([]string, len(descriptors))
		for i, d := range descriptors {
			row[i] = topColumns[d].value(v, p)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// namespaceProcesses reads every process in init's PID namespace, in the
// order of their pids inside it.
func namespaceProcesses(init int) ([]*proc.Process, error) {
	ns, err := proc.Namespace(init, "pid")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoProcesses, err)
	}
	pids, err := proc.InNamespace("pid", ns)
	if err != nil {
		return nil, err
	}
	var procs []*proc.Process
	for _, pid := range pids {
		if p, err := proc.ReadProcess(pid); err == nil {
			procs = append(procs, p)
		}
	}
	if len(procs) == 0 {
		return nil, ErrNoProcesses
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].NSPid < procs[j].NSPid })
	return procs, nil
}

// topView holds what the columns need besides the process itself: the
// container's user and group names and id mappings, the host's, the clock.
type topView struct {
	now, boot          time.Time
	nsPids             map[int]int // reader's pid -> pid in the container
	users, groups      map[int]string
	uidMap, gidMap     proc.IDMap // nil: the container shares Roost's user namespace
	hostUIDs, hostGIDs proc.IDMap // Roost's own mapping to the host
	hostUsers          map[int]string
	hostGroups         map[int]string
}

func newTopView(init int, procs []*proc.Process) *topView {
	v := &topView{now: time.Now(), nsPids: map[int]int{}}
	v.boot, _ = proc.BootTime()
	for _, p := range procs {
		v.nsPids[p.Pid] = p.NSPid
	}
	root := fmt.Sprintf("/proc/%d/root", init)
	v.users, v.groups = readIDNames(root+"/etc/passwd"), readIDNames(root+"/etc/group")
	own, _ := proc.Namespace(os.Getpid(), "user")
	if theirs, _ := proc.Namespace(init, "user"); theirs != own {
		// A nested user namespace: its map, read from here, gives our ids
		// as the outside ones.
		v.uidMap, _ = proc.ReadIDMap(strconv.Itoa(init), "uid")
		v.gidMap, _ = proc.ReadIDMap(strconv.Itoa(init), "gid")
	}
	v.hostUIDs, _ = proc.ReadIDMap("self", "uid")
	v.hostGIDs, _ = proc.ReadIDMap("self", "gid")
	v.hostUsers, v.hostGroups = readIDNames("/etc/passwd"), readIDNames("/etc/group")
	return v
}

// readIDNames reads name:x:id:... lines (passwd and group alike).
func readIDNames(path string) map[int]string {
	names := map[int]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return names
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		if id, err := strconv.Atoi(f[2]); err == nil {
			if _, dup := names[id]; !dup {
				names[id] = f[0]
			}
		}
	}
	return names
}

// inContainer turns an id as Roost sees it into the container's id.
func inContainer(id int, m proc.IDMap) int {
	if m == nil {
		return id
	}
	if in, ok := m.ToInside(id); ok {
		return in
	}
	return 65534 // unmapped ids show as the overflow id, as the kernel does
}

func nameOr(names map[int]string, id int) string {
	if n, ok := names[id]; ok {
		return n
	}
	return strconv.Itoa(id)
}

func (v *topView) ctrUser(uid int) string  { return nameOr(v.users, inContainer(uid, v.uidMap)) }
func (v *topView) ctrGroup(gid int) string { return nameOr(v.groups, inContainer(gid, v.gidMap)) }

func (v *topView) hostUser(uid int) string {
	if out, ok := v.hostUIDs.ToOutside(uid); ok {
		return nameOr(v.hostUsers, out)
	}
	return "?"
}

func (v *topView) hostGroup(gid int) string {
	if out, ok := v.hostGIDs.ToOutside(gid); ok {
		return nameOr(v.hostGroups, out)
	}
	return "?"
}

// nsPid shows a pid as the container sees it; a process outside (the
// runtime that started init) is 0, as Podman shows init's parent.
func (v *topView) nsPid(pid int) string {
	return strconv.Itoa(v.nsPids[pid])
}

func (v *topView) elapsed(p *proc.Process) time.Duration {
	if v.boot.IsZero() {
		return 0
	}
	return v.now.Sub(p.StartedAt(v.boot))
}

func (v *topView) pcpu(p *proc.Process) string {
	el := v.elapsed(p)
	if el <= 0 {
		return "0.000"
	}
	return fmt.Sprintf("%.3f", float64(p.CPUTime())/float64(el)*100)
}

func (v *topView) started(p *proc.Process) string {
	if v.boot.IsZero() {
		return "?"
	}
	return p.StartedAt(v.boot).Local().Format("2006-01-02 15:04:05 -0700 MST")
}

// args is the command line, or the name in brackets for a process without
// one (a kernel thread, a zombie), as ps shows it.
func args(p *proc.Process) string {
	if len(p.Args) == 0 {
		return "[" + p.Comm + "]"
	}
	return strings.Join(p.Args, " ")
}

// ttyName decodes tty_nr: pseudo-terminals (majors 136-143) and virtual
// consoles (major 4); anything else shows as "?".
func ttyName(nr uint64) string {
	major := (nr >> 8) & 0xfff
	minor := (nr & 0xff) | ((nr >> 12) & 0xfff00)
	switch {
	case nr == 0:
		return "?"
	case major >= 136 && major <= 143:
		return fmt.Sprintf("pts/%d", minor+(major-136)*256)
	case major == 4 && minor < 64:
		return fmt.Sprintf("tty%d", minor)
	}
	return "?"
}

func seccompMode(m int) string {
	switch m {
	case 1:
		return "strict"
	case 2:
		return "filter"
	}
	return "disabled"
}
