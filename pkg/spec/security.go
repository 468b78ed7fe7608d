package spec

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SecurityOptions are the container's privileges.
type SecurityOptions struct {
	// CapAdd and CapDrop name capabilities with or without CAP_, in any
	// case, or "ALL".
	CapAdd  []string
	CapDrop []string
	// Privileged gives every capability Roost holds, no seccomp filter and
	// no masked or read-only kernel paths. Rootless, the host's devices are
	// not passed in: the user could not open most of them anyway.
	Privileged bool
	// SeccompProfile is "" for the default profile, "unconfined" for none,
	// or the path of a profile in Docker's JSON format.
	SeccompProfile string
	// ReadOnlyRootfs mounts the root filesystem read-only; /run, /tmp and
	// /var/tmp then get a tmpfs each unless NoReadOnlyTmpfs is set
	// (Podman's --read-only-tmpfs, true by default).
	ReadOnlyRootfs  bool
	NoReadOnlyTmpfs bool
	// MaskPaths are more paths to hide; UnmaskPaths are default ones to
	// show (globs, colon-separated lists, or "ALL").
	MaskPaths   []string
	UnmaskPaths []string
	// DefaultCaps replace DefaultCapabilities as the set --cap-add and
	// --cap-drop start from (containers.conf's default_capabilities, with
	// or without CAP_); nil: DefaultCapabilities.
	DefaultCaps []string
}

// DefaultCapabilities are the capabilities of a container's root user:
// containers.conf's default_capabilities (Podman 4.4 and later). Docker adds
// AUDIT_WRITE, MKNOD and NET_RAW.
var DefaultCapabilities = []string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP",
	"CAP_SETGID",
	"CAP_SETPCAP",
	"CAP_SETUID",
	"CAP_SYS_CHROOT",
}

// defaultMaskedPaths are hidden from the container: Podman 5's list
// (go.podman.io/common's config.DefaultMaskedPaths) plus /sys/dev/block,
// which Podman 4 masked too.
var defaultMaskedPaths = []string{
	"/proc/acpi",
	"/proc/interrupts",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/sys/dev/block",
	"/sys/devices/virtual/powercap",
	"/sys/firmware",
	"/sys/fs/selinux",
}

// maskedGlobs are masked for each match on this host.
var maskedGlobs = []string{"/sys/devices/system/cpu/cpu*/thermal_throttle"}

// defaultReadonlyPaths are read-only in the container (Podman's list).
var defaultReadonlyPaths = []string{
	"/proc/asound",
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
}

// knownCaps maps CAP_NAME to its number, for every capability this build
// knows.
var knownCaps = func() map[string]capability.Cap {
	m := map[string]capability.Cap{}
	for _, c := range capability.ListKnown() {
		m[capName(c)] = c
	}
	return m
}()

func capName(c capability.Cap) string { return "CAP_" + strings.ToUpper(c.String()) }

// processBoundingSet lists the capabilities this process may hand on; a
// variable for tests.
var processBoundingSet = readBoundingSet

func readBoundingSet() ([]string, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, fmt.Errorf("reading the capability bounding set: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "CapBnd:")
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("reading the capability bounding set: %w", err)
		}
		var out []string
		for name, c := range knownCaps {
			if c < 64 && mask&(1<<uint(c)) != 0 {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out, nil
	}
	return nil, errors.New("reading the capability bounding set: no CapBnd line in /proc/self/status")
}

// normalizeCaps turns user input into CAP_ names; "ALL" stays "ALL".
func normalizeCaps(flag string, names []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, n := range names {
		c := strings.ToUpper(strings.TrimSpace(n))
		if c == "ALL" {
			out["ALL"] = true
			continue
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if _, ok := knownCaps[c]; !ok {
			return nil, fmt.Errorf("invalid %s %q: unknown capability", flag, n)
		}
		out[c] = true
	}
	return out, nil
}

// mergeCaps applies --cap-add and --cap-drop to the defaults with Podman's
// rules: drop ALL keeps only what is added; add ALL gives every capability
// but the dropped; naming one capability on both sides is an error.
func mergeCaps(all, defaults []string, add, drop map[string]bool) ([]string, error) {
	if drop["ALL"] && add["ALL"] {
		return nil, errors.New("--cap-add ALL and --cap-drop ALL cannot be used together")
	}
	for c := range add {
		if c != "ALL" && drop[c] {
			return nil, fmt.Errorf("capability %s is both added and dropped", c)
		}
	}
	set := map[string]bool{}
	switch {
	case drop["ALL"]:
	case add["ALL"]:
		for _, c := range all {
			set[c] = true
		}
	default:
		for _, c := range defaults {
			set[c] = true
		}
	}
	for c := range add {
		if c != "ALL" {
			set[c] = true
		}
	}
	for c := range drop {
		delete(set, c)
	}
	return sortedKeys(set), nil
}

func intersect(list, with []string) []string {
	out := []string{}
	for _, c := range list {
		if slices.Contains(with, c) {
			out = append(out, c)
		}
	}
	return out
}

// capabilities gives root the merged set in bounding, effective and
// permitted; another user gets the merged set as bounding only, and just
// the --cap-add ones as effective, permitted and ambient (as Podman does).
func (sec SecurityOptions) capabilities(root bool) (*specs.LinuxCapabilities, error) {
	add, err := normalizeCaps("--cap-add", sec.CapAdd)
	if err != nil {
		return nil, err
	}
	drop, err := normalizeCaps("--cap-drop", sec.CapDrop)
	if err != nil {
		return nil, err
	}
	bounding, err := processBoundingSet()
	if err != nil {
		return nil, err
	}
	defaults := DefaultCapabilities
	if sec.DefaultCaps != nil {
		set, err := normalizeCaps("default_capabilities", sec.DefaultCaps)
		if err != nil {
			return nil, err
		}
		delete(set, "ALL")
		defaults = sortedKeys(set)
	}
	var caps []string
	if sec.Privileged {
		caps = slices.Clone(bounding)
	} else {
		merged, err := mergeCaps(bounding, defaults, add, drop)
		if err != nil {
			return nil, err
		}
		caps = intersect(merged, bounding)
	}
	out := &specs.LinuxCapabilities{
		Bounding:    caps,
		Inheritable: []string{},
		Ambient:     []string{},
	}
	if root {
		out.Effective = slices.Clone(caps)
		out.Permitted = slices.Clone(caps)
		return out, nil
	}
	var userCaps []string
	if add["ALL"] {
		userCaps = slices.Clone(caps)
	} else {
		userCaps = intersect(sortedKeys(add), caps)
	}
	out.Effective = userCaps
	out.Permitted = slices.Clone(userCaps)
	out.Ambient = slices.Clone(userCaps)
	out.Inheritable = slices.Clone(userCaps)
	return out, nil
}

// seccomp gives the filter: moby's default profile (which depends on the
// capabilities already in s), none, or the named file's.
func (sec SecurityOptions) seccomp(s *specs.Spec) (*specs.LinuxSeccomp, error) {
	switch p := sec.SeccompProfile; {
	case p == "unconfined":
		return nil, nil
	case p == "" && sec.Privileged:
		return nil, nil
	case p == "":
		prof, err := seccomp.GetDefaultProfile(s)
		if err != nil {
			return nil, fmt.Errorf("the default seccomp profile: %w", err)
		}
		return prof, nil
	default:
		body, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("seccomp profile %s: %w", p, err)
		}
		prof, err := seccomp.LoadProfile(string(body), s)
		if err != nil {
			return nil, fmt.Errorf("seccomp profile %s: %w", p, err)
		}
		if prof == nil {
			return nil, fmt.Errorf("seccomp profile %s: no defaultAction and no syscalls: use --security-opt seccomp=unconfined to run without a filter", p)
		}
		return prof, nil
	}
}

// kernelPaths lists the masked and read-only paths.
func (sec SecurityOptions) kernelPaths(ns namespaces) (masked, readonly []string, err error) {
	masked, readonly = []string{}, []string{}
	if !sec.Privileged {
		candidates := slices.Clone(defaultMaskedPaths)
		for _, g := range maskedGlobs {
			m, _ := filepath.Glob(g)
			candidates = append(candidates, m...)
		}
		if !ns.canMountSysfs() {
			// /sys is the host's, bound in: hide its kernel knobs (Podman
			// does the same rootless).
			candidates = append(candidates, "/sys/kernel")
		}
		for _, p := range candidates {
			if shouldMask(p, sec.UnmaskPaths) {
				masked = append(masked, p)
			}
		}
		for _, p := range defaultReadonlyPaths {
			if shouldMask(p, sec.UnmaskPaths) {
				readonly = append(readonly, p)
			}
		}
	}
	for _, p := range sec.MaskPaths {
		c, ok := cleanAbs(p)
		if !ok {
			return nil, nil, fmt.Errorf("invalid mask path %q: it must be absolute", p)
		}
		if !slices.Contains(masked, c) {
			masked = append(masked, c)
		}
	}
	return masked, readonly, nil
}

// shouldMask says whether p stays masked given the unmask list.
func shouldMask(p string, unmask []string) bool {
	for _, u := range unmask {
		for _, pattern := range strings.Split(u, ":") {
			if strings.EqualFold(pattern, "ALL") {
				return false
			}
			if ok, _ := path.Match(pattern, p); ok {
				return false
			}
		}
	}
	return true
}
