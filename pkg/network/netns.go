package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// The Go runtime moves goroutines between threads, and a thread's network
// namespace is its own. Work inside a namespace therefore runs on a locked
// thread that is never unlocked: when the goroutine ends, the runtime throws
// the thread away instead of reusing it in the wrong namespace. Going back is
// not an option anyway: the host's namespace belongs to the initial user
// namespace, where Roost has no right to setns.

// inThread runs fn on a fresh locked thread and returns its error.
func inThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}

// CreateNetNS makes a new network namespace and bind-mounts it at path, so it
// outlives the command (the mount lives in the holder's mount namespace).
func CreateNetNS(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create netns directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create netns file %s: %w", path, err)
	}
	f.Close()
	err = inThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("new network namespace: %w", err)
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount network namespace at %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		os.Remove(path)
	}
	return err
}

// RemoveNetNS unmounts and deletes a namespace file; a missing one is fine.
func RemoveNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// IsNetNS says whether path is a mounted network namespace (not just the
// empty file left when the holder that had the mount died).
func IsNetNS(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// InNetNS runs fn on a thread inside the namespace at path. Sockets fn opens
// stay in that namespace.
func InNetNS(path string, fn func() error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open network namespace: %w", err)
	}
	defer f.Close()
	return inThread(func() error {
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("enter network namespace %s: %w", path, err)
		}
		return fn()
	})
}

// handleIn opens a netlink handle whose socket lives in the namespace at
// path; it may then be used from any thread.
func handleIn(path string) (*netlink.Handle, error) {
	var h *netlink.Handle
	err := InNetNS(path, func() (err error) {
		h, err = netlink.NewHandle()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", path, err)
	}
	return h, nil
}

// writeSysctl writes a /proc/sys value of the namespace at path: /proc/sys/net
// shows the namespace of the thread that opens it.
func writeSysctl(path, key, value string) error {
	return InNetNS(path, func() error {
		return os.WriteFile(filepath.Join("/proc/sys", key), []byte(value), 0o644)
	})
}

func openNS(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open network namespace %s: %w", path, err)
	}
	return f, nil
}

func removeQuiet(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
