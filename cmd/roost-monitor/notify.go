package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/monitor"
)

// notifier speaks sd_notify to the systemd unit that started the container.
// The datagram is written with plain syscalls (no net, no go-systemd): the
// protocol is one unix datagram of KEY=VALUE lines, and the monitor stays small.
type notifier struct {
	socket string        // systemd's NOTIFY_SOCKET; "" when not under systemd
	mode   string        // monitor.SdNotify*
	relay  int           // container mode: the socket offered to the container; -1: none
	done   chan struct{} // closed when the relay has stopped
}

// newNotifier takes systemd's socket out of the environment (the runtime
// must not see it: runc and crun would proxy it themselves and wait for
// READY=1 in `start`) and, in container mode, opens the socket the container
// gets. It runs in the run directory, before the runtime is asked anything.
func newNotifier(cfg *monitor.Config) (*notifier, error) {
	os.Unsetenv("NOTIFY_SOCKET")
	n := &notifier{socket: cfg.NotifySocket, mode: cfg.SdNotify, relay: -1}
	if n.mode == "" {
		n.mode = monitor.SdNotifyConmon
	}
	if n.socket == "" || n.mode != monitor.SdNotifyContainer {
		return n, nil
	}
	path := filepath.Join(monitor.NotifyDir, monitor.NotifySocketName)
	if err := os.MkdirAll(monitor.NotifyDir, 0o755); err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	os.Remove(path)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: path})
	if err == nil {
		// The container's user may be any uid of the namespace.
		err = os.Chmod(path, 0o666)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	n.relay = fd
	return n, nil
}

// started tells systemd that the monitor is the unit's main process, and in
// conmon mode that the service is ready; in container mode it then relays
// what the container says. It is called once the first run has started and
// before Start hears of it, so the message is queued before `roost run -d`
// (the unit's first main process) exits.
func (n *notifier) started() {
	if n.socket == "" || n.mode == monitor.SdNotifyIgnore {
		return
	}
	msg := fmt.Sprintf("MAINPID=%d\n", os.Getpid())
	if n.mode == monitor.SdNotifyConmon {
		msg += "READY=1\n"
	}
	if err := sdNotify(n.socket, msg); err != nil {
		logf("sd_notify: %v", err)
	}
	if n.relay >= 0 && n.done == nil {
		n.done = make(chan struct{})
		go n.relayLoop()
	}
}

// relayLoop forwards the container's messages, with the container's own
// MAINPID (a pid systemd cannot see) replaced by the monitor's.
func (n *notifier) relayLoop() {
	defer close(n.done)
	buf := make([]byte, 4096)
	for {
		k, _, err := unix.Recvfrom(n.relay, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil || k == 0 {
			return
		}
		lines := []string{fmt.Sprintf("MAINPID=%d", os.Getpid())}
		for _, l := range strings.Split(string(buf[:k]), "\n") {
			if l != "" && !strings.HasPrefix(l, "MAINPID=") {
				lines = append(lines, l)
			}
		}
		if err := sdNotify(n.socket, strings.Join(lines, "\n")+"\n"); err != nil {
			logf("sd_notify relay: %v", err)
		}
	}
}

// close ends the relay. (No STOPPING=1: the unit learns how the service
// ended from the monitor's exit status, which Restart= reads.)
func (n *notifier) close() {
	if n.relay >= 0 {
		// shutdown wakes the relay's blocking read; then it may close.
		unix.Shutdown(n.relay, unix.SHUT_RDWR)
		if n.done != nil {
			<-n.done
		}
		unix.Close(n.relay)
		n.relay = -1
		os.Remove(filepath.Join(monitor.NotifyDir, monitor.NotifySocketName))
	}
}

// sdNotify sends one datagram to systemd's socket ("@name" is abstract).
func sdNotify(socket, msg string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// x/sys/unix turns a leading "@" into the abstract namespace's NUL.
	return unix.Sendto(fd, []byte(msg), 0, &unix.SockaddrUnix{Name: socket})
}
