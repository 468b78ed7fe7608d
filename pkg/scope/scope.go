// Package scope moves Roost's long-lived processes (the namespace holder,
// the shared network's egress helper, the DNS responder, and the monitors of
// containers no unit owns) into transient systemd scopes of their own.
//
// Whichever roost process needs one of them first starts it, and it stays in
// that process's cgroup. When that process is a unit's ExecStart (a generated
// or Quadlet unit, started at boot with linger), stopping the unit would kill
// what every other container depends on: systemd stops a unit by killing its
// whole cgroup. A scope of its own makes the process nobody's unit but its
// own, as Podman does with its pause process and conmon.
//
// The user manager is reached with go-systemd's D-Bus client over its
// private socket, $XDG_RUNTIME_DIR/systemd/private (no session bus needed).
package scope

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// timeout bounds each step of a move: connecting, the call, and the job that
// moves the pid. A manager that does not answer in time leaves the process
// where it is.
const timeout = 5 * time.Second

// manager is this process's connection to the user manager, made at the
// first move and kept: a command that starts several monitors (pod start,
// compose up) connects once, which is most of a move's cost.
var manager struct {
	sync.Mutex
	sock string
	conn *sddbus.Conn
}

// Move puts pid into a new transient scope "roost-KIND-PID.scope" of the
// user's systemd manager and returns once systemd has moved it, so that what
// the process starts afterwards is born in the scope. Without a manager (no
// $XDG_RUNTIME_DIR/systemd/private socket) there is no unit to escape from,
// and it does nothing.
func Move(kind, description string, pid int) error {
	sock := managerSocket()
	if sock == "" {
		return nil
	}
	conn, err := connect(sock)
	if err != nil {
		return fmt.Errorf("connect to the systemd user manager: %w", err)
	}
	name := fmt.Sprintf("roost-%s-%d.scope", kind, pid)
	props := []sddbus.Property{
		sddbus.PropDescription(description),
		sddbus.PropPids(uint32(pid)),
		// Gone from the unit list once its process ends, even if it failed.
		{Name: "CollectMode", Value: dbus.MakeVariant("inactive-or-failed")},
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan string, 1)
	if _, err := conn.StartTransientUnitContext(ctx, name, "fail", props, done); err != nil {
		return fmt.Errorf("move %s %d to %s: %w", kind, pid, name, err)
	}
	select {
	case result := <-done:
		if result != "done" {
			return fmt.Errorf("move %s %d to %s: the start job ended %q", kind, pid, name, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("move %s %d to %s: no answer from the systemd user manager in %v", kind, pid, name, timeout)
	}
}

// connect returns the kept connection to the manager at sock, or makes it.
func connect(sock string) (*sddbus.Conn, error) {
	manager.Lock()
	defer manager.Unlock()
	if manager.conn != nil && manager.sock == sock && manager.conn.Connected() {
		return manager.conn, nil
	}
	if manager.conn != nil {
		manager.conn.Close()
		manager.conn = nil
	}
	// A manager that accepts but never answers closes the connection after
	// timeout (godbus closes a connection when its context ends); a kept
	// connection's context must then never end.
	ctx, abandon := context.WithCancel(context.Background())
	deadline := time.AfterFunc(timeout, abandon)
	conn, err := sddbus.NewConnection(func() (*dbus.Conn, error) { return dialPrivate(ctx, sock) })
	if !deadline.Stop() {
		if err == nil {
			conn.Close()
		}
		return nil, fmt.Errorf("no answer in %v", timeout)
	}
	if err != nil {
		abandon()
		return nil, err
	}
	manager.conn, manager.sock = conn, sock
	return conn, nil
}

// dialPrivate opens the user manager's private socket. It is peer to peer:
// authenticate, no Hello. The uid must be the one systemd sees, outside
// Roost's user namespace (go-systemd's own dialers send os.Getuid(), 0 there).
func dialPrivate(ctx context.Context, sock string) (*dbus.Conn, error) {
	uid, err := outerUID(os.Getuid())
	if err != nil {
		return nil, err
	}
	conn, err := dbus.Dial("unix:path="+sock, dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(uid))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	return conn, nil
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
