package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/roost-containers/roost/pkg/monitor"
)

// notifier speaks sd_notify to the systemd unit that started the container.
// The datagram is written with the standard library: the protocol is one
// unix datagram of KEY=VALUE lines, and the monitor stays small.
type notifier struct {
	socket string        // systemd's NOTIFY_SOCKET; "" when not under systemd
	mode   string        // monitor.SdNotify*
	relay  *net.UnixConn // container mode: the socket offered to the container
	done   chan struct{} // closed when the relay has stopped
}

// newNotifier takes systemd's socket out of the environment (the runtime
// must not see it: runc and crun would proxy it themselves and wait for
// READY=1 in `start`) and, in container mode, opens the socket the container
// gets. It runs in the run directory, before the runtime is asked anything.
func newNotifier(cfg *monitor.Config) (*notifier, error) {
	os.Unsetenv("NOTIFY_SOCKET")
	n := &notifier{socket: cfg.NotifySocket, mode: cfg.SdNotify}
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
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	// The container's user may be any uid of the namespace.
	if err := os.Chmod(path, 0o666); err != nil {
		conn.Close()
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	n.relay = conn
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
	if n.relay != nil && n.done == nil {
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
		k, err := n.relay.Read(buf)
		if err != nil {
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
	if n.relay != nil {
		n.relay.Close()
		if n.done != nil {
			<-n.done
		}
		os.Remove(filepath.Join(monitor.NotifyDir, monitor.NotifySocketName))
	}
}

// sdNotify sends one datagram to systemd's socket ("@name" is abstract).
func sdNotify(socket, msg string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(msg))
	return err
}
