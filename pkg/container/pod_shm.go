package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/spec"
)

// podShmDir is where an infra container's /dev/shm lives: a tmpfs in
// Roost's mount namespace, bound into the infra and into every member
// that shares its IPC namespace, so shared memory outlives the members
// that come and go, as in Podman's pods. (A member cannot bind the
// infra's own /dev/shm: it is a mount of another mount namespace.)
func (e *Engine) podShmDir(infraID string) string {
	return filepath.Join(e.runDir(infraID), "shm")
}

// mountPodShm makes the infra's /dev/shm tmpfs unless it is there already
// (it stays for the infra's life; a new holder has lost it, and the next
// start mounts it again).
func (e *Engine) mountPodShm(infra *Container) (string, error) {
	dir := e.podShmDir(infra.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("pod /dev/shm: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil && st.Type == unix.TMPFS_MAGIC {
		return dir, nil
	}
	size := infra.Spec.ShmSize
	if size == 0 {
		size = spec.DefaultShmSize
	}
	data := "mode=1777,size=" + strconv.FormatInt(size, 10)
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, data); err != nil {
		return "", fmt.Errorf("pod /dev/shm: mount a tmpfs on %s: %w", dir, err)
	}
	return dir, nil
}

// unmountPodShm drops an infra's /dev/shm before its run directory goes;
// for any other container there is nothing there (EINVAL, ENOENT).
func (e *Engine) unmountPodShm(id string) error {
	err := unix.Unmount(e.podShmDir(id), unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount the pod's /dev/shm: %w", err)
	}
	return nil
}
