package api

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/activation"

	"github.com/roost-containers/roost/pkg/config"
)

// DefaultURI is where the service listens unless told otherwise, and where
// `roost info` says it is: $XDG_RUNTIME_DIR/roost/roost.sock for a user,
// /run/roost/roost.sock for root.
func DefaultURI(cfg *config.Config) string {
	dir := "/run/roost"
	if cfg.Rootless {
		if rt, err := config.RuntimeDir(cfg.UID); err == nil {
			dir = filepath.Join(rt, "roost")
		}
	}
	return "unix://" + filepath.Join(dir, "roost.sock")
}

// Listen is the service's listener: the socket systemd passed (socket
// activation) when there is one, else a new unix socket at uri, which only
// its owner may use.
func Listen(uri string) (net.Listener, error) {
	ls, err := activation.Listeners()
	if err != nil {
		return nil, fmt.Errorf("reading the sockets systemd passed: %w", err)
	}
	for _, l := range ls {
		if l != nil {
			return l, nil
		}
	}
	scheme, addr, ok := strings.Cut(uri, "://")
	if !ok {
		return nil, fmt.Errorf("invalid service URI %q: want unix:///path/to/socket", uri)
	}
	// No tcp://: the API can do anything the user can, so it is served only
	// where the user alone can reach it.
	if scheme != "unix" {
		return nil, fmt.Errorf("invalid service URI %q: Roost serves the API only on a unix socket (unix:///path/to/socket)", uri)
	}
	return listenUnix(addr)
}

// listenUnix makes the socket 0600 in a 0700 directory: the API is as good
// as the user's shell, so no one else may connect. A socket left by a
// service that died is replaced; one that still answers is an error.
func listenUnix(path string) (net.Listener, error) {
	if path == "" {
		return nil, errors.New("the unix socket path is empty")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s: a service already listens there", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	// The listener removes its socket file when closed.
	l.(*net.UnixListener).SetUnlinkOnClose(true)
	return l, nil
}
