// Package descriptors keeps what a roost process inherited from its caller
// out of the processes it starts.
//
// A descriptor inherited across exec has no close-on-exec flag (exec closed
// every one that had it), and Go's os/exec passes every such descriptor on to
// each child: it sets up only 0, 1, 2 and ExtraFiles and relies on the flag
// for the rest. So a harness's pipe (bats' fd 3, a shell's saved descriptor)
// would reach the namespace holder, the egress helper, the DNS responder and
// every monitor, which outlive the command, and the harness would wait for
// ever for EOF. Importing this package marks every inherited descriptor
// above 2 close-on-exec before the Go runtime starts: the process itself may
// still use them, its children get only what is passed on purpose (stdio,
// ExtraFiles, which exec.Cmd dup2s without the flag).
//
// Kept as they are: systemd's socket-activation descriptors (3 up to
// 3+$LISTEN_FDS-1 when $LISTEN_PID is this process), which their reader
// (go-systemd's activation) marks itself, and which a re-execution of the
// same process must still find.
package descriptors

/*
#cgo CFLAGS: -Wall
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Set for Go: how the descriptors were marked (1 close_range, 2 /proc walk).
int roost_cloexec_method;
// Set for Go: how many descriptors from 3 up were open at start, without a gap.
int roost_inherited_run;

// activation_fds is how many descriptors systemd passed to this very process.
static unsigned activation_fds(void) {
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	long n = strtol(fds, NULL, 10);
	return n > 0 && n < 4096 ? (unsigned)n : 0;
}

// mark_from sets close-on-exec on every descriptor >= first: one system call
// since Linux 5.11, else a walk of /proc/self/fd.
static void mark_from(unsigned first) {
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
		roost_cloexec_method = 1;
		return;
	}
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (e->d_name[0] == '\0' || *end != '\0' || fd < (long)first || fd == dirfd(d))
			continue;
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0)
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(d);
	roost_cloexec_method = 2;
}

__attribute__((constructor)) static void roost_mark_inherited_cloexec(void) {
	while (roost_inherited_run < 4096 && fcntl(3 + roost_inherited_run, F_GETFD) >= 0)
		roost_inherited_run++;
	mark_from(3 + activation_fds());
}
*/
import "C"

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Marked reports whether the inherited descriptors were marked close-on-exec
// at start (false only if neither close_range nor /proc was usable).
func Marked() bool { return C.roost_cloexec_method != 0 }

// Inherited is how many descriptors the caller passed from 3 up without a
// gap (3, 4, ... 3+Inherited()-1): what `--preserve-fds` may hand on. They
// were inherited, not opened by this process, whatever it opened since.
func Inherited() int { return int(C.roost_inherited_run) }

// KeepAcrossExec clears close-on-exec on 3 .. 3+n-1, for a process that is
// about to replace itself with exec and must hand them to its new image.
// Call it only right before exec: any child started after it gets them too.
func KeepAcrossExec(n int) error {
	for fd := 3; fd < 3+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return fmt.Errorf("keeping descriptor %d across exec: %w", fd, err)
		}
	}
	return nil
}
