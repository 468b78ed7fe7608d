// Package scope moves Roost's shared, long-lived processes (the namespace
// holder, the shared network's egress helper, the DNS responder) into
// transient systemd scopes of their own.
//
// Whichever roost process needs one of them first starts it, and it stays in
// that process's cgroup. When that process is a unit's ExecStart (a generated
// or Quadlet unit, started at boot with linger), stopping the unit would kill
// what every other container depends on: systemd stops a unit by killing its
// whole cgroup. A scope of its own makes the process nobody's unit but its
// own, as Podman does with its pause process.
package scope

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/godbus/dbus/v5"
)

// Move puts pid into a new transient scope "roost-KIND-PID.scope" of the
// user's systemd manager. Without a manager (no $XDG_RUNTIME_DIR/systemd/
// private socket) there is no unit to escape from, and it does nothing.
func Move(kind, description string, pid int) error {
	sock := managerSocket()
	if sock == "" {
		return nil
	}
	uid, err := outerUID(os.Getuid())
	if err != nil {
		return err
	}
	conn, err := dbus.Dial("unix:path=" + sock)
	if err != nil {
		return fmt.Errorf("connect to the systemd user manager: %w", err)
	}
	defer conn.Close()
	// The private socket is peer to peer: authenticate, no Hello. The uid
	// must be the one systemd sees, outside Roost's user namespace.
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(uid))}); err != nil {
		return fmt.Errorf("authenticate to the systemd user manager: %w", err)
	}
	name := fmt.Sprintf("roost-%s-%d.scope", kind, pid)
	props := []property{
		{"Description", dbus.MakeVariant(description)},
		{"PIDs", dbus.MakeVariant([]uint32{uint32(pid)})},
		// Gone from the unit list once its process ends, even if it failed.
		{"CollectMode", dbus.MakeVariant("inactive-or-failed")},
	}
	obj := conn.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
	call := obj.Call("org.freedesktop.systemd1.Manager.StartTransientUnit", 0,
		name, "fail", props, []auxUnit{})
	if call.Err != nil {
		return fmt.Errorf("move %s %d to %s: %w", kind, pid, name, call.Err)
	}
	return nil
}

// property is one (sv) of StartTransientUnit's a(sv).
type property struct {
	Name  string
	Value dbus.Variant
}

// auxUnit is one (sa(sv)) of its a(sa(sv)); Roost asks for none.
type auxUnit struct {
	Name  string
	Props []property
}

// managerSocket is the user manager's private socket, "" if there is none.
func managerSocket() string {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return ""
	}
	sock := filepath.Join(dir, "systemd", "private")
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return ""
	}
	return sock
}

// outerUID maps a uid of this process's user namespace to the parent's, as
// /proc/self/uid_map says (inside Roost's namespace the user is uid 0).
func outerUID(uid int) (int, error) {
	f, err := os.Open("/proc/self/uid_map")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return mapUID(f, uid)
}

// mapUID reads a uid_map ("inside outside count" lines) and maps uid out.
func mapUID(uidMap io.Reader, uid int) (int, error) {
	sc := bufio.NewScanner(uidMap)
	for sc.Scan() {
		var inside, outside, size int
		if _, err := fmt.Sscan(sc.Text(), &inside, &outside, &size); err != nil {
			continue
		}
		if uid >= inside && uid < inside+size {
			return outside + uid - inside, nil
		}
	}
	return 0, fmt.Errorf("uid %d is not mapped in /proc/self/uid_map", uid)
}
