package container

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A container whose user namespace leaves the user's own id out (nomap,
// --uidmap, auto) has a root the kernel treats as a stranger to the user's
// 0700 directories: the runtime, acting as that root, could not reach the
// rootfs or the files it bind-mounts. Podman adds search permission for
// everyone to those directories; Roost grants it to the container's root
// alone, with a POSIX ACL entry, so nobody else gains anything (the
// subordinate ids are the user's own).

const (
	aclXattr   = "system.posix_acl_access"
	aclVersion = 2
	aclUserObj = 0x01
	aclUser    = 0x02
	aclGroup   = 0x08
	aclGrpObj  = 0x04
	aclMask    = 0x10
	aclOther   = 0x20
	aclNoID    = 0xffffffff
)

type aclEntry struct {
	tag, perm uint16
	id        uint32
}

// grantTraversal lets the container's root (id in Roost's namespace) search
// the user's directories above the rootfs and above each bind mount's
// source. A directory others may search already, or that the user does not
// own (the container's own, or the system's above the user's), is left alone.
func grantTraversal(s *specs.Spec, root uint32) error {
	paths := []string{filepath.Dir(s.Root.Path)}
	for _, m := range s.Mounts {
		if m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind") {
			paths = append(paths, filepath.Dir(m.Source))
		}
	}
	done := map[string]bool{}
	for _, p := range paths {
		for d := p; d != "/" && d != "." && !done[d]; d = filepath.Dir(d) {
			done[d] = true
			if err := grantSearch(d, root); err != nil {
				return err
			}
		}
	}
	return nil
}

// grantSearch adds user:root:--x to dir's ACL where needed.
func grantSearch(dir string, root uint32) error {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return fmt.Errorf("grant the container's root access to %s: %w", dir, err)
	}
	// The user is 0 in Roost's namespace.
	if st.Uid != 0 || st.Mode&0o001 != 0 || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return nil
	}
	entries, err := readACL(dir, st.Mode)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.tag == aclUser && e.id == root && e.perm&1 != 0 {
			return nil
		}
	}
	entries = withSearch(entries, root)
	if err := unix.Setxattr(dir, aclXattr, encodeACL(entries), 0); err != nil {
		return fmt.Errorf("grant the container's root (uid %d) search access to %s with an ACL: %w", root, dir, err)
	}
	return nil
}

// readACL is dir's access ACL, or the one its mode bits amount to.
func readACL(dir string, mode uint32) ([]aclEntry, error) {
	buf := make([]byte, 4096)
	n, err := unix.Getxattr(dir, aclXattr, buf)
	if errors.Is(err, unix.ENODATA) {
		return []aclEntry{
			{aclUserObj, uint16(mode >> 6 & 7), aclNoID},
			{aclGrpObj, uint16(mode >> 3 & 7), aclNoID},
			{aclOther, uint16(mode & 7), aclNoID},
		}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the ACL of %s: %w", dir, err)
	}
	if n < 4 || binary.LittleEndian.Uint32(buf) != aclVersion || (n-4)%8 != 0 {
		return nil, fmt.Errorf("read the ACL of %s: unknown format", dir)
	}
	var out []aclEntry
	for b := buf[4:n]; len(b) >= 8; b = b[8:] {
		out = append(out, aclEntry{binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:]), binary.LittleEndian.Uint32(b[4:])})
	}
	return out, nil
}

// withSearch adds (or widens) the user entry for root and makes the mask
// let search through, keeping the kernel's order: USER_OBJ, USER by id,
// GROUP_OBJ, GROUP by id, MASK, OTHER.
func withSearch(entries []aclEntry, root uint32) []aclEntry {
	var out []aclEntry
	added, masked := false, false
	for _, e := range entries {
		switch {
		case e.tag == aclUser && e.id == root:
			e.perm |= 1
			added = true
		case e.tag == aclUser && e.id > root && !added, e.tag > aclUser && !added:
			out = append(out, aclEntry{aclUser, 1, root})
			added = true
		}
		if e.tag == aclMask {
			e.perm |= 1
			masked = true
		}
		if e.tag == aclOther && !masked {
			out = append(out, aclEntry{aclMask, groupClass(entries) | 1, aclNoID})
			masked = true
		}
		out = append(out, e)
	}
	return out
}

// groupClass is what the group class may do before a mask is added: the
// owning group's permissions and every named entry's.
func groupClass(entries []aclEntry) uint16 {
	var p uint16
	for _, e := range entries {
		if e.tag == aclGrpObj || e.tag == aclGroup || e.tag == aclUser {
			p |= e.perm
		}
	}
	return p
}

func encodeACL(entries []aclEntry) []byte {
	b := make([]byte, 4, 4+8*len(entries))
	binary.LittleEndian.PutUint32(b, aclVersion)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.perm)
		b = binary.LittleEndian.AppendUint32(b, e.id)
	}
	return b
}

// rootInRoost is the id in Roost's namespace that container uid 0 maps to,
// and whether the container has one other than the user (0).
func rootInRoost(maps []specs.LinuxIDMapping) (uint32, bool) {
	for _, m := range maps {
		if m.ContainerID == 0 {
			return m.HostID, m.HostID != 0
		}
	}
	return 0, false
}

// permitRoot makes the user's directories searchable by the container's
// root when its namespace does not map the user (see grantTraversal).
func permitRoot(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	root, stranger := rootInRoost(s.Linux.UIDMappings)
	if !stranger {
		return nil
	}
	return grantTraversal(s, root)
}
