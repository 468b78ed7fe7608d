package image

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"go.podman.io/image/v5/types"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/proc"
)

// Why an image operation keeps its big temporary files in a directory of
// its own:
//
// containers/image writes blobs to temporary files and directories under
// the directory for big files (a storage destination's
// container_images_storage*, an archive's layers) and removes them when it
// is done. A command killed before that leaves them behind, up to an
// image's size each, in /var/tmp, where nobody looks; so would Roost's own
// (a copy of standard input to load, an archive saved for standard output).
// Each operation therefore gets a directory there named by its process (pid
// and start time), and each new one first removes those whose process is
// gone: a kill -9 costs the disk only until the next such command.

// bigFilesPrefix begins the name of an operation's directory for big files.
const bigFilesPrefix = "roost-images-"

// copyContext is systemContext for an operation that copies images, with
// a directory of its own for big temporary files; done removes it.
func copyContext(cfg *config.Config, r RegistryOptions, p Platform) (sys *types.SystemContext, done func(), err error) {
	if sys, err = systemContext(cfg, r, p); err != nil {
		return nil, nil, err
	}
	return sys, useBigFilesDir(sys), nil
}

// useBigFilesDir gives sys's operation its directory for big files and
// returns what removes it. Where none can be made, containers/image uses
// the parent as before (an operation that needs no temporary file still
// works).
func useBigFilesDir(sys *types.SystemContext) (done func()) {
	dir, done, err := operationDir(bigFilesDir(sys))
	if err != nil {
		return func() {}
	}
	sys.BigFilesTemporaryDir = dir
	return done
}

// OperationTempDir is a directory of this operation's own under TempDir
// for its big temporary files (a saved archive, a copy of standard input),
// which a later operation removes should this process be killed; done
// removes it.
func OperationTempDir() (dir string, done func(), err error) {
	return operationDir(tempDir())
}

// operationDir makes an operation's directory in parent, named by this
// process, after removing those of ended processes.
func operationDir(parent string) (string, func(), error) {
	sweepBigFiles(parent)
	start, err := proc.StartTime(os.Getpid())
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("%s%d-%d-", bigFilesPrefix, os.Getpid(), start))
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// sweepBigFiles removes the directories for big files in parent that are
// ours and whose process has ended.
func sweepBigFiles(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, start, ok := bigFilesOwner(e.Name())
		if !ok || !ownDir(filepath.Join(parent, e.Name())) {
			continue
		}
		if now, err := proc.StartTime(pid); err == nil && now == start {
			continue // still working
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// bigFilesOwner reads the pid and start time from a directory's name.
func bigFilesOwner(name string) (pid int, start uint64, ok bool) {
	rest, found := strings.CutPrefix(name, bigFilesPrefix)
	if !found {
		return 0, 0, false
	}
	fields := strings.SplitN(rest, "-", 3)
	if len(fields) != 3 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(fields[0])
	start, err2 := strconv.ParseUint(fields[1], 10, 64)
	return pid, start, err1 == nil && err2 == nil && pid > 0
}

// ownDir says whether path is a directory of this user (the directory for
// big files is often shared, as /var/tmp is).
func ownDir(path string) bool {
	var st syscall.Stat_t
	return syscall.Lstat(path, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR && int(st.Uid) == os.Geteuid()
}

// bigFilesDir is the directory for big temporary files: the system
// context's, else TempDir's, as containers/image chooses.
func bigFilesDir(sys *types.SystemContext) string {
	if sys != nil && sys.BigFilesTemporaryDir != "" {
		return sys.BigFilesTemporaryDir
	}
	return tempDir()
}
