package volume

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mounted makes sure a tmpfs or bind volume is mounted on its _data, in
// Roost's mount namespace, where every later command and container sees it.
// A plain volume needs nothing. The mount stays until the volume is removed
// (or the namespace holder ends, after which the next use mounts it again:
// a tmpfs then starts empty, as a tmpfs does after a reboot).
func (m *Manager) Mounted(v *Volume) error {
	o, err := parseOptions(v.Options)
	if err != nil {
		return err
	}
	if o.fsType == "" {
		return nil
	}
	target := m.Mountpoint(v.Name)
	mounted, err := isMountpoint(target)
	if err != nil || mounted {
		return err
	}
	switch o.fsType {
	case "tmpfs":
		err = mountTmpfs(target, o.mount)
	case "bind":
		err = mountBind(o.device, target, o.mount)
	}
	if err != nil {
		return fmt.Errorf("mount volume %s: %w", v.Name, err)
	}
	return nil
}

var mountFlags = map[string]uintptr{
	"ro": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV, "noexec": unix.MS_NOEXEC,
}

// splitMountOptions separates flags from the data the file system reads.
func splitMountOptions(opts []string) (uintptr, string) {
	var flags uintptr
	var data []string
	for _, o := range opts {
		if f, ok := mountFlags[o]; ok {
			flags |= f
			continue
		}
		switch o {
		case "rw", "suid", "dev", "exec", "bind", "rbind":
		default:
			data = append(data, o)
		}
	}
	return flags, strings.Join(data, ",")
}

func mountTmpfs(target string, opts []string) error {
	flags, data := splitMountOptions(opts)
	return unix.Mount("tmpfs", target, "tmpfs", flags, data)
}

// mountBind binds device on target, then applies ro/nosuid/nodev/noexec in
// a remount that keeps the flags the source already has (a user namespace
// may not clear them).
func mountBind(device, target string, opts []string) error {
	if fi, err := os.Stat(device); err != nil || !fi.IsDir() {
		return fmt.Errorf("device %s is not a directory", device)
	}
	flags, _ := splitMountOptions(opts)
	bind := uintptr(unix.MS_BIND)
	if hasOption(opts, "rbind") {
		bind |= unix.MS_REC
	}
	if err := unix.Mount(device, target, "", bind, ""); err != nil {
		return err
	}
	if flags == 0 {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs(device, &st); err != nil {
		_ = unix.Unmount(target, unix.MNT_DETACH)
		return err
	}
	for f, mf := range map[int64]uintptr{unix.ST_NOSUID: unix.MS_NOSUID, unix.ST_NODEV: unix.MS_NODEV, unix.ST_NOEXEC: unix.MS_NOEXEC, unix.ST_RDONLY: unix.MS_RDONLY} {
		if st.Flags&f != 0 {
			flags |= mf
		}
	}
	if err := unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|flags, ""); err != nil {
		_ = unix.Unmount(target, unix.MNT_DETACH)
		return err
	}
	return nil
}

// unmount removes every mount on target, so that deleting the directory
// afterwards can never reach into a bound host directory.
func unmount(target string) error {
	for i := 0; i < 16; i++ {
		mounted, err := isMountpoint(target)
		if err != nil || !mounted {
			return err
		}
		if err := unix.Unmount(target, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unmount %s: %w", target, err)
		}
	}
	return fmt.Errorf("unmount %s: still mounted", target)
}

// isMountpoint reports whether path is a mount point in this mount
// namespace, from /proc/self/mountinfo.
func isMountpoint(path string) (bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMountPath(fields[4]) == path {
			return true, nil
		}
	}
	return false, sc.Err()
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Mount makes a volume's files reachable on the host side of Roost's mount
// namespace (a tmpfs or bind volume mounted on _data) and returns where.
// As for containers' use, the mount stays until the volume is removed.
func (m *Manager) Mount(ref string) (string, error) {
	var path string
	err := m.whileMounted(ref, func(v *Volume) error {
		path = m.Mountpoint(v.Name)
		return nil
	})
	return path, err
}

// Unmount releases a `volume mount`: it returns the volume's name. Roost
// keeps no per-user mount count for volumes: a tmpfs or bind volume stays
// mounted until `volume rm` (containers may be using it), and a plain
// volume is a directory that was never mounted.
func (m *Manager) Unmount(ref string) (string, error) {
	v, err := m.Get(ref)
	if err != nil {
		return "", err
	}
	return v.Name, nil
}
