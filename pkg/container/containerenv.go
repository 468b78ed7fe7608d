package container

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/roost-containers/roost/pkg/version"
	"go.podman.io/storage/pkg/unshare"
)

// containerEnvPath is where programs look to learn they run in a container
// (Podman's /run/.containerenv; toolbox and systemd's detection read it).
const containerEnvPath = "/run/.containerenv"

// writeContainerEnv writes the file bound at /run/.containerenv: empty, or
// for a --privileged container (which could learn it anyway) the engine and
// the container's identity, as shell assignments Podman's readers source.
func writeContainerEnv(dir string, c *Container) (string, error) {
	path := filepath.Join(dir, "containerenv")
	data := ""
	if c.Spec.Security.Privileged {
		rootless := 0
		if unshare.IsRootless() {
			rootless = 1
		}
		// engine names the Podman release Roost speaks, then Roost's own.
		data = fmt.Sprintf("engine=%q\nname=%q\nid=%q\nimage=%q\nimageid=%q\nrootless=%d\n",
			"podman-"+version.APIVersion+"-roost-"+version.Version, c.Name, c.ID, c.ImageName, c.ImageID, rootless)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return path, nil
}
