package volume

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// driverOptions is the local driver's --opt, checked: type=tmpfs|bind|none,
// device=, o= (mount options), and uid=/gid= (the owner of the directory).
type driverOptions struct {
	fsType string   // "", "tmpfs", "bind" ("none" with o=bind is a bind too)
	device string   // the host directory of a bind volume
	mount  []string // o=, checked for the type
	// ownerUID and ownerGID own _data (-1: unset), from uid=/gid= or, for a
	// volume without a type, o=uid=,gid=.
	ownerUID, ownerGID int
}

var (
	sizeValue = regexp.MustCompile(`^[0-9]+[kKmMgG%]?$`)
	modeValue = regexp.MustCompile(`^[0-7]{1,4}$`)
)

// ParseOptions checks --opt values given as KEY=VALUE, for the CLI.
func ParseOptions(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --opt %q: use KEY=VALUE (type=, device=, o=)", kv)
		}
		out[k] = v
	}
	if _, err := parseOptions(out); err != nil {
		return nil, err
	}
	return out, nil
}

func parseOptions(opts map[string]string) (driverOptions, error) {
	d := driverOptions{ownerUID: -1, ownerGID: -1}
	bad := func(format string, a ...any) (driverOptions, error) {
		return driverOptions{}, fmt.Errorf("invalid volume option: "+format, a...)
	}
	var err error
	for k, v := range opts {
		switch k {
		case "type":
			d.fsType = v
		case "device":
			d.device = v
		case "o":
			if v != "" {
				d.mount = strings.Split(v, ",")
			}
		case "uid":
			if d.ownerUID, err = id(v); err != nil {
				return bad("uid=%s: %v", v, err)
			}
		case "gid":
			if d.ownerGID, err = id(v); err != nil {
				return bad("gid=%s: %v", v, err)
			}
		case "copy", "nocopy":
			// Podman's flags for the first mount: Roost reads them from -v.
		default:
			return bad("unknown option %q: the local driver takes type=, device=, o=, uid= and gid=", k)
		}
	}
	if d.fsType == "none" && hasOption(d.mount, "bind", "rbind") {
		d.fsType = "bind"
	}
	switch d.fsType {
	case "":
		err = d.checkPlain()
	case "tmpfs":
		err = d.checkTmpfs()
	case "bind":
		err = d.checkBind()
	case "none":
		return bad("type=none needs o=bind (a bind mount of device=)")
	default:
		return bad("type=%s: rootless Roost mounts only tmpfs and bind volumes (type=tmpfs, or type=bind with device=DIR)", d.fsType)
	}
	if err != nil {
		return driverOptions{}, err
	}
	return d, nil
}

// checkPlain: a plain directory takes only the owner in o=.
func (d *driverOptions) checkPlain() error {
	if d.device != "" {
		return fmt.Errorf("invalid volume option: device=%s needs type=bind (or type=none,o=bind)", d.device)
	}
	for _, o := range d.mount {
		k, v, _ := strings.Cut(o, "=")
		var err error
		switch k {
		case "uid":
			d.ownerUID, err = id(v)
		case "gid":
			d.ownerGID, err = id(v)
		case "size":
			return fmt.Errorf("invalid volume option: o=size= needs type=tmpfs (a plain directory has no size limit)")
		default:
			return fmt.Errorf("invalid volume option: o=%s needs type=tmpfs or type=bind", o)
		}
		if err != nil {
			return fmt.Errorf("invalid volume option: o=%s: %v", o, err)
		}
	}
	d.mount = nil
	return nil
}

func (d *driverOptions) checkTmpfs() error {
	for _, o := range d.mount {
		k, v, hasVal := strings.Cut(o, "=")
		ok := true
		switch k {
		case "size":
			ok = sizeValue.MatchString(v)
		case "mode":
			ok = modeValue.MatchString(v)
		case "uid", "gid", "nr_inodes":
			_, err := strconv.ParseUint(v, 10, 32)
			ok = err == nil
		case "nosuid", "nodev", "noexec", "suid", "dev", "exec", "ro", "rw":
			ok = !hasVal
		default:
			return fmt.Errorf("invalid volume option: o=%s is not a tmpfs option (size=, mode=, uid=, gid=, nr_inodes=, [no]suid, [no]dev, [no]exec, ro)", o)
		}
		if !ok {
			return fmt.Errorf("invalid volume option: o=%s has a bad value", o)
		}
	}
	return nil
}

func (d *driverOptions) checkBind() error {
	if d.device == "" || !filepath.IsAbs(d.device) {
		return fmt.Errorf("invalid volume option: a bind volume needs device= with an absolute host directory")
	}
	for _, o := range d.mount {
		switch o {
		case "bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec", "suid", "dev", "exec":
		default:
			return fmt.Errorf("invalid volume option: o=%s is not a bind option (bind, rbind, ro, [no]suid, [no]dev, [no]exec)", o)
		}
	}
	return nil
}

func id(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return -1, fmt.Errorf("use a number")
	}
	return int(n), nil
}

func hasOption(list []string, names ...string) bool {
	for _, o := range list {
		for _, n := range names {
			if o == n {
				return true
			}
		}
	}
	return false
}
