package container

import (
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/roost-containers/roost/pkg/monitor"
)

// offerNotifySocket gives a container started by a systemd unit in
// --sdnotify=container mode a NOTIFY_SOCKET of its own: the monitor listens
// in the run directory's notify/ and relays to systemd, so the container
// never sees (or needs a path to) the user manager's socket.
func (e *Engine) offerNotifySocket(c *Container, runDir string, sp *specs.Spec) error {
	if e.NotifySocket == "" || c.Run.SdNotify != monitor.SdNotifyContainer {
		return nil
	}
	dir := filepath.Join(runDir, monitor.NotifyDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("notify socket directory: %w", err)
	}
	sp.Mounts = append(sp.Mounts, specs.Mount{
		Destination: monitor.ContainerNotifyDir, Type: "bind", Source: dir,
		Options: []string{"bind", "nosuid", "nodev", "noexec"},
	})
	if sp.Process != nil {
		sp.Process.Env = append(sp.Process.Env, "NOTIFY_SOCKET="+monitor.ContainerNotifyDir+"/"+monitor.NotifySocketName)
	}
	return nil
}
