package userns

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/roost-containers/roost/pkg/descriptors"
)

// Environment variables that carry the namespace across Roost's re-execution.
const (
	envPid   = "_ROOST_USERNS_PID"   // the holder to join (read by the C constructor)
	envNew   = "_ROOST_USERNS_NEW"   // set once, for the first joiner of a new holder
	envTries = "_ROOST_USERNS_TRIES" // bounds re-execution when the holder keeps vanishing
)

// Inside reports whether this process already runs in the user's namespace.
func Inside() bool {
	in, _ := joinResult()
	return in
}

// Enter makes the calling process run inside the user's namespace: if it is not
// yet inside, it starts or finds the holder and re-executes the same command
// line, which the C constructor then joins before Go starts. It returns only
// once inside. warn receives one-line warnings (a missing subuid range).
// keepFDs descriptors from 3 up (`--preserve-fds`) cross the re-execution.
func Enter(runDir string, uid, gid, keepFDs int, warn func(string)) error {
	inside, joinErr := joinResult()
	if inside {
		return afterJoin()
	}
	tries, _ := strconv.Atoi(os.Getenv(envTries))
	if joinErr != nil && tries >= 3 {
		return fmt.Errorf("cannot join the user namespace: %w", joinErr)
	}
	h, created, warning, err := ensureHolder(runDir, uid, gid)
	if err != nil {
		return err
	}
	if warning != "" && warn != nil {
		warn(warning)
	}
	env := withEnv(os.Environ(), map[string]string{
		envPid:                          strconv.Itoa(h.Pid),
		envTries:                        strconv.Itoa(tries + 1),
		"_CONTAINERS_USERNS_CONFIGURED": "done",
		"_CONTAINERS_ROOTLESS_UID":      strconv.Itoa(uid),
		"_CONTAINERS_ROOTLESS_GID":      strconv.Itoa(gid),
	})
	if created {
		env = append(env, envNew+"=1")
	}
	if err := descriptors.KeepAcrossExec(keepFDs); err != nil {
		return err
	}
	if err := syscall.Exec("/proc/self/exe", os.Args, env); err != nil {
		return fmt.Errorf("re-execute into the user namespace: %w", err)
	}
	return nil
}

// afterJoin finishes what only a process inside can do. The first joiner of a
// new holder makes every mount a slave, so Roost's mounts never reach the host
// while the host's still arrive.
func afterJoin() error {
	os.Unsetenv(envTries)
	if os.Getenv(envNew) != "1" {
		return nil
	}
	os.Unsetenv(envNew)
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fmt.Errorf("make / rslave in the user namespace: %w", err)
	}
	return nil
}

// withEnv returns env with the given variables set, replacing earlier values.
func withEnv(env []string, set map[string]string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok && k != envNew {
			out = append(out, kv)
		}
	}
	for k, v := range set {
		out = append(out, k+"="+v)
	}
	return out
}

// Mappings in force for this process, as the kernel shows them.
func CurrentMappings() (uids, gids []IDMap, err error) {
	if uids, err = readMap("/proc/self/uid_map"); err != nil {
		return nil, nil, err
	}
	gids, err = readMap("/proc/self/gid_map")
	return uids, gids, err
}

func readMap(path string) ([]IDMap, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []IDMap
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m IDMap
		if _, err := fmt.Sscanf(line, "%d %d %d", &m.ContainerID, &m.HostID, &m.Size); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}
